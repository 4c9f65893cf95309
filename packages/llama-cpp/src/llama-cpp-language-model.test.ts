import { ContextWindowExceededError, InvalidArgumentError } from '@rlm/core';
import { describe, expect, it, vi } from 'vitest';
import { llamaCpp } from './llama-cpp-provider';
import { gbnfLiteral } from './testing/gbnf-literal';
import { tinyModel, tinyModelPath } from './tiny-model-fixture';

/*
 * The plumbing of a local model on a GGUF the test writes itself (random weights, a tiny
 * vocabulary): loading, the chat template from the file, sequences of one context, abort, usage.
 * Its answers are noise; where a check needs exact text, a GBNF grammar forces it token by token.
 * Nothing here says anything about the quality of a real model.
 */

const grammarOf = (text: string) => ({ 'llama-cpp': { grammar: `root ::= ${gbnfLiteral(text)}` } });

describe('loading', () => {
  it('loads the GGUF on the CPU and reports its window: the trained size, capped by contextSize', async () => {
    const capped = await tinyModel({ contextSize: 1024 }, { contextLength: 4096 });
    expect(capped.contextWindow).toBe(1024); // asked for, before loading
    await capped.load();
    expect(capped.gpu).toBe(false);
    expect(capped.contextWindow).toBe(1024);

    const trained = await tinyModel({ contextSize: 999_999 }, { contextLength: 1536 });
    await trained.load();
    expect(trained.contextWindow).toBe(1536);
  });

  it('names the model after the file, and reports the contract', async () => {
    const model = await tinyModel();
    expect(model.specificationVersion).toBe('v1');
    expect(model.provider).toBe('llama-cpp');
    expect(model.modelId).toMatch(/^tiny-\d+$/);
    expect((await tinyModel({ modelId: 'mine' })).modelId).toBe('mine');
  });

  it('refuses a file that is not a GGUF model, saying so', async () => {
    const path = `${await tinyModelPath()}.broken`;
    const { writeFile } = await import('node:fs/promises');
    await writeFile(path, 'not a model');
    const model = llamaCpp(path, { threads: 1, gpu: false });
    const error = await model.doGenerate({ messages: [{ role: 'user', content: 'x' }] }).catch((e) => e);
    expect(InvalidArgumentError.isInstance(error)).toBe(true);
    expect(error.message).toContain('could not load');
    expect(error.message).toContain(path);
  });

  it('checks its settings at once', () => {
    for (const settings of [{ sequences: 0 }, { contextSize: 1.5 }, { threads: -1 }, { temperature: -1 }]) {
      expect(() => llamaCpp('/nowhere.gguf', settings)).toThrow(InvalidArgumentError);
    }
  });
});

describe('chat template from the GGUF', () => {
  it('renders the messages with the template the file carries (ChatML)', async () => {
    const model = await tinyModel();
    const prompt = await model.renderPrompt([
      { role: 'system', content: 'Be terse.' },
      { role: 'user', content: 'Hi' },
      { role: 'assistant', content: 'Hello' },
      { role: 'user', content: 'Again' },
    ]);
    // node-llama-cpp's ChatML wrapper also opens with the model's BOS token.
    expect(prompt.text.replace(/^<s>/, '')).toBe(
      '<|im_start|>system\nBe terse.<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n' +
        '<|im_start|>assistant\nHello<|im_end|>\n<|im_start|>user\nAgain<|im_end|>\n<|im_start|>assistant\n',
    );
    expect(prompt.tokens).toBeGreaterThan(10);
  });

  it('uses another template when the file carries another one', async () => {
    const template =
      "{% for message in messages %}{{ '### ' + message['role'] + ': ' + message['content'] + '\\n' }}{% endfor %}{% if add_generation_prompt %}{{ '### assistant: ' }}{% endif %}";
    const model = await tinyModel({}, { chatTemplate: template });
    const prompt = await model.renderPrompt([
      { role: 'system', content: 'S' },
      { role: 'user', content: 'U' },
    ]);
    expect(prompt.text).toContain('### user: U');
    expect(prompt.text).toContain('### system: S');
    expect(prompt.text.trimEnd().endsWith('### assistant:')).toBe(true);
    expect(prompt.text).not.toContain('<|im_start|>');
  });
});

