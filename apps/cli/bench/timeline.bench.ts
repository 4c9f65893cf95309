/**
 * Where a run's wall time goes, and paired comparisons of builds: the workload of
 * concurrency.bench.ts (3 root turns × 100 sub-calls, 100 ms a call, through the built CLI against
 * `@rlm/test-server`), timed at each step the server sees. Per build it prints the median time from
 * spawn to: each root request's arrival (R1, R2, R3), the first sub-call of the turn after it (s1,
 * s2, s3), and the process's exit. With two builds it also prints the ratio of their wall times,
 * pair by pair (the builds run in turn, so drift in the machine's speed hits both alike; on a shared
 * 2-core VM it drifts by more than most changes gain within minutes).
 *
 *   pnpm --filter @rlm/cli build && pnpm --filter @rlm/cli bench:timeline
 *   cp -r apps/cli/dist /tmp/before   # ...change, rebuild, then:
 *   RLM_TIMELINE_CLIS=/tmp/before/cli.mjs,apps/cli/dist/cli.mjs pnpm --filter @rlm/cli bench:timeline
 *
 * RLM_BENCH_RUNS runs per build (default 10); RLM_TIMELINE_ARGS, the CLI's extra arguments (default
 * `--no-concurrency-memory`: a first run, its window starting at 16); RLM_TIMELINE_ENV, the sandbox
 * (default quickjs); RLM_TIMELINE_NODE_FLAGS, Node flags for every run (e.g. `--cpu-prof
 * --cpu-prof-dir=/tmp/prof` to profile).
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { type RecordedRequest, startTestServer } from '@rlm/test-server';
import { BUILT_CLI } from '../test/run-built-cli';

const RUNS = Number(process.env.RLM_BENCH_RUNS ?? 10);
const TURNS = 3;
const PER_TURN = 100;
const builds = (process.env.RLM_TIMELINE_CLIS ?? BUILT_CLI).split(',').map((path) => resolve(path));
const extraArgs = (process.env.RLM_TIMELINE_ARGS ?? '--no-concurrency-memory').split(' ').filter(Boolean);
const nodeFlags = (process.env.RLM_TIMELINE_NODE_FLAGS ?? '').split(' ').filter(Boolean);
const environment = process.env.RLM_TIMELINE_ENV ?? 'quickjs';

/** What the server saw of one run, in ms since spawn. */
interface Arrival {
  readonly ms: number;
  readonly root: boolean;
}
let spawnedAt = 0;
let arrivals: Arrival[] = [];

function respond(request: RecordedRequest) {
  const root = request.messages[0]?.role === 'system';
  arrivals.push({ ms: performance.now() - spawnedAt, root });
  if (!root) return { text: 'ok' };
  const turn = request.messages.filter((message) => message.role === 'assistant').length + 1;
  const batch = `const answers = await llm_query_batched(Array.from({ length: ${PER_TURN} }, (_, i) => "item ${turn}." + i));\nconsole.log(answers.length);`;
  return { text: `\`\`\`javascript\n${batch}${turn >= TURNS ? '\nFINAL("done");' : ''}\n\`\`\`` };
}

function runOnce(cli: string, baseURL: string, cwd: string): Promise<number> {
  return new Promise((done, fail) => {
    arrivals = [];
    spawnedAt = performance.now();
    const child = spawn(
      process.execPath,
      [
        ...nodeFlags,
        cli,
        'q',
        '--context',
        'context.txt',
        '--model',
        'openai:bench',
        '--base-url',
        baseURL,
        '--env',
        environment,
        '--tools',
        'none',
        '--json',
        ...extraArgs,
      ],
      {
        cwd,
        env: { PATH: process.env.PATH ?? '', HOME: cwd, RLM_API_KEY: 'bench' },
        stdio: ['ignore', 'ignore', 'pipe'],
      },
    );
    let stderr = '';
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
    });
    child.on('error', fail);
    child.on('close', (code) => {
      const ms = performance.now() - spawnedAt;
      if (code !== 0) fail(new Error(`${cli} exited ${code}: ${stderr}`));
      else done(ms);
    });
  });
}

/** R1 s1 R2 s2 R3 s3 exit, in ms since spawn. */
function steps(exitMs: number): number[] {
  const times: number[] = [];
  for (const [index, arrival] of arrivals.entries()) {
    if (!arrival.root) continue;
    const firstSubCall = arrivals.slice(index + 1).find((next) => !next.root);
    times.push(arrival.ms, firstSubCall?.ms ?? Number.NaN);
  }
  times.push(exitMs);
  return times;
}

const median = (values: readonly number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length / 2;
  return sorted.length % 2 ? sorted[Math.floor(middle)]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
};

const folder = await mkdtemp(join(tmpdir(), 'rlm-timeline-bench-'));
const server = await startTestServer({ respond, latencyMs: 100 });
try {
  await writeFile(join(folder, 'context.txt'), 'one line of context\n');
  const results = new Map(builds.map((build) => [build, [] as number[][]]));
  for (const build of builds) await runOnce(build, server.openaiBaseURL, folder); // warm-up
  for (let round = 0; round < RUNS; round++) {
    for (const build of builds) {
      const exitMs = await runOnce(build, server.openaiBaseURL, folder);
      results.get(build)!.push(steps(exitMs));
    }
  }
  console.log(
    `${TURNS} root turns × ${PER_TURN} sub-calls, 100 ms a call, --env ${environment}; args: ${extraArgs.join(' ') || '(none)'}; n=${RUNS} per build`,
  );
  console.log('| build | R1 | s1 | R2 | s2 | R3 | s3 | exit (min–max) |');
  console.log('|---|---|---|---|---|---|---|---|');
  for (const [build, runs] of results) {
    const columns = runs[0]!.map((_, column) => median(runs.map((run) => run[column]!)).toFixed(0));
    const exits = runs.map((run) => run.at(-1)!);
    columns[columns.length - 1] += ` (${Math.min(...exits).toFixed(0)}–${Math.max(...exits).toFixed(0)})`;
    console.log(`| ${build} | ${columns.join(' | ')} |`);
  }
  if (builds.length === 2) {
    const [before, after] = [...results.values()] as [number[][], number[][]];
    const ratios = after.map((run, index) => run.at(-1)! / before[index]!.at(-1)!);
    console.log(
      `wall time, second build / first, pair by pair: median ${median(ratios).toFixed(3)} (min ${Math.min(...ratios).toFixed(3)}, max ${Math.max(...ratios).toFixed(3)})`,
    );
  }
} finally {
  await server.close();
  await rm(folder, { recursive: true, force: true });
}
