import type { RunSession } from './run-session';

/**
 * The signal of a run's first model call. The root's first call is abandoned as soon as its sandbox
 * fails to start (a context that does not fit, say), and a sandbox that refuses at once does so
 * before that call is even sent: nobody pays for a turn whose code could never run.
 */
export class FirstCallGuard {
  private readonly controller = new AbortController();
  private sessionFailure: { readonly error: unknown } | undefined;
  private readonly onRunAbort = () => this.controller.abort(this.runSignal.reason);

  private constructor(private readonly runSignal: AbortSignal) {}

  /**
   * For the root (`startSessionAhead`), starts the sandbox now and gives it one macrotask to refuse;
   * a refusal then throws here, before any call. A child's guard only follows the run's signal.
   */
  static async start(
    session: RunSession,
    runSignal: AbortSignal,
    startSessionAhead: boolean,
  ): Promise<FirstCallGuard> {
    const guard = new FirstCallGuard(runSignal);
    if (startSessionAhead) {
      session.start().catch((error: unknown) => {
        guard.sessionFailure = { error };
        guard.controller.abort(error);
      });
      await new Promise<void>((resolve) => setImmediate(resolve));
      if (guard.sessionFailure) throw guard.sessionFailure.error;
    }
    if (runSignal.aborted) guard.onRunAbort();
    else runSignal.addEventListener('abort', guard.onRunAbort, { once: true });
    return guard;
  }

  /** Aborted by the run's signal, or by the sandbox's failure to start. */
  get signal(): AbortSignal {
    return this.controller.signal;
  }

  /** What a failed root-model call reports: the sandbox's failure to start, if there was one. */
  reasonFor(error: unknown): unknown {
    return this.sessionFailure ? this.sessionFailure.error : error;
  }

  /** The first call is over: stop following the run's signal. */
  release(): void {
    this.runSignal.removeEventListener('abort', this.onRunAbort);
  }
}