describe('chat', () => {
  it('generates text, cost 0, usage counted by the model, and stops at maxOutputTokens with "length"', async () => {
    const model = await tinyModel();
    const messages = [{ role: 'user' as const, content: 'Write some code.' }];
    const prompt = await model.renderPrompt(messages);
    for (const cap of [1, 7, 25]) {
      const result = await model.doGenerate({ messages, maxOutputTokens: cap });
      expect(result.costUsd).toBe(0);
      expect(result.usage.inputTokens).toBe(prompt.tokens);
      expect(result.usage.outputTokens).toBeGreaterThan(0);
      expect(result.usage.outputTokens).toBeLessThanOrEqual(cap);
      if (result.usage.outputTokens === cap) expect(result.finishReason).toBe('length');
      expect(result.response?.modelId).toBe(model.modelId);
    }
  });

  it('is deterministic at temperature 0: the same prompt gives the same noise', async () => {
    const model = await tinyModel({ sequences: 1 });
    const messages = [{ role: 'user' as const, content: 'repeat' }];
    const first = await model.doGenerate({ messages, maxOutputTokens: 30 });
    await model.doGenerate({ messages: [{ role: 'user', content: 'something else' }], maxOutputTokens: 30 });
    const again = await model.doGenerate({ messages, maxOutputTokens: 30 });
    expect(again.text).toBe(first.text);
  });

  it('answers exactly under a grammar (per call, or for every call), with "stop" and the end-of-turn token counted', async () => {
    const texts = [
      'Zürich — 東京 🚀\nline two',
      '```javascript\nFINAL("42")\n```',
      'a "quoted" \\ back\tslash',
      '',
    ];
    const model = await tinyModel();
    for (const text of texts) {
      const result = await model.doGenerate({
        messages: [{ role: 'user', content: 'say it' }],
        providerOptions: grammarOf(text),
      });
      expect(result.text).toBe(text);
      expect(result.finishReason).toBe('stop');
      expect(result.usage.outputTokens).toBeGreaterThanOrEqual(1);
    }
    const always = await tinyModel({ grammar: 'root ::= "always"' });
    expect((await always.doGenerate({ messages: [{ role: 'user', content: 'x' }] })).text).toBe('always');
  });

  it('counts the prompt prefix its sequence still held as cached input', async () => {
    const model = await tinyModel({ sequences: 1 });
    const first = [
      { role: 'system' as const, content: 'You write JavaScript in a REPL.' },
      { role: 'user' as const, content: 'Turn 1' },
    ];
    const fresh = await model.doGenerate({ messages: first, providerOptions: grammarOf('one') });
    expect(fresh.usage.cachedInputTokens).toBe(0);
    const next = [
      ...first,
      { role: 'assistant' as const, content: 'one' },
      { role: 'user' as const, content: 'Turn 2' },
    ];
    const reused = await model.doGenerate({ messages: next, providerOptions: grammarOf('two') });
    expect(reused.usage.cachedInputTokens).toBeGreaterThan(fresh.usage.inputTokens / 2);
    expect(reused.usage.cachedInputTokens).toBeLessThan(reused.usage.inputTokens);
  });

  it('refuses a prompt longer than the window before generating, with the sizes', async () => {
    const model = await tinyModel({ contextSize: 512 });
    const error = await model
      .doGenerate({ messages: [{ role: 'user', content: 'word '.repeat(400) }] })
      .catch((e) => e);
    expect(ContextWindowExceededError.isInstance(error)).toBe(true);
    expect(error.contextWindow).toBe(512);
    expect(error.promptTokens).toBeGreaterThan(512);
  });

  it('rejects a grammar that does not parse, and a grammar that is not a string', async () => {
    const model = await tinyModel();
    const messages = [{ role: 'user' as const, content: 'x' }];
    for (const grammar of ['root ::= (', 42]) {
      const error = await model
        .doGenerate({ messages, providerOptions: { 'llama-cpp': { grammar } } })
        .catch((e) => e);
      expect(InvalidArgumentError.isInstance(error)).toBe(true);
      expect(error.message).toMatch(/grammar/);
    }
    expect((await model.doGenerate({ messages, providerOptions: grammarOf('still fine') })).text).toBe(
      'still fine',
    );
  });
});

