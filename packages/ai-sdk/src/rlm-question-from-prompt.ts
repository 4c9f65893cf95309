import {
  InvalidPromptError,
  type LanguageModelV3Prompt,
  type SharedV3Warning,
  UnsupportedFunctionalityError,
} from '@ai-sdk/provider';

/** The RLM's question, built from an AI SDK prompt, and what of the prompt it could not use. */
export interface RLMQuestion {
  readonly question: string;
  readonly warnings: SharedV3Warning[];
}

/**
 * The question an RLM answers, from an AI SDK prompt. The last message must be the user's: its text
 * is the question. System messages come first as instructions, earlier turns as the conversation so
 * far, so `generateText({ system, messages })` keeps its meaning. Files and images cannot go into a
 * text question (`UnsupportedFunctionalityError`); tool calls and reasoning of earlier turns are left
 * out, with a warning.
 */
export function rlmQuestionFromPrompt(prompt: LanguageModelV3Prompt): RLMQuestion {
  const warnings: SharedV3Warning[] = [];
  const last = prompt.at(-1);
  if (!last || last.role !== 'user') {
    throw new InvalidPromptError({
      prompt,
      message:
        'An RLM model answers a question: the prompt must end with a user message (generateText({ model, prompt: "…" })).',
    });
  }
  const instructions: string[] = [];
  const turns: string[] = [];
  let question = '';
  prompt.forEach((message, index) => {
    switch (message.role) {
      case 'system':
        instructions.push(message.content);
        break;
      case 'user': {
        const parts: string[] = [];
        for (const part of message.content) {
          if (part.type === 'text') parts.push(part.text);
          else {
            throw new UnsupportedFunctionalityError({
              functionality: `${part.type} parts (${part.mediaType}) in an RLM question; give files as the context instead (rlmModel({ context }) or providerOptions.rlm.context)`,
            });
          }
        }
        if (index === prompt.length - 1) question = parts.join('\n');
        else turns.push(`User: ${parts.join('\n')}`);
        break;
      }
      case 'assistant': {
        const text = message.content
          .filter((part) => part.type === 'text')
          .map((part) => part.text)
          .join('');
        if (message.content.some((part) => part.type !== 'text')) {
          warnings.push({
            type: 'other',
            message: 'Tool calls, reasoning and files of earlier assistant turns are not passed to the RLM.',
          });
        }
        if (text !== '') turns.push(`Assistant: ${text}`);
        break;
      }
      case 'tool':
        warnings.push({ type: 'other', message: 'Tool results in the prompt are not passed to the RLM.' });
        break;
    }
  });
  if (question.trim() === '') {
    throw new InvalidPromptError({
      prompt,
      message:
        'The last user message has no text: it is the question the RLM answers, so it must say something.',
    });
  }
  const sections = [
    ...(instructions.length > 0 ? [`Instructions:\n${instructions.join('\n\n')}`] : []),
    ...(turns.length > 0 ? [`Conversation so far:\n${turns.join('\n\n')}`] : []),
  ];
  return {
    question: sections.length === 0 ? question : `${sections.join('\n\n')}\n\nQuestion:\n${question}`,
    warnings: dedupe(warnings),
  };
}

function dedupe(warnings: SharedV3Warning[]): SharedV3Warning[] {
  const seen = new Set<string>();
  return warnings.filter((warning) => {
    const key = JSON.stringify(warning);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
