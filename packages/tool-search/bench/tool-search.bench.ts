/**
 * Benchmarks of `@rlm/tool-search`. Run: `pnpm --filter @rlm/tool-search bench [grep|search]`
 * (`node --no-node-snapshot`, which isolated-vm needs). Prints medians and spreads in milliseconds.
 * `BENCH_SIZES_MB=1,10,50` sets the sizes of part 1, `BENCH_PROSE_MB=40` the size of part 2.
 *
 * 1. A regex count over 1, 10 and 50 MB: `grep` called from a QuickJS cell (the tool runs on the
 *    host, in its worker thread), against the same regex inside QuickJS, inside isolated-vm, and in
 *    host V8 directly; with the host's worst event-loop lag during the tool's call.
 * 2. BM25 at ~10M tokens (40 MB): index build time and peak RSS, and query latency.
 */

import type { HostFunction, ReplEnvironment, ReplSession } from '@rlm/core';
import {
  formatStatsTable,
  makeBenchmarkLines,
  makeBenchmarkProse,
  measure,
  type Stats,
  summarize,
  watchHost,
} from '@rlm/core/benchmark';
import { createIsolatedVMEnvironment } from '@rlm/env-isolated-vm';
import { createQuickJSEnvironment } from '@rlm/env-quickjs';
import { createGrepTool, createSearchTool } from '../src/index';

const MB = 1_000_000;
const PATTERN = 'User: 4\\d{4}';
const signal = new AbortController().signal;
const grepSizesMb = (process.env.BENCH_SIZES_MB ?? '1,10,50').split(',').map(Number);
const proseMb = Number(process.env.BENCH_PROSE_MB ?? 40);

async function cellMs(session: ReplSession, code: string, expected: string): Promise<number> {
  const result = await session.runCell(code, { timeoutMs: 600_000 });
  if (result.error || result.value !== expected) {
    throw new Error(
      `unexpected cell result: ${JSON.stringify({ ...result, stdout: result.stdout.slice(0, 200) })}`,
    );
  }
  return result.durationMs;
}

async function grepSection(results: Stats[], lags: string[]) {
  const quickjs = createQuickJSEnvironment();
  const isolatedVm: ReplEnvironment = createIsolatedVMEnvironment({ memoryLimitMb: 2048 });
  for (const megabytes of grepSizesMb) {
    const text = makeBenchmarkLines(megabytes * MB);
    const regex = new RegExp(PATTERN, 'g');
    const expected = String(text.match(regex)?.length ?? 0);
    const runs = megabytes === 50 ? 5 : 10;
    const printed = results.length;
    const label = (what: string) => `${megabytes} MB: ${what}`;

    const hostMs = () => {
      const started = performance.now();
      if (String(text.match(new RegExp(PATTERN, 'g'))?.length ?? 0) !== expected) throw new Error('mismatch');
      return performance.now() - started;
    };
    const grep = createGrepTool({ timeoutMs: 600_000 });
    const hostFunctions: Record<string, HostFunction> = {
      grep: async ([parameters], options) =>
        grep.execute(parameters ?? {}, { abortSignal: options.signal, context: text, depth: 0 }),
    };
    const toolCell = `(await grep({ pattern: ${JSON.stringify(PATTERN)}, maxMatches: 1 })).totalMatches`;
    const regexCell = `String(context.match(/${PATTERN}/g)?.length ?? 0)`;
    const quickjsSession = await quickjs.createSession({ context: text, hostFunctions });
    const watch = watchHost();
    const cold = await cellMs(quickjsSession, toolCell, expected);
    const coldLag = watch.stop().worstLagMs;
    results.push(summarize(label('grep tool from QuickJS, first call (worker start, context copy)'), [cold]));

    // Paired runs (host, then tool) so that the ratio holds when the shared machine's speed drifts.
    const host: number[] = [];
    const tool: number[] = [];
    const toolOverHost: number[] = [];
    const lagsMs: number[] = [];
    hostMs();
    await cellMs(quickjsSession, toolCell, expected);
    for (let run = 0; run < runs; run++) {
      host.push(hostMs());
      const warmWatch = watchHost();
      tool.push(await cellMs(quickjsSession, toolCell, expected));
      lagsMs.push(warmWatch.stop().worstLagMs);
      toolOverHost.push(tool.at(-1)! / host.at(-1)!);
    }
    results.push(summarize(label('host V8, text.match(/…/g).length'), host));
    results.push(summarize(label('grep tool from QuickJS, warm'), tool));
    results.push(summarize(label('ratio tool / host V8 (paired runs)'), toolOverHost));
    const quickjsMs: number[] = [];
    const quickjsOverTool: number[] = [];
    await cellMs(quickjsSession, regexCell, JSON.stringify(expected));
    for (let run = 0; run < runs; run++) {
      quickjsMs.push(await cellMs(quickjsSession, regexCell, JSON.stringify(expected)));
      quickjsOverTool.push(quickjsMs.at(-1)! / (await cellMs(quickjsSession, toolCell, expected)));
    }
    results.push(summarize(label('same regex inside QuickJS'), quickjsMs));
    results.push(summarize(label('ratio QuickJS / tool (paired runs)'), quickjsOverTool));
    const lagStats = summarize('lag', lagsMs);
    lags.push(
      `${megabytes} MB: worst event-loop lag during a tool call: first call ${coldLag.toFixed(1)} ms; warm calls median ${lagStats.median.toFixed(1)} ms (max ${lagStats.max.toFixed(1)}, ${lagsMs.length} runs)`,
    );
    await quickjsSession.dispose();
    await grep.dispose();

    const isolatedSession = await isolatedVm.createSession({ context: text, hostFunctions: {} });
    results.push(
      summarize(
        label('same regex inside isolated-vm'),
        await measure(runs, 1, () => cellMs(isolatedSession, regexCell, JSON.stringify(expected))),
      ),
    );
    await isolatedSession.dispose();
    print(results.slice(printed));
  }
  await quickjs.dispose?.();
  await isolatedVm.dispose?.();
}

