/**
 * Benchmarks of the Deno environment. Run: `pnpm --filter @rlm/env-deno bench`.
 * Prints the median and spread (min, p25, p75, max) of repeated runs, in milliseconds.
 */

import type { ContextValue, HostFunction, ReplSession } from '@rlm/core';
import { formatStatsTable, measure, type Stats, summarize } from '@rlm/core/benchmark';
import { createDenoEnvironment } from '../src/index';

const environment = createDenoEnvironment({ memoryLimitMb: 4096, keepSpareProcess: false });
const environmentWithSpare = createDenoEnvironment({ memoryLimitMb: 4096 });

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const hostFunctions: Record<string, HostFunction> = {
  noop: async () => null,
  llm_query: async ([prompt]) => {
    await sleep(200);
    return `answer:${String(prompt)}`;
  },
};

function openSession(context: ContextValue): Promise<ReplSession> {
  return environment.createSession({ context, hostFunctions });
}

/** OOLONG-like lines, about 100 characters each. */
function makeLines(totalChars: number): string {
  const labels = ['What is', 'Who was', 'Where is', 'How many', 'When did'];
  const lines: string[] = [];
  let size = 0;
  for (let i = 0; size < totalChars; i++) {
    const line = `Date: Mar ${String((i % 28) + 1).padStart(2, '0')}, 2024 || User: ${String(10000 + ((i * 7919) % 90000))} || Instance: ${labels[i % labels.length]} item ${i}?`;
    lines.push(line);
    size += line.length + 1;
  }
  return lines.join('\n').slice(0, totalChars);
}

/** Wall-clock time of creating a session with `context` (process start and context load), then disposing it. */
async function sessionStart(context: ContextValue): Promise<number> {
  const started = performance.now();
  const session = await openSession(context);
  const elapsed = performance.now() - started;
  await session.dispose();
  return elapsed;
}

async function main() {
  const results: Stats[] = [];
  const MB = 1_000_000;

  const smallContext = 'The quick brown fox jumps over the lazy dog.';
  results.push(
    summarize(
      'start-up, cold: create session, 44-character context',
      await measure(20, 3, () => sessionStart(smallContext)),
      'spawn deno, boot, load the prelude, ready',
    ),
  );
  results.push(
    summarize(
      'start-up with the spare process booted (the default)',
      await measure(20, 3, async () => {
        // Sessions of an RLM run start seconds apart: the spare has booted by then.
        await sleep(400);
        const started = performance.now();
        const session = await environmentWithSpare.createSession({ context: smallContext, hostFunctions });
        const elapsed = performance.now() - started;
        await session.dispose();
        return elapsed;
      }),
      'write the context, load the prelude, ready',
    ),
  );
  for (const megabytes of [1, 10, 50]) {
    const text = makeLines(megabytes * MB);
    results.push(
      summarize(
        `create session, ${megabytes} MB string context`,
        await measure(megabytes === 50 ? 5 : 10, 1, () => sessionStart(text)),
        'temp file, read inside',
      ),
    );
  }
  {
    const text = makeLines(50 * MB - 10).concat('Zürich €');
    results.push(
      summarize(
        'create session, 50 MB string context, non-Latin-1',
        await measure(3, 1, () => sessionStart(text)),
        'stored as UTF-16',
      ),
    );
  }
  {
    const documents = makeLines(50 * MB).split('\n');
    results.push(
      summarize(
        `create session, 50 MB as ${documents.length} strings`,
        await measure(3, 1, () => sessionStart(documents)),
        'joined, split inside',
      ),
    );
  }

  {
    const records = makeLines(10 * MB)
      .split('\n')
      .map((line, index) => ({ id: index, fields: line.split(' || ') }));
    results.push(
      summarize(
        `create session, ${records.length} JSON records (${(JSON.stringify(records).length / MB).toFixed(0)} MB of JSON)`,
        await measure(3, 1, () => sessionStart(records)),
        'JSON.parse inside',
      ),
    );
  }

  const session = await openSession(makeLines(MB));
  const wallClock = async (code: string) => {
    const started = performance.now();
    const result = await session.runCell(code);
    if (result.error) throw new Error(`unexpected error: ${JSON.stringify(result.error)}`);
    return performance.now() - started;
  };
  results.push(
    summarize('empty cell round trip', await measure(500, 50, () => wallClock('')), 'runCell wall clock'),
  );
  results.push(
    summarize(
      'cell awaiting one no-op host call',
      await measure(500, 50, () => wallClock('await noop()')),
      'compare with the empty cell',
    ),
  );
  results.push(
    summarize(
      'host-call round trip (1,000 awaited in a row, per call)',
      await measure(
        20,
        2,
        async () => (await wallClock('for (let i = 0; i < 1000; i++) await noop();')) / 1000,
      ),
    ),
  );
  results.push(
    summarize(
      '16 concurrent 200 ms llm_query (Promise.all)',
      await measure(10, 1, async () => {
        const result = await session.runCell(
          "await Promise.all(Array.from({ length: 16 }, (_, i) => llm_query('p' + i))).then((a) => a.length)",
        );
        if (result.value !== '16') throw new Error(`unexpected result: ${JSON.stringify(result)}`);
        return result.durationMs;
      }),
    ),
  );
  await session.dispose();

  const big = makeLines(50 * MB);
  const bigSession = await openSession(big);
  const pattern = /User: 1\d{3}7 /g;
  const expectedMatches = big.match(pattern)?.length ?? 0;
  const expectedLines = big.split('\n').length;
  const expectedIndex = big.indexOf('item 444444?');
  const inDeno = async (name: string, code: string, expected: number, note?: string) => {
    results.push(
      summarize(
        name,
        await measure(5, 1, async () => {
          const result = await bigSession.runCell(code, { timeoutMs: 120_000 });
          if (result.value !== String(expected))
            throw new Error(`unexpected result: ${JSON.stringify(result)}`);
          return result.durationMs;
        }),
        note,
      ),
    );
  };
  const inHost = async (name: string, run: () => number, expected: number) => {
    results.push(
      summarize(
        name,
        await measure(5, 1, async () => {
          const started = performance.now();
          if (run() !== expected) throw new Error('mismatch');
          return performance.now() - started;
        }),
      ),
    );
  };
  await inDeno(
    'regex count over 50 MB (Deno)',
    '(context.match(/User: 1\\d{3}7 /g) || []).length',
    expectedMatches,
    `${expectedMatches} matches`,
  );
  await inHost(
    'regex count over 50 MB (host V8, for comparison)',
    () => big.match(pattern)?.length ?? 0,
    expectedMatches,
  );
  await inDeno(
    'split 50 MB into lines (Deno)',
    "context.split('\\n').length",
    expectedLines,
    `${expectedLines} lines`,
  );
  await inHost('split 50 MB into lines (host V8)', () => big.split('\n').length, expectedLines);
  await inDeno('indexOf near the end of 50 MB (Deno)', "context.indexOf('item 444444?')", expectedIndex);
  await inHost('indexOf near the end of 50 MB (host V8)', () => big.indexOf('item 444444?'), expectedIndex);
  await bigSession.dispose();

  console.log(`Deno environment benchmarks (Node ${process.version}, ${process.platform}/${process.arch})\n`);
  console.log(formatStatsTable(results));
}

await main();
