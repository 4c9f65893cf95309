import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** The built command, as the `rlm-bench` bin runs it. */
export const BUILT_BENCH = fileURLToPath(new URL('../dist/rlm-bench.mjs', import.meta.url));

export interface BenchRun {
  readonly exitCode: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Runs `node dist/rlm-bench.mjs ...args` with only PATH and HOME (plus `env`), so that a
 * developer's keys never reach a test.
 */
export function runBuiltBench(
  args: readonly string[],
  options: {
    readonly cwd: string;
    readonly env?: Readonly<Record<string, string>>;
    readonly timeoutMs?: number;
  },
): Promise<BenchRun> {
  if (!existsSync(BUILT_BENCH)) {
    throw new Error(
      `${BUILT_BENCH} is missing: run \`pnpm --filter @rlm/bench build\` (turbo runs it before the tests).`,
    );
  }
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BUILT_BENCH, ...args], {
      cwd: options.cwd,
      env: { PATH: process.env.PATH ?? '', HOME: options.cwd, ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 120_000);
    child.on('error', reject);
    child.on('close', (exitCode) => {
      clearTimeout(timer);
      resolve({ exitCode, stdout, stderr });
    });
  });
}
