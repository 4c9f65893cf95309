import { describe, expect, it } from 'vitest';
import type { ReplEnvironment } from '../environment/repl-environment';
import { InvalidArgumentError } from '../errors/invalid-argument-error';

/** The options every environment of ours takes besides its own, with the same names and meaning. */
export interface CommonEnvironmentOptions {
  /** Wall-clock limit of a cell given no `timeoutMs`, in milliseconds (an integer of at least 1). */
  readonly defaultTimeoutMs?: number;
  /** Characters of output a cell given no `maxOutputChars` keeps (an integer of at least 0). */
  readonly defaultMaxOutputChars?: number;
}

/** What the common-option checks need of `testEnvironment`'s setup. */
export interface CommonOptionsConformanceSetup {
  /** Builds the environment with these options (and whatever else the test file's factory sets). */
  readonly configure: (options: CommonEnvironmentOptions) => ReplEnvironment | Promise<ReplEnvironment>;
  /** The environment can stop synchronous code (else the busy-loop check is left out). */
  readonly interruptsSynchronousCode: boolean;
}

/** Calls `configure`, and returns what it threw or rejected with (`undefined` when it built one). */
async function failureOf(
  setup: CommonOptionsConformanceSetup,
  options: CommonEnvironmentOptions,
): Promise<unknown> {
  try {
    const environment = await setup.configure(options);
    await environment.dispose?.();
    return undefined;
  } catch (error) {
    return error;
  }
}

/**
 * Checks the options every environment shares (`defaultTimeoutMs`, `defaultMaxOutputChars`): a cell
 * given no limit of its own gets them, and a value that is not a valid integer is refused when the
 * environment is built, with an `InvalidArgumentError` that names the option.
 */
export function describeCommonOptionsConformance(setup: CommonOptionsConformanceSetup): void {
  const { configure } = setup;

  async function openWith(options: CommonEnvironmentOptions) {
    const environment = await configure(options);
    const session = await environment.createSession({
      context: 'x',
      hostFunctions: { never: () => new Promise(() => {}) },
    });
    return {
      session,
      async close() {
        await session.dispose();
        await environment.dispose?.();
      },
    };
  }

  describe('common options', () => {
    it('gives a cell with no timeoutMs of its own the environment’s defaultTimeoutMs', async () => {
      const { session, close } = await openWith({ defaultTimeoutMs: 200 });
      try {
        const started = performance.now();
        expect((await session.runCell("await never('x')")).error?.kind).toBe('timeout');
        expect(performance.now() - started).toBeLessThan(10_000);
        if (setup.interruptsSynchronousCode) {
          expect((await session.runCell('while (true) {}')).error?.kind).toBe('timeout');
        }
      } finally {
        await close();
      }
    });

    it('keeps defaultMaxOutputChars of the output of a cell with no maxOutputChars of its own', async () => {
      const { session, close } = await openWith({ defaultMaxOutputChars: 100 });
      try {
        const result = await session.runCell("console.log('y'.repeat(999))");
        expect(result.error).toBeUndefined();
        expect(result.stdout).toBe('y'.repeat(100));
        expect(result.droppedOutputChars).toBe(900);
      } finally {
        await close();
      }
    });

    it('refuses a defaultTimeoutMs or defaultMaxOutputChars that is not a valid integer, naming it', async () => {
      const refusals: [CommonEnvironmentOptions, RegExp][] = [
        [{ defaultTimeoutMs: 0 }, /defaultTimeoutMs/],
        [{ defaultTimeoutMs: -1 }, /defaultTimeoutMs/],
        [{ defaultTimeoutMs: 1.5 }, /defaultTimeoutMs/],
        [{ defaultTimeoutMs: Number.NaN }, /defaultTimeoutMs/],
        [{ defaultMaxOutputChars: -1 }, /defaultMaxOutputChars/],
        [{ defaultMaxOutputChars: 0.5 }, /defaultMaxOutputChars/],
      ];
      for (const [options, named] of refusals) {
        const error = await failureOf(setup, options);
        expect(InvalidArgumentError.isInstance(error), `${JSON.stringify(options)} must be refused`).toBe(
          true,
        );
        expect((error as Error).message).toMatch(named);
      }
    });
  });
}
