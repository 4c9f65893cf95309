import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createAnthropic } from '@rlm/anthropic';
import type { LanguageModel } from '@rlm/core';
import { createFileCache } from '@rlm/core/cache';
import { createOpenAI } from '@rlm/openai';
import { type RecordedRequest, type ScriptedReply, startTestServer, type TestServer } from '@rlm/test-server';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { code, quickjsRLM } from './fixtures';

/** Root: turn 1 asks the sub-model about two words, turn 2 answers with what it said. Sub: echoes. */
function respond(request: RecordedRequest): ScriptedReply {
  if (request.messages[0]?.role !== 'system') {
    return { text: `seen ${request.messages.at(-1)?.content}`, usage: { inputTokens: 20, outputTokens: 3 } };
  }
  const turn = request.messages.filter((message) => message.role === 'assistant').length + 1;
  const text =
    turn === 1
      ? code('globalThis.parts = await llm_query_batched(["alpha", "beta"]); console.log(parts.length)')
      : code('FINAL(parts.join(" + "))');
  return { text, usage: { inputTokens: 900, outputTokens: 40 } };
}

let server: TestServer;
const folders: string[] = [];
beforeAll(async () => {
  server = await startTestServer({ respond });
});
afterAll(async () => {
  await server.close();
});
afterEach(async () => {
  server.requests.length = 0;
  for (const folder of folders.splice(0)) await rm(folder, { recursive: true, force: true });
});

const PROVIDERS: Record<string, () => LanguageModel> = {
  openai: () => createOpenAI({ baseURL: server.openaiBaseURL, apiKey: 'test-key' })('gpt-4.1-mini'),
  anthropic: () =>
    createAnthropic({ baseURL: server.anthropicBaseURL, apiKey: 'test-key' })('claude-haiku-4-5'),
};

describe.each(Object.keys(PROVIDERS))('createFileCache with the %s provider over the wire', (provider) => {
  it('a second identical run sends no request; other provider options miss; the root calls are cached too', async () => {
    const folder = await mkdtemp(join(tmpdir(), 'rlm-file-cache-wire-'));
    folders.push(folder);
    const run = async (providerOptions: Record<string, Record<string, unknown>>) => {
      const before = server.requests.length;
      const result = await quickjsRLM({
        model: PROVIDERS[provider]!(),
        cache: createFileCache(folder),
        providerOptions,
      }).completion('What do the parts say?', { context: 'some text' });
      return { result, requests: server.requests.slice(before) };
    };
    const options = { [provider]: { temperature: 0 } };
    const first = await run(options);
    expect(first.result.answer).toBe('seen alpha + seen beta');
    expect(first.requests).toHaveLength(4);
    expect(first.requests.every((request) => request.protocol === provider)).toBe(true);
    // The provider options reached the wire, so they are part of what was asked.
    expect(first.requests.every((request) => request.body.temperature === 0)).toBe(true);
    expect(first.result.usage.total).toMatchObject({ calls: 4, cachedCalls: 0 });

    const second = await run(options);
    expect(second.requests).toHaveLength(0);
    expect(second.result.answer).toBe(first.result.answer);
    expect(second.result.usage.total).toMatchObject({ calls: 0, cachedCalls: 4, costUsd: 0 });
    expect(second.result.usage.total.cachedCostUsd).toBeCloseTo(first.result.costUsd, 12);
    expect(second.result.trajectory.iterations.map((iteration) => iteration.servedFrom)).toEqual([
      'cache',
      'cache',
    ]);

    const other = await run({ [provider]: { temperature: 0.5 } });
    expect(other.requests).toHaveLength(4);
    expect(other.result.answer).toBe(first.result.answer);
    expect((await createFileCache(folder).stats()).entries).toBe(8);
  });
});
