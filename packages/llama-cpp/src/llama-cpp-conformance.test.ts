import type { ChatMessage, LanguageModel, LanguageModelCallOptions } from '@rlm/core';
import { type ConformanceRequest, testLanguageModel } from '@rlm/core/testing/vitest';
import { gbnfLiteral } from './testing/gbnf-literal';
import { tinyModel } from './tiny-model-fixture';

/*
 * The shared provider suite on the tiny random-weight GGUF. This checks plumbing, not quality.
 *
 * A local model has no server, so the suite's "server" stands at the far end of llama.cpp:
 * - what it receives is the prompt as the model reads it (the messages rendered by the GGUF's
 *   ChatML template, special tokens written out), parsed back into messages;
 * - what it answers is forced token by token with a GBNF grammar, given as the call's
 *   `providerOptions['llama-cpp'].grammar`. The grammar is read through a getter, so the reply is
 *   asked for only when the model reads its call options: after its abort check, never for a call
 *   it refuses;
 * - a reply that makes the server stall (the abort check's 5 s delay) becomes 1,500 forced tokens
 *   before the text, seconds of real generation for the abort to stop;
 * - usage is the model's own count (`scriptedUsage: false`), and the large prompt is as large as
 *   the tiny model's 8k window allows.
 */

const STALL_TOKENS = 1_500;

testLanguageModel('llama-cpp (tiny GGUF)', {
  capabilities: { scriptedUsage: false, largePromptCharacters: 5_000 },
  async createModel(respond) {
    const model = await tinyModel({ contextSize: 8192, sequences: 4 }, { contextLength: 8192 });
    const farEnd: LanguageModel = {
      specificationVersion: 'v1',
      provider: model.provider,
      modelId: model.modelId,
      get contextWindow() {
        return model.contextWindow;
      },
      async doGenerate(options: LanguageModelCallOptions) {
        const prompt = await model.renderPrompt(options.messages);
        const request: ConformanceRequest = {
          messages: parseChatML(prompt.text),
          ...(options.maxOutputTokens === undefined ? {} : { maxOutputTokens: options.maxOutputTokens }),
        };
        const providerOptions = {
          'llama-cpp': {
            get grammar() {
              const reply = respond(request);
              const stall = (reply.delayMs ?? 0) >= 1_000 ? `"." {${STALL_TOKENS}} ` : '';
              return `root ::= ${stall}${gbnfLiteral(reply.text)}`;
            },
          },
        };
        return model.doGenerate({ ...options, providerOptions });
      },
    };
    return farEnd;
  },
});

/** The messages back out of a ChatML prompt (`<|im_start|>role\ncontent<|im_end|>\n`…, then the open assistant turn). */
function parseChatML(text: string): ChatMessage[] {
  const messages: ChatMessage[] = [];
  const turn = /<\|im_start\|>(system|user|assistant)\n([\s\S]*?)<\|im_end\|>\n/g;
  let end = 0;
  const body = text.replace(/^<s>/, '');
  for (const match of body.matchAll(turn)) {
    if (match.index !== end)
      throw new Error(`Unexpected text in the prompt at ${end}: ${body.slice(end, end + 40)}`);
    messages.push({ role: match[1] as ChatMessage['role'], content: match[2]! });
    end = match.index + match[0].length;
  }
  if (body.slice(end) !== '<|im_start|>assistant\n')
    throw new Error(`The prompt does not open the assistant's turn: ${body.slice(end)}`);
  return messages;
}
