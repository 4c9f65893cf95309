/**
 * Benchmarks of the QuickJS environment. Run: `pnpm --filter @rlm/env-quickjs bench`.
 * Prints the median and spread (min, p25, p75, max) of repeated runs, in milliseconds.
 */

import type { ContextValue, HostFunction, ReplSession } from '@rlm/core';
import { formatStatsTable, measure, type Stats, summarize } from '@rlm/core/benchmark';
import { createQuickJSEnvironment } from '../src/index';

const environment = createQuickJSEnvironment();

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

async function main() {
  const results: Stats[] = [];
  const MB = 1_000_000;

  for (const megabytes of [1, 10, 50]) {
    const text = makeLines(megabytes * MB);
    const samples = await measure(megabytes === 50 ? 5 : 10, 1, async () => {
      const started = performance.now();
      const session = await openSession(text);
      const elapsed = performance.now() - started;
      await session.dispose();
      return elapsed;
    });
    results.push(summarize(`create session, ${megabytes} MB string context`, samples));
  }
  {
    const text = makeLines(50 * MB - 10).concat('Zürich €');
    const samples = await measure(3, 1, async () => {
      const started = performance.now();
      const session = await openSession(text);
      const elapsed = performance.now() - started;
      await session.dispose();
      return elapsed;
    });
    results.push(summarize('create session, 50 MB string context, non-Latin-1', samples, 'stored as UTF-16'));
  }
  {
    const documents = makeLines(50 * MB).split('\n');
    const samples = await measure(3, 1, async () => {
      const started = performance.now();
      const session = await openSession(documents);
      const elapsed = performance.now() - started;
      await session.dispose();
      return elapsed;
    });
    results.push(
      summarize(`create session, 50 MB as ${documents.length} strings`, samples, 'joined, split inside'),
    );
  }

  {
    const records = makeLines(10 * MB)
      .split('\n')
      .map((line, index) => ({ id: index, fields: line.split(' || ') }));
    const samples = await measure(3, 1, async () => {
      const started = performance.now();
      const session = await openSession(records);
      const elapsed = performance.now() - started;
      await session.dispose();
      return elapsed;
    });
    results.push(
      summarize(
        `create session, ${records.length} JSON records (${(JSON.stringify(records).length / MB).toFixed(0)} MB of JSON)`,
        samples,
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
  const expected = big.match(pattern)?.length ?? 0;
  results.push(
    summarize(
      'regex count over 50 MB (QuickJS)',
      await measure(5, 1, async () => {
        const result = await bigSession.runCell('(context.match(/User: 1\\d{3}7 /g) || []).length', {
          timeoutMs: 120_000,
        });
        if (result.value !== String(expected))
          throw new Error(`unexpected result: ${JSON.stringify(result)}`);
        return result.durationMs;
      }),
      `${expected} matches`,
    ),
  );
  results.push(
    summarize(
      'regex count over 50 MB (host V8, for comparison)',
      await measure(5, 1, async () => {
        const started = performance.now();
        if ((big.match(pattern)?.length ?? 0) !== expected) throw new Error('mismatch');
        return performance.now() - started;
      }),
    ),
  );
  await bigSession.dispose();

  console.log(
    `QuickJS environment benchmarks (Node ${process.version}, ${process.platform}/${process.arch})\n`,
  );
  console.log(formatStatsTable(results));
  const quick = results.find((s) => s.name.startsWith('regex count over 50 MB (QuickJS)'));
  const v8 = results.find((s) => s.name.startsWith('regex count over 50 MB (host V8'));
  if (quick && v8)
    console.log(`\nQuickJS / V8 on the regex count: ${(quick.median / v8.median).toFixed(0)}x`);
}

await main();
