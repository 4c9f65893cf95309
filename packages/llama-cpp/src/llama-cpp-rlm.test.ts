import { createRLM, LimitExceededError } from '@rlm/core';
import { createQuickJSEnvironment } from '@rlm/env-quickjs';
import { describe, expect, it } from 'vitest';
import { gbnfLiteral } from './testing/gbnf-literal';
import { tinyModel } from './tiny-model-fixture';

/*
 * Whole RLM runs through createRLM on the tiny random-weight GGUF. They prove the plumbing (the
 * loop sends the history through the GGUF's template, llama.cpp generates, the code runs in the
 * REPL, sub-calls come back through sequences of the same loaded model, usage adds up), not that
 * a small model can do the job: that needs a real model (see the README's recommended list).
 */

const grammar = (text: string) => ({ 'llama-cpp': { grammar: `root ::= ${gbnfLiteral(text)}` } });

describe('createRLM on a local model', () => {
  it('runs a forced program end to end: root code, llm_query_batched on the same model, FINAL', async () => {
    const model = await tinyModel({ sequences: 4, contextSize: 4096 });
    // The root's reply, forced token by token: a code block that fans out four sub-calls.
    const program = [
      '```javascript',
      'const parts = context.split(",");',
      'const answers = await llm_query_batched(parts.map((part) => "Say ok to " + part));',
      'FINAL(answers.length + ":" + answers.join("|"));',
      '```',
    ].join('\n');
    const rlm = createRLM({
      model,
      environment: createQuickJSEnvironment(),
      limits: { maxTurns: 3 },
      providerOptions: grammar(program),
      subProviderOptions: grammar('ok'),
    });
    const result = await rlm.completion('Answer each part.', { context: 'a,b,c,d' });
    expect(result.answer).toBe('4:ok|ok|ok|ok');
    expect(result.answerSource).toBe('FINAL');
    expect(result.turns).toBe(1);
    expect(result.costUsd).toBe(0);
    // One root call and four sub-calls, each counted by the model itself.
    expect(result.usage.total.calls).toBe(5);
    expect(result.usage.total.inputTokens).toBeGreaterThan(100);
    expect(result.usage.total.outputTokens).toBeGreaterThanOrEqual(program.length / 4);
    expect(result.failedSubCalls.count).toBe(0);
  });

  it('ends a run of unguided noise with the turn limit reported, never a made-up success', async () => {
    const model = await tinyModel({ sequences: 2, contextSize: 4096, maxOutputTokens: 24 });
    const rlm = createRLM({
      model,
      environment: createQuickJSEnvironment(),
      limits: { maxTurns: 2 },
    });
    const outcome = await rlm.completion('What is in the context?', { context: 'some text' }).then(
      (result) => ({ ok: true as const, result }),
      (error: unknown) => ({ ok: false as const, error }),
    );
    if (outcome.ok) {
      // The fallback call after the last turn may return noise as "the best answer": then the
      // result must say that it came from the fallback, not from FINAL.
      expect(outcome.result.answerSource).toBe('max-turns-fallback');
      expect(outcome.result.turns).toBe(2);
    } else {
      expect(LimitExceededError.isInstance(outcome.error)).toBe(true);
      expect((outcome.error as LimitExceededError).limit).toBe('maxTurns');
    }
  });
});
