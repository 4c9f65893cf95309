import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { HOSTILE_ATTACKS } from './hostile-attacks';

/**
 * Every attack that once crashed, escaped or swamped the host, as a model would write it, through
 * `createRLM` in each environment — in a child process, so that a crash is seen as one (exit code and
 * output) instead of taking the test runner with it. Each hostile run must end with the answer or a
 * clear `SandboxError`, and an innocent run right after it, in the same process, must answer.
 */
const CHILD = fileURLToPath(new URL('./hostile-runs-child.ts', import.meta.url));
const ENVIRONMENTS = ['quickjs', 'isolated-vm', 'deno'] as const;

interface Outcome {
  readonly attack: string;
  readonly hostile: { readonly answer?: string; readonly error?: string; readonly ms: number };
  readonly innocent: { readonly answer?: string; readonly error?: string; readonly ms: number };
}

describe.each(ENVIRONMENTS)('hostile runs through createRLM, %s', (environment) => {
  it(`survives every attack (${Object.keys(HOSTILE_ATTACKS).join(', ')}) and answers the next run`, () => {
    const attacks = Object.keys(HOSTILE_ATTACKS);
    const child = spawnSync(
      process.execPath,
      ['--no-node-snapshot', '--import', 'tsx', CHILD, environment, ...attacks],
      { encoding: 'utf8', timeout: 400_000, maxBuffer: 16 * 1024 * 1024 },
    );
    const lines = child.stdout.split('\n').filter((line) => line.startsWith('{'));
    const outcomes = lines.map((line) => JSON.parse(line) as Outcome);
    const report = `exit ${child.status} signal ${child.signal}\n${child.stdout}\n${child.stderr.slice(-4000)}`;
    expect(child.status, `the host process did not end cleanly:\n${report}`).toBe(0);
    expect(
      outcomes.map((outcome) => outcome.attack),
      report,
    ).toEqual(attacks);
    for (const { attack, hostile, innocent } of outcomes) {
      if (hostile.error !== undefined) {
        expect(hostile.error, `${attack}: the run failed without a SandboxError`).toMatch(/^SandboxError: /);
      } else {
        expect(hostile.answer, `${attack}: the run made up an answer`).toBe('survived');
      }
      expect(innocent, `${attack}: the next run in the same process failed`).toMatchObject({
        answer: 'innocent 11',
      });
    }
  }, 420_000);
});
