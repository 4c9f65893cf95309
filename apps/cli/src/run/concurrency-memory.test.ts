import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RLMEvent } from '@rlm/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConcurrencyMemory, concurrencyMemoryKey, MEMORY_TTL_MS } from './concurrency-memory';

let folder: string;
let file: string;
let now: number;
const clock = () => now;

beforeEach(async () => {
  folder = await mkdtemp(join(tmpdir(), 'rlm-concurrency-memory-'));
  file = join(folder, 'rlm', 'concurrency.json');
  now = 1_000_000_000;
});
afterEach(async () => {
  await rm(folder, { recursive: true, force: true });
});

const key = (model: string) => concurrencyMemoryKey(model, 'http://127.0.0.1:8000/v1');

function change(
  model: string,
  window: number,
  reason: 'initial' | 'slow-start' | 'additive' | 'rate-limited' | 'overloaded' | 'retry-after',
  adaptive = true,
): RLMEvent {
  return {
    type: 'concurrency-change',
    model,
    window,
    previousWindow: window,
    maxWindow: 64,
    adaptive,
    reason,
    running: 0,
    queued: 0,
    runId: 'r',
    depth: 0,
    timestamp: now,
  } as unknown as RLMEvent;
}

async function runThatReached(events: readonly RLMEvent[]): Promise<void> {
  const memory = await ConcurrencyMemory.open(file, clock);
  for (const event of events) memory.observe(event);
  await memory.save(key);
}

describe('ConcurrencyMemory', () => {
  it('remembers the window an adaptive run reached without a cut, for the same model and server only', async () => {
    await runThatReached([
      change('openai:m', 16, 'initial'),
      change('openai:m', 40, 'slow-start'),
      change('openai:m', 64, 'slow-start'),
    ]);
    now += 60_000;
    const memory = await ConcurrencyMemory.open(file, clock);
    expect(memory.startFor(key('openai:m'), 64)).toEqual({ window: 64, ageMs: 60_000 });
    expect(memory.startFor(key('openai:other'), 64)).toBeUndefined();
    expect(memory.startFor(concurrencyMemoryKey('openai:m', 'http://elsewhere/v1'), 64)).toBeUndefined();
    // Never above the hard cap this run has.
    expect(memory.startFor(key('openai:m'), 24)).toEqual({ window: 24, ageMs: 60_000 });
  });

  it.each([
    'rate-limited',
    'overloaded',
    'retry-after',
  ] as const)('a run cut by %s leaves no memory, and erases what an earlier run left', async (reason) => {
    await runThatReached([change('openai:m', 64, 'slow-start')]);
    await runThatReached([change('openai:m', 64, 'initial'), change('openai:m', 32, reason)]);
    const memory = await ConcurrencyMemory.open(file, clock);
    expect(memory.startFor(key('openai:m'), 64)).toBeUndefined();
  });

  it('forgets after the time to live, and prunes old entries when it writes', async () => {
    await runThatReached([change('openai:old', 48, 'slow-start')]);
    now += MEMORY_TTL_MS + 1;
    expect((await ConcurrencyMemory.open(file, clock)).startFor(key('openai:old'), 64)).toBeUndefined();
    await runThatReached([change('openai:new', 32, 'slow-start')]);
    const written = JSON.parse(await readFile(file, 'utf8')) as { windows: Record<string, unknown> };
    expect(Object.keys(written.windows)).toEqual([key('openai:new')]);
  });

  it('ignores fixed windows (--concurrency N)', async () => {
    await runThatReached([change('openai:m', 4, 'initial', false)]);
    expect((await ConcurrencyMemory.open(file, clock)).startFor(key('openai:m'), 64)).toBeUndefined();
  });

  it.each([
    ['not JSON', '{"version":1,"windows":'],
    [
      'another format version',
      JSON.stringify({ version: 2, windows: { [key('openai:m')]: { window: 64, at: 1_000_000_000 } } }),
    ],
    [
      'entries of the wrong shape',
      JSON.stringify({ version: 1, windows: { [key('openai:m')]: { window: '64', at: 1_000_000_000 } } }),
    ],
    [
      'a zero window',
      JSON.stringify({ version: 1, windows: { [key('openai:m')]: { window: 0, at: 1_000_000_000 } } }),
    ],
    [
      'a time in the future',
      JSON.stringify({ version: 1, windows: { [key('openai:m')]: { window: 64, at: 2_000_000_000 } } }),
    ],
  ])('a file with %s is not trusted, and the next run replaces it', async (_what, text) => {
    await mkdir(join(folder, 'rlm'), { recursive: true });
    await writeFile(file, text);
    expect((await ConcurrencyMemory.open(file, clock)).startFor(key('openai:m'), 64)).toBeUndefined();
    await runThatReached([change('openai:m', 20, 'slow-start')]);
    expect((await ConcurrencyMemory.open(file, clock)).startFor(key('openai:m'), 64)?.window).toBe(20);
  });

  it('never fails the run when it cannot write, and leaves no temporary file behind', async () => {
    // The memory's folder is a file: mkdir and the write fail.
    await writeFile(join(folder, 'rlm'), 'not a folder');
    await expect(runThatReached([change('openai:m', 64, 'slow-start')])).resolves.toBeUndefined();
    await runThatReached([]);
    expect(await readdir(folder)).toEqual(['rlm']);
  });
});
