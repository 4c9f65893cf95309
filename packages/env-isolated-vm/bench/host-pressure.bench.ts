/**
 * What hostile cells cost the host process under isolated-vm, each measured in a fresh child process
 * (`node --no-node-snapshot --expose-gc`), repeated, and printed as medians with their spread:
 *
 * - `flood`: `for (let i = 0; i < 1e6; i++) noop(i)` (host calls never awaited), 10 s limit: the host's
 *   worst event-loop lag (a 1 ms ticker's longest gap, less the tick) and the host calls it ran;
 * - `arguments`: twelve host calls in flight at once, each with a 40 MB argument, memoryLimitMb 1024:
 *   the host's peak heap + external memory, and RSS, above what they were before the cell;
 * - `catastrophe`: `new Array(2 ** 32 - 1).fill(0)` in a session, three times (each is a catastrophic
 *   error): how long each such cell takes, and the host's RSS after each, above the start.
 *
 * Run: pnpm --filter @rlm/env-isolated-vm bench:host-pressure [-- --attack flood] [-- --entry <index.ts>]
 * (`--entry` measures another copy of the package, e.g. an older one; BENCH_REPEATS sets the runs,
 * BENCH_HOLD_MS how long each `hold` call lasts.)
 */
import { execFileSync } from 'node:child_process';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import type { ReplEnvironment } from '@rlm/core';
import { countingHostFunctions, summarize, watchHost } from '@rlm/core/benchmark';

const ATTACKS = ['flood', 'arguments', 'catastrophe'] as const;
type AttackName = (typeof ATTACKS)[number];

type Measurement = Record<string, number | string>;

/** How long `hold` keeps each call (BENCH_HOLD_MS; default 300 ms). */
const HOLD_MS = Number(process.env.BENCH_HOLD_MS ?? 300);

async function environmentFrom(entry: string, options: Record<string, unknown>): Promise<ReplEnvironment> {
  const module = (await import(entry)) as {
    createIsolatedVMEnvironment: (options: Record<string, unknown>) => ReplEnvironment;
  };
  return module.createIsolatedVMEnvironment(options);
}

async function measure(entry: string, attack: AttackName): Promise<Measurement> {
  const { hostFunctions, calls } = countingHostFunctions(HOLD_MS);
  if (attack === 'catastrophe') {
    const environment = await environmentFrom(entry, {
      memoryLimitMb: 64,
      maxCatastrophicRestarts: 10,
      maxCatastrophicErrorsPerProcess: 10,
    });
    const session = await environment.createSession({ context: 'pressure', hostFunctions });
    globalThis.gc?.();
    const startRss = process.memoryUsage().rss;
    const result: Measurement = {};
    for (let round = 1; round <= 3; round++) {
      const started = performance.now();
      const outcome = await session.runCell('new Array(2 ** 32 - 1).fill(0).length', { timeoutMs: 10_000 });
      result[`cell${round}Ms`] = performance.now() - started;
      globalThis.gc?.();
      result[`rss${round}DeltaMb`] = (process.memoryUsage().rss - startRss) / 2 ** 20;
      result[`outcome${round}`] = outcome.error
        ? `${outcome.error.kind}${outcome.stateLost ? '+restart' : ''}`
        : 'ok';
    }
    return result;
  }
  const environment = await environmentFrom(entry, { memoryLimitMb: attack === 'arguments' ? 1024 : 512 });
  const session = await environment.createSession({ context: 'pressure', hostFunctions });
  await session.runCell('1 + 1');
  globalThis.gc?.();
  const code =
    attack === 'flood'
      ? 'for (let i = 0; i < 1e6; i++) noop(i);'
      : "const s = 'x'.repeat(40_000_000); await Promise.all(Array.from({ length: 12 }, (_, i) => hold(i, s)));";
  const watch = watchHost();
  const started = performance.now();
  const outcome = await session.runCell(code, { timeoutMs: attack === 'flood' ? 10_000 : 60_000 });
  const cellMs = performance.now() - started;
  return {
    ...watch.stop(),
    cellMs,
    hostCalls: calls(),
    outcome: outcome.error ? `${outcome.error.kind}${outcome.stateLost ? '+restart' : ''}` : 'ok',
  };
}

function argument(name: string): string | undefined {
  const index = process.argv.indexOf(`--${name}`);
  return index === -1 ? undefined : process.argv[index + 1];
}

async function main(): Promise<void> {
  const entry = argument('entry') ?? fileURLToPath(new URL('../src/index.ts', import.meta.url));
  const child = argument('child') as AttackName | undefined;
  if (child) {
    console.log(`MEASUREMENT ${JSON.stringify(await measure(entry, child))}`);
    // After a catastrophic error the process cannot exit normally (see src/catastrophes.ts).
    process.exit(0);
  }
  const repeats = Number(process.env.BENCH_REPEATS ?? 3);
  const attacks = argument('attack') ? [argument('attack') as AttackName] : ATTACKS;
  const self = fileURLToPath(import.meta.url);
  console.log(
    `isolated-vm host pressure: ${entry}; ${repeats} fresh processes each; ${os.cpus()[0]?.model} x${os.cpus().length}, load ${os.loadavg()[0]?.toFixed(1)}`,
  );
  // The parent's --conditions too, so the child loads the same @rlm/core (source, not a stale dist).
  const conditions = process.execArgv.filter((flag) => flag.startsWith('--conditions'));
  const childFlags = [...conditions, '--no-node-snapshot', '--expose-gc', '--import', 'tsx'];
  for (const attack of attacks) {
    const samples: Measurement[] = [];
    for (let run = 0; run < repeats; run++) {
      let output = '';
      try {
        output = execFileSync(process.execPath, [...childFlags, self, '--child', attack, '--entry', entry], {
          encoding: 'utf8',
          maxBuffer: 1 << 24,
          timeout: 180_000,
          stdio: ['ignore', 'pipe', 'ignore'],
        });
      } catch (error) {
        // A process that cannot exit after a catastrophic error is killed by the timeout; what it
        // printed before still counts.
        output = String((error as { stdout?: string }).stdout ?? '');
        if (!output.includes('MEASUREMENT '))
          output = `MEASUREMENT ${JSON.stringify({ outcome: 'the child failed or hung' })}`;
      }
      const line =
        output.split('\n').find((candidate) => candidate.startsWith('MEASUREMENT ')) ?? 'MEASUREMENT {}';
      samples.push(JSON.parse(line.slice('MEASUREMENT '.length)) as Measurement);
    }
    console.log(`\n${attack}`);
    const keys = [...new Set(samples.flatMap((sample) => Object.keys(sample)))];
    for (const key of keys) {
      const values = samples.map((sample) => sample[key]);
      if (values.every((value) => typeof value === 'number')) {
        const summary = summarize(key, values as number[]);
        console.log(
          `  ${key}: median ${summary.median.toFixed(1)} (${summary.min.toFixed(1)}–${summary.max.toFixed(1)})`,
        );
      } else {
        console.log(`  ${key}: ${[...new Set(values.map(String))].join(', ')}`);
      }
    }
  }
}

await main();
