import { describe, expect, it } from 'vitest';
import type { CellResult, ReplEnvironment } from '../environment/repl-environment';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A cell that never ran because its session was disposed: a rejection that says so, or an `aborted` result. */
async function expectRefusedOrAborted(cell: Promise<CellResult>): Promise<void> {
  const outcome = await cell.then(
    (result) => result,
    (error: unknown) => error,
  );
  if (outcome instanceof Error) expect(outcome.message).toMatch(/dispose/i);
  else expect((outcome as CellResult).error?.kind).toBe('aborted');
}

/**
 * Checks the session's own signal (`ReplSessionOptions.signal`): aborting it disposes the session,
 * fails the running cell and refuses the ones after; a signal already aborted starts no session.
 */
export function describeSessionSignalConformance(
  factory: () => ReplEnvironment | Promise<ReplEnvironment>,
): void {
  describe("the session's signal", () => {
    it("disposes the session when the session's signal aborts, failing the running cell and those queued", async () => {
      const environment = await factory();
      const controller = new AbortController();
      let started = false;
      const session = await environment.createSession({
        context: 'x',
        hostFunctions: {
          never: () => {
            started = true;
            return new Promise(() => {});
          },
        },
        signal: controller.signal,
      });
      try {
        const running = session.runCell("await never('x')", { timeoutMs: 30_000 });
        const queued = session.runCell("'queued'");
        while (!started) await sleep(10);
        controller.abort();
        expect((await running).error?.kind).toBe('aborted');
        await expectRefusedOrAborted(queued);
        await expect(session.runCell('1')).rejects.toThrow(/dispose/i);
      } finally {
        await session.dispose();
        await environment.dispose?.();
      }
    });

    it("disposes an idle session when the session's signal aborts", async () => {
      const environment = await factory();
      const controller = new AbortController();
      const session = await environment.createSession({
        context: 'x',
        hostFunctions: {},
        signal: controller.signal,
      });
      try {
        expect((await session.runCell('context')).value).toBe('"x"');
        controller.abort();
        await sleep(50);
        await expect(session.runCell('1')).rejects.toThrow(/dispose/i);
      } finally {
        await session.dispose();
        await environment.dispose?.();
      }
    });

    it('starts no session when its signal was already aborted, saying why', async () => {
      const environment = await factory();
      const controller = new AbortController();
      controller.abort();
      const creating = Promise.resolve().then(() =>
        environment.createSession({ context: 'x', hostFunctions: {}, signal: controller.signal }),
      );
      await expect(creating).rejects.toThrow(/abort/i);
      await environment.dispose?.();
    });
  });
}
