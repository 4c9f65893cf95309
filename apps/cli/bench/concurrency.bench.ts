/**
 * Adaptive concurrency through the built CLI (`pnpm --filter @rlm/cli build` first;
 * `pnpm --filter @rlm/cli bench:concurrency`): a scripted root model on `@rlm/test-server` makes 300
 * sub-calls over 3 root turns (100 with `llm_query_batched` per turn, FINAL in the third), every
 * answer after 100 ms. Wall time from spawn to exit of `node dist/cli.mjs`, for:
 *
 * - (a) no server limit: the default (adaptive, 16 → 64) against `--concurrency 16` (the fixed cap
 *   of before). Target: default <= 1.4 s. The default runs twice per round: as it runs by default
 *   (the runs before it, on the same server, left the window they reached: it starts there) and as a
 *   first run would (`--no-concurrency-memory`: from 16).
 * - (b) the server answers 429 with `Retry-After` (RLM_BENCH_RETRY_AFTER_MS, default 100 ms) above 24
 *   requests at once: the default against `--concurrency 24` on a server without a limit (the ideal
 *   at 24 in flight). Targets: no failed sub-call, and <= 1.3x the ideal.
 *
 * Modes run in turn (each mode once, then again) so that drift in the machine's speed hits them alike;
 * each prints the median with min and max over RLM_BENCH_RUNS runs (default 7), the load average
 * before and after, the server's peak of requests at once and its 429s.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { type RecordedRequest, startTestServer, type TestServer } from '@rlm/test-server';
import { runBuiltCli } from '../test/run-built-cli';

const RUNS = Number(process.env.RLM_BENCH_RUNS ?? 7);
const LATENCY_MS = 100;
const TURNS = 3;
const PER_TURN = 100;
const SERVER_LIMIT = 24;
const RETRY_AFTER_MS = Number(process.env.RLM_BENCH_RETRY_AFTER_MS ?? 100);

/** The root writes one batch of 100 sub-calls per turn and answers in the third; sub-calls answer 'ok'. */
function respond(request: RecordedRequest) {
  if (request.messages[0]?.role !== 'system') return { text: 'ok' };
  const turn = request.messages.filter((message) => message.role === 'assistant').length + 1;
  const batch = `const answers = await llm_query_batched(Array.from({ length: ${PER_TURN} }, (_, i) => "item ${turn}." + i));\nglobalThis.failed = (globalThis.failed ?? 0) + answers.filter((a) => a.startsWith("Error")).length;\nconsole.log(answers.length);`;
  const final = turn >= TURNS ? '\nFINAL(String(globalThis.failed));' : '';
  return { text: `\`\`\`javascript\n${batch}${final}\n\`\`\`` };
}

interface Sample {
  readonly ms: number;
  readonly failedSubCalls: number;
  readonly peak: number;
  readonly rejected: number;
}

function stats(samples: readonly number[]): string {
  const sorted = [...samples].sort((a, b) => a - b);
  const middle = sorted.length / 2;
  const median =
    sorted.length % 2 ? sorted[Math.floor(middle)]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
  return `median ${median.toFixed(0)} ms (min ${sorted[0]!.toFixed(0)}, max ${sorted.at(-1)!.toFixed(0)}, n=${sorted.length})`;
}

