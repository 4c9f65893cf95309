/**
 * What hostile cells cost the host process, per environment: the host's worst event-loop lag during a
 * flood of host calls, and the host's peak memory while a cell keeps a dozen 40 MB arguments in
 * flight. Each measurement runs in a fresh child process (so one attack's memory does not count in
 * the next) and is repeated; prints one markdown table of medians and ranges.
 *
 * Run: pnpm --filter @rlm/integration-tests bench:host-pressure
 * One environment or attack: … bench:host-pressure -- --env deno --attack flood
 */
import { execFileSync } from 'node:child_process';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import type { HostFunction, ReplEnvironment } from '@rlm/core';
import { type Stats, summarize, watchHost } from '@rlm/core/benchmark';

const ENVIRONMENTS = ['quickjs', 'isolated-vm', 'deno'] as const;
const ATTACKS = {
  /** A million host calls started without `await`, in a cell with a 10 s limit. */
  flood: {
    code: 'for (let i = 0; i < 1e6; i++) noop(i);',
    timeoutMs: 10_000,
  },
  /** Twelve host calls in flight at once, each carrying a 40 MB argument. */
  arguments: {
    code: "const s = 'x'.repeat(40_000_000); await Promise.all(Array.from({ length: 12 }, (_, i) => hold(i, s)));",
    timeoutMs: 60_000,
  },
} as const;
type EnvironmentName = (typeof ENVIRONMENTS)[number];
type AttackName = keyof typeof ATTACKS;

/** What one child process measured. */
interface Measurement {
  readonly worstLagMs: number;
  readonly peakRssDeltaMb: number;
  readonly peakHeapDeltaMb: number;
  readonly cellMs: number;
  readonly outcome: string;
  readonly hostCalls: number;
}

async function createEnvironment(name: EnvironmentName): Promise<ReplEnvironment> {
  if (name === 'quickjs') return (await import('@rlm/env-quickjs')).createQuickJSEnvironment();
  if (name === 'isolated-vm') return (await import('@rlm/env-isolated-vm')).createIsolatedVMEnvironment();
  return (await import('@rlm/env-deno')).createDenoEnvironment({ keepSpareProcess: false });
}

/** In the child: runs one attack and prints its {@link Measurement} as JSON. */
async function measure(environmentName: EnvironmentName, attackName: AttackName): Promise<void> {
  const attack = ATTACKS[attackName];
  let hostCalls = 0;
  const hostFunctions: Record<string, HostFunction> = {
    noop: async () => {
      hostCalls++;
      return null;
    },
    hold: async (args) => {
      hostCalls++;
      await new Promise((resolve) => setTimeout(resolve, 300));
      return String(args[0]);
    },
  };
  const environment = await createEnvironment(environmentName);
  const session = await environment.createSession({ context: 'pressure', hostFunctions });
  await session.runCell('1 + 1');
  globalThis.gc?.();
  const watch = watchHost();
  const started = performance.now();
  const result = await session.runCell(attack.code, { timeoutMs: attack.timeoutMs });
  const cellMs = performance.now() - started;
  const watched = watch.stop();
  const measurement: Measurement = {
    ...watched,
    cellMs,
    outcome: result.error ? `${result.error.kind}${result.stateLost ? '+restart' : ''}` : 'ok',
    hostCalls,
  };
  console.log(JSON.stringify(measurement));
  await session.dispose();
  // Let the sandbox finish tearing down (exiting under isolated-vm's disposal of an isolate can crash).
  setTimeout(() => process.exit(0), 2_000).unref();
}

function argument(name: string): string | undefined {
  const index = process.argv.indexOf(`--${name}`);
  return index === -1 ? undefined : process.argv[index + 1];
}

const format = (summary: Stats, digits = 0) =>
  `${summary.median.toFixed(digits)} (${summary.min.toFixed(digits)}–${summary.max.toFixed(digits)})`;

async function main(): Promise<void> {
  const child = argument('child');
  if (child) {
    await measure(child as EnvironmentName, argument('attack') as AttackName);
    return;
  }
  const repeats = Number(process.env.BENCH_REPEATS ?? 3);
  const environments = argument('env') ? [argument('env') as EnvironmentName] : ENVIRONMENTS;
  const attacks = argument('attack')
    ? [argument('attack') as AttackName]
    : (Object.keys(ATTACKS) as AttackName[]);
  const self = fileURLToPath(import.meta.url);
  console.log(
    `Host pressure, ${repeats} fresh processes each; ${os.cpus()[0]?.model}, load ${os.loadavg()[0]?.toFixed(1)}`,
  );
  console.log(
    '| environment | attack | worst event-loop lag ms | peak RSS +MB | peak heap+external +MB | cell ms | outcome | host calls |',
  );
  console.log('|---|---|---|---|---|---|---|---|');
  for (const environment of environments) {
    for (const attack of attacks) {
      const samples: Measurement[] = [];
      for (let run = 0; run < repeats; run++) {
        const output = execFileSync(
          process.execPath,
          [
            '--no-node-snapshot',
            '--expose-gc',
            '--import',
            'tsx',
            self,
            '--child',
            environment,
            '--attack',
            attack,
          ],
          { encoding: 'utf8', maxBuffer: 1 << 20, timeout: 180_000 },
        );
        samples.push(JSON.parse(output.trim().split('\n').at(-1) ?? '{}') as Measurement);
      }
      const of = (key: 'worstLagMs' | 'peakRssDeltaMb' | 'peakHeapDeltaMb' | 'cellMs' | 'hostCalls') =>
        summarize(
          key,
          samples.map((sample) => sample[key]),
        );
      const outcomes = [...new Set(samples.map((sample) => sample.outcome))].join(', ');
      console.log(
        `| ${environment} | ${attack} | ${format(of('worstLagMs'))} | ${format(of('peakRssDeltaMb'))} | ${format(of('peakHeapDeltaMb'))} | ${format(of('cellMs'))} | ${outcomes} | ${format(of('hostCalls'))} |`,
      );
    }
  }
}

await main();