async function searchSection(results: Stats[], notes: string[]) {
  const { text, words } = makeBenchmarkProse(proseMb * MB);
  let tokens = 0;
  for (let i = 0, inWord = false; i < text.length; i++) {
    const space = text.charCodeAt(i) <= 32;
    if (!space && !inWord) tokens++;
    inWord = !space;
  }
  notes.push(
    `BM25 corpus: ${(text.length / MB).toFixed(1)} MB, ${(tokens / 1e6).toFixed(2)}M words (≈${(text.length / 4 / 1e6).toFixed(1)}M tokens at 4 characters a token)`,
  );
  const buildMs: number[] = [];
  const peakRss: number[] = [];
  const worstLag: number[] = [];
  let search = createSearchTool();
  for (let run = 0; run < 3; run++) {
    search = createSearchTool();
    globalThis.gc?.();
    const watch = watchHost();
    const started = performance.now();
    await search.execute({ query: 'warm up' }, { abortSignal: signal, context: text, depth: 0 });
    buildMs.push(performance.now() - started);
    const seen = watch.stop();
    peakRss.push(seen.peakRssDeltaMb);
    worstLag.push(seen.worstLagMs);
  }
  notes.push(
    `RSS after the builds, whole process (the ${proseMb} MB text and the index included): ${Math.round(process.memoryUsage().rss / 2 ** 20)} MiB`,
  );
  results.push(summarize(`BM25 index build, ${proseMb} MB (first search call)`, buildMs));
  results.push(summarize('BM25 index build: peak RSS above start, MiB', peakRss));
  results.push(summarize('BM25 index build: worst event-loop lag, ms', worstLag));
  let seed = 7;
  const pick = () => {
    seed = (seed * 48_271) % 2_147_483_647;
    return words[Math.floor(words.length * (seed / 2_147_483_647) ** 2)]!;
  };
  results.push(
    summarize(
      'BM25 query, 3 words, k = 10 (warm index)',
      await measure(200, 20, async () => {
        const started = performance.now();
        await search.execute(
          { query: `${pick()} ${pick()} ${pick()}`, k: 10 },
          { abortSignal: signal, context: text, depth: 0 },
        );
        return performance.now() - started;
      }),
    ),
  );
  print(results.slice(-4));

  // The library we measured before writing our own index (a devDependency of the benchmark only).
  const { default: MiniSearch } = await import('minisearch');
  const documents: { id: number; text: string }[] = [];
  for (let start = 0; start < text.length; start += 2_000)
    documents.push({ id: documents.length, text: text.slice(start, start + 2_000) });
  globalThis.gc?.();
  const watch = watchHost();
  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  const index = new MiniSearch({ fields: ['text'] });
  index.addAll(documents);
  const wallMs = performance.now() - started;
  const cpu = process.cpuUsage(cpuBefore);
  const seen = watch.stop();
  const queries: number[] = [];
  for (let run = 0; run < 50; run++) {
    const queryStarted = performance.now();
    index.search(`${pick()} ${pick()} ${pick()}`);
    queries.push(performance.now() - queryStarted);
  }
  notes.push(
    `minisearch 7.2.0 over the same text in ${documents.length} chunks of 2,000 characters, one run: build ${Math.round(wallMs)} ms wall, ${Math.round((cpu.user + cpu.system) / 1000)} ms CPU (addAll is synchronous: the event loop is blocked for the whole build), RSS +${Math.round(seen.peakRssDeltaMb)} MiB after; query median ${summarize('q', queries).median.toFixed(1)} ms over 50`,
  );
}

/** The rows of `stats`, as lines of the table whose head `main` printed. */
function print(stats: readonly Stats[]) {
  console.log(formatStatsTable(stats).split('\n').slice(2).join('\n'));
}

async function main() {
  const results: Stats[] = [];
  const notes: string[] = [];
  console.log(formatStatsTable([]));
  const only = process.argv[2];
  if (only !== 'search') await grepSection(results, notes);
  if (only !== 'grep') await searchSection(results, notes);
  for (const note of notes) console.log(`- ${note}`);
}

await main();
