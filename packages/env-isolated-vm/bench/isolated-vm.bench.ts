/**
 * Benchmarks of the isolated-vm environment. Run: `pnpm --filter @rlm/env-isolated-vm bench`
 * (the script starts Node with --no-node-snapshot, which isolated-vm needs).
 * Prints the median and spread (min, p25, p75, max) of repeated runs, in milliseconds.
 */

import type { ContextValue, HostFunction, ReplSession } from '@rlm/core';
import { formatStatsTable, measure, type Stats, summarize } from '@rlm/core/benchmark';
import { createIsolatedVMEnvironment } from '../src/index';
import { loadIsolatedVM } from '../src/load-isolated-vm';

const environment = createIsolatedVMEnvironment({ memoryLimitMb: 1024 });

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

async function timeSessionCreation(context: ContextValue, runs: number): Promise<number[]> {
  return measure(runs, 1, async () => {
    const started = performance.now();
    const session = await openSession(context);
    const elapsed = performance.now() - started;
    await session.dispose();
    return elapsed;
  });
}

/** The bare transfer of a string into an isolate, two ways, to choose between them. */
async function transferRows(text: string): Promise<Stats[]> {
  const ivm = await loadIsolatedVM();
  const isolate = new ivm.Isolate({ memoryLimit: 1024 });
  const context = await isolate.createContext();
  const keep = await context.eval('(function (value) { globalThis.kept = value; return value.length; })', {
    reference: true,
  });
  const asArgument = await measure(5, 1, async () => {
    const started = performance.now();
    await keep.apply(undefined, [text]);
    return performance.now() - started;
  });
  const asExternalCopy = await measure(5, 1, async () => {
    const started = performance.now();
    await keep.apply(undefined, [new ivm.ExternalCopy(text).copyInto({ release: true })]);
    return performance.now() - started;
  });
  isolate.dispose();
  const megabytes = (text.length / 1_000_000).toFixed(0);
  return [
    summarize(
      `transfer only: ${megabytes} MB string as an apply argument`,
      asArgument,
      'what the environment does',
    ),
    summarize(`transfer only: ${megabytes} MB string through ExternalCopy.copyInto`, asExternalCopy),
  ];
}

async function main() {
  const results: Stats[] = [];
  const MB = 1_000_000;

  results.push(
    summarize('create session, empty context', await timeSessionCreation('', 20), 'isolate + prelude'),
  );
  for (const megabytes of [1, 10, 50]) {
    const text = makeLines(megabytes * MB);
    results.push(
      summarize(
        `create session, ${megabytes} MB string context`,
        await timeSessionCreation(text, megabytes === 50 ? 7 : 10),
      ),
    );
  }
  results.push(
    summarize(
      'create session, 50 MB string context, non-Latin-1',
      await timeSessionCreation(makeLines(50 * MB - 10).concat('Zürich €'), 5),
      'stored as UTF-16',
    ),
  );
  {
    const documents = makeLines(50 * MB).split('\n');
    results.push(
      summarize(
        `create session, 50 MB as ${documents.length} strings`,
        await timeSessionCreation(documents, 5),
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
        await timeSessionCreation(records, 5),
        'JSON.parse inside',
      ),
    );
  }
  results.push(...(await transferRows(makeLines(50 * MB))));

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
      'cell awaiting 100 no-op host calls in a row',
      await measure(50, 5, () => wallClock('for (let i = 0; i < 100; i++) await noop();')),
      'per call: divide by 100',
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
  // Each workload as a cell (some written two ways) and as the same code on the host.
  const workloads: Array<{ name: string; cells: Record<string, string>; host: () => number }> = [
    {
      name: 'regex count',
      cells: { '': '(context.match(/User: 1\\d{3}7 /g) || []).length' },
      host: () => big.match(/User: 1\d{3}7 /g)?.length ?? 0,
    },
    {
      name: 'split into lines',
      cells: { '': "context.split('\\n').length" },
      host: () => big.split('\n').length,
    },
    {
      name: 'indexOf count',
      cells: {
        // Every `context` read goes through the prelude's accessor, and `found` is a global.
        'top-level loop on context':
          "let found = 0;\nfor (let at = context.indexOf('Where is'); at !== -1; at = context.indexOf('Where is', at + 1)) found++;\nfound",
        'in a function, context read once':
          "(() => { const text = context; let found = 0;\nfor (let at = text.indexOf('Where is'); at !== -1; at = text.indexOf('Where is', at + 1)) found++;\nreturn found; })()",
      },
      host: () => {
        let found = 0;
        for (let at = big.indexOf('Where is'); at !== -1; at = big.indexOf('Where is', at + 1)) found++;
        return found;
      },
    },
  ];
  const ratios: string[] = [];
  for (const workload of workloads) {
    const expected = workload.host();
    const onHost = summarize(
      `${workload.name} over 50 MB (host V8, for comparison)`,
      await measure(7, 1, async () => {
        const started = performance.now();
        if (workload.host() !== expected) throw new Error('mismatch');
        return performance.now() - started;
      }),
    );
    for (const [variant, cell] of Object.entries(workload.cells)) {
      const label = variant ? `${workload.name}, ${variant}` : workload.name;
      const inIsolate = summarize(
        `${label} over 50 MB (isolate)`,
        await measure(7, 1, async () => {
          const result = await bigSession.runCell(cell, { timeoutMs: 120_000 });
          if (result.value !== String(expected))
            throw new Error(`unexpected result: ${JSON.stringify(result)}`);
          return result.durationMs;
        }),
        `${expected} found; runCell wall clock`,
      );
      results.push(inIsolate);
      ratios.push(`${label}: ${(inIsolate.median / onHost.median).toFixed(2)}x`);
    }
    results.push(onHost);
  }
  await bigSession.dispose();

  console.log(
    `isolated-vm environment benchmarks (Node ${process.version}, ${process.platform}/${process.arch})\n`,
  );
  console.log(formatStatsTable(results));
  console.log(`\nisolate / host V8, medians: ${ratios.join(', ')}`);
}

await main();
