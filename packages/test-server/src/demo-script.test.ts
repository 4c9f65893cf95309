import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { DEMO_COUNT, DEMO_PEEK, demoResponder } from './demo-script';
import type { RecordedRequest } from './recorded-request';

const INSTRUCTION =
  'Count the ERROR lines of this log excerpt by kind (the word after ERROR). Answer only JSON, e.g. {"disk": 2}.\n\n';

function subCall(prompt: string): RecordedRequest {
  return { messages: [{ role: 'user', content: prompt }] } as unknown as RecordedRequest;
}

/** The demo root's two cells, run as the sandbox would (cells share their variables), over `log`. */
async function runDemoCells(log: string): Promise<string> {
  const code = (reply: string) => /```javascript\n([\s\S]*?)\n```/.exec(reply)![1]!;
  const cells = `${code(DEMO_PEEK)}\n${code(DEMO_COUNT)}\nreturn summary;`;
  const llm_query_batched = async (prompts: string[]) =>
    Promise.all(
      prompts.map(async (prompt) => ((await demoResponder(subCall(prompt))) as { text: string }).text),
    );
  const AsyncFunction = Object.getPrototypeOf(async () => {}).constructor as new (
    ...args: string[]
  ) => (...values: unknown[]) => Promise<string>;
  const quiet = { log: () => {} };
  return new AsyncFunction('context', 'llm_query_batched', 'console', cells)(log, llm_query_batched, quiet);
}

describe('the demo', () => {
  it('counts the ERROR lines of the demo log by kind (the quick start’s answer)', async () => {
    const log = await readFile(new URL('../demo/server-log.txt', import.meta.url), 'utf8');
    expect(await runDemoCells(log)).toBe('disk: 65\nnetwork: 35\nauth: 18\ndatabase: 13');
  });

  it('counts ERROR lines of other common shapes, and not the instruction’s own words', async () => {
    const log = [
      '2026-01-01 ERROR db timeout',
      '[ERROR] db: pool exhausted',
      'ERROR: disk full',
      '2026-01-01 08:00:01 INFO ok',
      'Jan 1 08:00:02 host app[12]: ERROR disk quota',
    ].join('\n');
    const reply = (await demoResponder(subCall(INSTRUCTION + log))) as { text: string };
    expect(JSON.parse(reply.text)).toEqual({ db: 2, disk: 2 });
    expect(await runDemoCells(log)).toBe('db: 2\ndisk: 2');
  });

  it('says so when the log has no ERROR line, instead of answering an empty string', async () => {
    expect(await runDemoCells('2026-01-01 08:00:01 INFO all good\n2026-01-01 08:00:02 WARN slow')).toBe(
      'No ERROR lines found.',
    );
  });
});
