/** What {@link SpareProcess} needs of a child process. */
export interface SpareableProcess {
  /** The process has exited or was killed: it can run nothing more. */
  readonly isGone: boolean;
  /** Whether the process keeps the host's event loop alive; a waiting spare must not. */
  keepHostAlive(keep: boolean): void;
  dispose(): Promise<void>;
}

/**
 * The one booted process an environment keeps waiting for its next session (or a restart after a
 * crash), so that a session start only waits for its context. It is a slot: it holds at most one
 * process, booting or booted, and hands it to exactly one taker.
 */
export class SpareProcess<Process extends SpareableProcess> {
  private pending: Promise<Process | undefined> | undefined;

  /**
   * Starts `boot` unless a spare is already booting or waiting. `boot` resolves to `undefined`
   * rather than rejecting when it could not start one: the next launch starts a process itself and
   * reports what goes wrong.
   */
  fill(boot: () => Promise<Process | undefined>): void {
    if (this.pending) return;
    this.pending = boot();
  }

  /** Takes the spare, once it booted; `undefined` when there is none or it died while it waited. */
  async take(): Promise<Process | undefined> {
    // Taken before the await: two sessions starting at once must not get the same process.
    const pending = this.pending;
    this.pending = undefined;
    const process = await pending;
    if (process?.isGone) return undefined;
    return process;
  }

  /** Ends the spare, if one is booted or booting. Processes of open sessions are theirs to dispose. */
  async dispose(): Promise<void> {
    const process = await this.take();
    // Held while it dies: waiting for the exit of an unreferenced process would not keep the host up.
    process?.keepHostAlive(true);
    await process?.dispose();
  }
}
