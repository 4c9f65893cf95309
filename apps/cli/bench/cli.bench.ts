/**
 * Benchmarks of the built CLI (run `pnpm --filter @rlm/cli build` first; `pnpm --filter @rlm/cli bench`):
 *
 * 1. Start-up: from spawning `node dist/cli.mjs` to the first model request arriving at the test
 *    server (its `receivedAt`), for a one-line file and `--env quickjs`. Target < 300 ms.
 * 2. A 50 MB folder of text (500 files of 100 KB): `loadContext` alone and the QuickJS session
 *    creation with that context (the injection) in process; then the built CLI: spawn to first
 *    request (reading, checking and decoding every file; the sandbox starts alongside the first
 *    call) and spawn to exit of a one-turn run whose code sums every character in the sandbox.
 *
 * Each prints the median and the spread (min, max) of its runs.
 */
import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createQuickJSEnvironment } from '@rlm/env-quickjs';
import { startTestServer } from '@rlm/test-server';
import { loadContext } from '../src/context/load-context';
import { runBuiltCli } from '../test/run-built-cli';

const STARTUP_RUNS = Number(process.env.RLM_BENCH_STARTUP_RUNS ?? 10);
const LARGE_RUNS = Number(process.env.RLM_BENCH_LARGE_RUNS ?? 3);

function stats(samples: number[]): string {
  const sorted = [...samples].sort((a, b) => a - b);
  const middle = sorted.length / 2;
  const median =
    sorted.length % 2 ? sorted[Math.floor(middle)]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
  return `median ${median.toFixed(0)} ms (min ${sorted[0]!.toFixed(0)}, max ${sorted.at(-1)!.toFixed(0)}, n=${sorted.length})`;
}

const server = await startTestServer({
  respond: () => ({
    text: '```javascript\nFINAL(String([].concat(context).reduce((sum, part) => sum + part.length, 0)))\n```',
  }),
});
const folder = await mkdtemp(join(tmpdir(), 'rlm-cli-bench-'));
try {
  await writeFile(join(folder, 'small.txt'), 'one line of context\n');
  const args = (context: string) => [
    'How long is the context?',
    '--context',
    context,
    '--model',
    'openai:bench',
    '--base-url',
    server.openaiBaseURL,
    '--env',
    'quickjs',
    '--quiet',
  ];

  const startup: number[] = [];
  for (let run = 0; run < STARTUP_RUNS; run++) {
    server.requests.length = 0;
    const result = await runBuiltCli(args('small.txt'), { cwd: folder, env: { RLM_API_KEY: 'bench' } });
    if (result.exitCode !== 0) throw new Error(`run failed: ${result.stderr}`);
    startup.push(server.requests[0]!.receivedAt - result.spawnedAt);
  }
  const bareNode: number[] = [];
  for (let run = 0; run < STARTUP_RUNS; run++) {
    const started = performance.now();
    execFileSync(process.execPath, ['-e', '0']);
    bareNode.push(performance.now() - started);
  }
  const help: number[] = [];
  for (let run = 0; run < STARTUP_RUNS; run++) {
    const started = performance.now();
    await runBuiltCli(['--help'], { cwd: folder });
    help.push(performance.now() - started);
  }

  // 500 files of 100 KB of plain text lines: 50 MB.
  const large = join(folder, 'corpus');
  await mkdir(large);
  const line =
    'Date: Mar 01, 2024 || User: 12345 || Instance: What is the capital of the region named here?\n';
  const fileText = line.repeat(Math.ceil(100_000 / line.length)).slice(0, 100_000);
  for (let file = 0; file < 500; file++)
    await writeFile(join(large, `part-${String(file).padStart(3, '0')}.txt`), fileText);

  const loadOnly: number[] = [];
  for (let run = 0; run < LARGE_RUNS; run++) {
    const started = performance.now();
    const loaded = await loadContext(['corpus'], { cwd: folder, stdin: (async function* () {})() });
    loadOnly.push(performance.now() - started);
    if (loaded.documents.length !== 500) throw new Error('expected 500 documents');
  }
  const inject: number[] = [];
  for (let run = 0; run < LARGE_RUNS; run++) {
    const loaded = await loadContext(['corpus'], { cwd: folder, stdin: (async function* () {})() });
    const started = performance.now();
    const session = await createQuickJSEnvironment().createSession({
      context: loaded.value,
      hostFunctions: {},
    });
    inject.push(performance.now() - started);
    const check = await session.runCell('context.length');
    if (check.value !== '500') throw new Error(`expected 500 documents in the sandbox, got ${check.value}`);
    await session.dispose();
  }
  const largeStartup: number[] = [];
  const largeTotal: number[] = [];
  let answer = '';
  for (let run = 0; run < LARGE_RUNS; run++) {
    server.requests.length = 0;
    const started = performance.now();
    const result = await runBuiltCli(args('corpus'), {
      cwd: folder,
      env: { RLM_API_KEY: 'bench' },
      timeoutMs: 120_000,
    });
    largeTotal.push(performance.now() - started);
    if (result.exitCode !== 0) throw new Error(`run failed: ${result.stderr}`);
    answer = result.stdout.trim();
    largeStartup.push(server.requests[0]!.receivedAt - result.spawnedAt);
  }

  console.log(
    `node ${process.version}, ${process.platform} ${process.arch}, load average ${loadavg()
      .map((load) => load.toFixed(1))
      .join(' ')}`,
  );
  console.log(`| measurement | result |`);
  console.log(`|---|---|`);
  console.log(`| start-up to first model request, one-line file, --env quickjs | ${stats(startup)} |`);
  console.log(`| \`node -e 0\` (bare Node start-up and exit, the floor) | ${stats(bareNode)} |`);
  console.log(`| \`rlm --help\` (Node start-up and the CLI's own modules) | ${stats(help)} |`);
  console.log(`| loadContext: 50 MB folder (500 × 100 KB), in process | ${stats(loadOnly)} |`);
  console.log(
    `| QuickJS session with that context (inject 50 MB as 500 strings), in process | ${stats(inject)} |`,
  );
  console.log(
    `| 50 MB folder: spawn to first model request (read + decode; the injection overlaps the call) | ${stats(largeStartup)} |`,
  );
  console.log(
    `| 50 MB folder: whole run, spawn to exit (read, decode, inject, one turn summing every character in the sandbox) | ${stats(largeTotal)} |`,
  );
  console.log(`characters the sandbox saw in the 50 MB run: ${answer}`);
} finally {
  await server.close();
  await rm(folder, { recursive: true, force: true });
}