describe('concurrency: sequences of one context', () => {
  it('runs up to `sequences` calls at once on the one loaded model and queues the rest, each kept apart', async () => {
    for (const sequences of [1, 3]) {
      const model = await tinyModel({ sequences });
      await model.load();
      const calls = Array.from({ length: 7 }, (_, index) =>
        model.doGenerate({
          messages: [{ role: 'user', content: `call ${index}` }],
          // Long enough (~70 tokens each) to watch the sequences busy.
          providerOptions: grammarOf(`echo:call ${index} ${'z'.repeat(60 + index * 3)}`),
        }),
      );
      await vi.waitFor(
        () => expect(model.activity).toEqual({ sequences, busy: sequences, waiting: 7 - sequences }),
        { interval: 2, timeout: 5_000 },
      );
      const results = await Promise.all(calls);
      expect(results.map((result) => result.text)).toEqual(
        Array.from({ length: 7 }, (_, index) => `echo:call ${index} ${'z'.repeat(60 + index * 3)}`),
      );
      expect(model.activity).toEqual({ sequences, busy: 0, waiting: 0 });
    }
  });

  it('gives each concurrent call the same answer it gets alone (no cross-talk between sequences)', async () => {
    const model = await tinyModel({ sequences: 4 });
    const prompts = ['alpha', 'beta', 'gamma', 'delta'];
    const alone: string[] = [];
    for (const prompt of prompts) {
      alone.push(
        (await model.doGenerate({ messages: [{ role: 'user', content: prompt }], maxOutputTokens: 12 })).text,
      );
    }
    const together = await Promise.all(
      prompts.map((prompt) =>
        model.doGenerate({ messages: [{ role: 'user', content: prompt }], maxOutputTokens: 12 }),
      ),
    );
    // Decoding 4 sequences in one batch may round differently from decoding one alone, and on random
    // weights (near-ties everywhere) that can change a token late in an answer (seen on CI: 2 of 4
    // answers forked after 12 equal characters). Cross-talk — a sequence reading another's state —
    // makes an answer follow the other prompt's: so each answer must agree with its own prompt's
    // answer alone at least as long as with any other prompt's, and at least 3 of the 4 strictly
    // longer (a fork at the very first token, rare, leaves one answer agreeing with none).
    const commonPrefix = (a: string, b: string) => {
      let length = 0;
      while (length < a.length && length < b.length && a[length] === b[length]) length++;
      return length;
    };
    expect(new Set(alone).size, 'the prompts must give different answers for this to test anything').toBe(4);
    let closestToOwn = 0;
    for (const [index, result] of together.entries()) {
      const own = commonPrefix(result.text, alone[index]!);
      const closestOther = Math.max(
        ...alone.flatMap((answer, other) => (other === index ? [] : [commonPrefix(result.text, answer)])),
      );
      expect(
        own,
        `${prompts[index]} together: ${result.text}; alone: ${alone.join(' | ')}`,
      ).toBeGreaterThanOrEqual(closestOther);
      if (own > closestOther) closestToOwn++;
    }
    expect(
      closestToOwn,
      `together: ${together.map((result) => result.text).join(' | ')}`,
    ).toBeGreaterThanOrEqual(3);
  });
});

describe('abort', () => {
  it('refuses an aborted signal before generating, with its reason', async () => {
    const model = await tinyModel();
    const controller = new AbortController();
    const reason = new Error('stop before start');
    controller.abort(reason);
    await expect(
      model.doGenerate({ messages: [{ role: 'user', content: 'x' }], abortSignal: controller.signal }),
    ).rejects.toBe(reason);
  });

  it('stops a long generation promptly, frees its sequence, and a queued call waiting for one', async () => {
    const model = await tinyModel({ sequences: 1, contextSize: 2048 });
    await model.load();
    // Forced to 1,500 tokens: seconds of work, unless the abort stops it.
    const long = { 'llama-cpp': { grammar: 'root ::= "x"{1500}' } };
    const controller = new AbortController();
    const reason = new Error('user cancelled');
    const started = performance.now();
    const running = model.doGenerate({
      messages: [{ role: 'user', content: 'go' }],
      providerOptions: long,
      abortSignal: controller.signal,
    });
    const queued = model.doGenerate({
      messages: [{ role: 'user', content: 'queued' }],
      providerOptions: long,
      abortSignal: controller.signal,
    });
    const settled = Promise.allSettled([running, queued]);
    setTimeout(() => controller.abort(reason), 50);
    expect(await settled).toEqual([
      { status: 'rejected', reason },
      { status: 'rejected', reason },
    ]);
    expect(performance.now() - started).toBeLessThan(1_500);
    expect(model.activity).toEqual({ sequences: 1, busy: 0, waiting: 0 });
    const after = await model.doGenerate({
      messages: [{ role: 'user', content: 'then' }],
      providerOptions: grammarOf('ok'),
    });
    expect(after.text).toBe('ok');
  });
});

describe('a model that ends its turn at once', () => {
  it('answers with an empty text and "stop", whatever the prompt (the tiny GGUF written with alwaysEndTurn)', async () => {
    const model = await tinyModel({}, { alwaysEndTurn: true });
    for (const content of ['hello', 'Write a long essay.', '```javascript\n']) {
      const result = await model.doGenerate({ messages: [{ role: 'user', content }] });
      expect(result).toMatchObject({ text: '', finishReason: 'stop', usage: { outputTokens: 1 } });
    }
  });
});