function median(samples: readonly number[]): number {
  const sorted = [...samples].sort((a, b) => a - b);
  const middle = sorted.length / 2;
  return sorted.length % 2 ? sorted[Math.floor(middle)]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

const folder = await mkdtemp(join(tmpdir(), 'rlm-concurrency-bench-'));
// One server per mode, so that each mode's peak of requests at once is its own.
const [free, freeFixed, limited, freeIdeal] = (await Promise.all([
  startTestServer({ respond, latencyMs: LATENCY_MS }),
  startTestServer({ respond, latencyMs: LATENCY_MS }),
  startTestServer({
    respond,
    latencyMs: LATENCY_MS,
    concurrencyLimit: { max: SERVER_LIMIT, retryAfterMs: RETRY_AFTER_MS },
  }),
  startTestServer({ respond, latencyMs: LATENCY_MS }),
])) as [TestServer, TestServer, TestServer, TestServer];

async function run(server: TestServer, extra: readonly string[]): Promise<Sample> {
  const before = server.concurrency();
  const started = performance.now();
  const result = await runBuiltCli(
    [
      'Count the failed sub-calls.',
      '--context',
      'context.txt',
      '--model',
      'openai:bench',
      '--base-url',
      server.openaiBaseURL,
      '--env',
      'quickjs',
      '--tools',
      'none',
      '--json',
      ...extra,
    ],
    { cwd: folder, env: { RLM_API_KEY: 'bench' }, timeoutMs: 120_000 },
  );
  const ms = performance.now() - started;
  if (result.exitCode !== 0) throw new Error(`run failed (${result.exitCode}): ${result.stderr}`);
  const json = JSON.parse(result.stdout) as { answer: string; failedSubCalls?: { failed: number } };
  const after = server.concurrency();
  return {
    ms,
    failedSubCalls: json.failedSubCalls?.failed ?? Number(json.answer),
    peak: after.peak,
    rejected: after.rejected - before.rejected,
  };
}

try {
  await writeFile(join(folder, 'context.txt'), 'one line of context\n');
  const modes = {
    'a: default (adaptive, starts at the window the previous run reached), no server limit': () =>
      run(free, []),
    'a: default as a first run (--no-concurrency-memory: adaptive 16 → 64), no server limit': () =>
      run(free, ['--no-concurrency-memory']),
    'a: --concurrency 16 (the fixed cap of before), no server limit': () =>
      run(freeFixed, ['--concurrency', '16']),
    [`b: default, server limit ${SERVER_LIMIT} (429, Retry-After ${RETRY_AFTER_MS} ms)`]: () =>
      run(limited, []),
    [`b: --concurrency ${SERVER_LIMIT}, no server limit (the ideal at ${SERVER_LIMIT})`]: () =>
      run(freeIdeal, ['--concurrency', String(SERVER_LIMIT)]),
  } as const;
  const samples = new Map<string, Sample[]>(Object.keys(modes).map((name) => [name, []]));
  const loadBefore = loadavg();
  await run(free, []); // warm-up: the file cache and the JIT of the first spawn
  for (let round = 0; round < RUNS; round++) {
    for (const [name, measure] of Object.entries(modes)) samples.get(name)!.push(await measure());
  }
  const loadAfter = loadavg();
  const format = (load: number[]) => load.map((value) => value.toFixed(1)).join(' ');
  console.log(
    `node ${process.version}, ${process.platform} ${process.arch}; load average before ${format(loadBefore)}, after ${format(loadAfter)}`,
  );
  console.log(
    `${TURNS} root turns × ${PER_TURN} sub-calls, ${LATENCY_MS} ms a call (root calls too), spawn to exit`,
  );
  console.log('| mode | wall time | failed sub-calls | server peak at once | 429s per run |');
  console.log('|---|---|---|---|---|');
  for (const [name, list] of samples) {
    console.log(
      `| ${name} | ${stats(list.map((sample) => sample.ms))} | ${Math.max(...list.map((sample) => sample.failedSubCalls))} max | ${Math.max(...list.map((sample) => sample.peak))} | ${median(list.map((sample) => sample.rejected))} median |`,
    );
  }
  const [adaptive, firstRun, , limitedRuns, ideal] = [...samples.values()];
  const ratios = limitedRuns!.map((sample, index) => sample.ms / ideal![index]!.ms);
  console.log(
    `(b) default under the limit / ideal at ${SERVER_LIMIT}, pair by pair: median ${median(ratios).toFixed(2)} (min ${Math.min(...ratios).toFixed(2)}, max ${Math.max(...ratios).toFixed(2)})`,
  );
  console.log(
    `(a) default: median ${median(adaptive!.map((sample) => sample.ms)).toFixed(0)} ms; as a first run: median ${median(firstRun!.map((sample) => sample.ms)).toFixed(0)} ms (target <= 1400)`,
  );
} finally {
  await Promise.all([free, freeFixed, limited, freeIdeal].map((server) => server.close()));
  await rm(folder, { recursive: true, force: true });
}
