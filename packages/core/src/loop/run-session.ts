import type { ContextValue } from '../environment/context-value';
import type { CellResult, HostFunction, ReplSession } from '../environment/repl-environment';
import { MAX_PRIORITY } from '../limits/concurrency-limiter';
import type { RunTree } from './run-tree';

/** Characters of stdout + stderr an environment keeps per cell; the model sees far less (maxOutputChars). */
const CAPTURED_OUTPUT_CHARS = 1_000_000;

/**
 * The sandbox of one run, created at most once and only when wanted. Creating it takes a slot of
 * the tree's limiter, ahead of calls not yet started. The root starts it while its first model call
 * is in flight (see first-call-guard): context injection (up to a second at 50 MB) then costs no
 * latency. A child starts it when its first cell needs it, so children queued behind a fan-out hold
 * no sandbox. A failure to start surfaces at the first cell.
 */
export class RunSession {
  private starting: Promise<ReplSession> | undefined;
  private session: ReplSession | undefined;

  constructor(
    protected readonly tree: RunTree,
    protected readonly options: {
      readonly context: ContextValue;
      readonly hostFunctions: Record<string, HostFunction>;
      /** The run's signal: it stops the creation and every cell. */
      readonly signal: AbortSignal;
    },
  ) {}

  /** Creates the sandbox, once; later calls return the same promise. */
  start(): Promise<ReplSession> {
    const { context, hostFunctions, signal } = this.options;
    this.starting ??= this.tree.limiter.run(
      () => this.tree.settings.environment.createSession({ context, hostFunctions, signal }),
      signal,
      MAX_PRIORITY,
    );
    this.starting.catch(() => undefined);
    return this.starting;
  }

  /**
   * The root's first model call is in flight: the environment readies, in this idle thread, what the
   * first cell needs (`ReplEnvironment.warmUp`).
   */
  warmUp(): void {
    try {
      this.tree.settings.environment.warmUp?.();
    } catch {
      // Only ever a head start: the first cell does whatever was not readied.
    }
  }

  /** The sandbox, created first if need be. */
  async open(): Promise<ReplSession> {
    this.session ??= await this.start();
    return this.session;
  }

  /** Runs one cell of the model's code under the cell time limit and the run's signal. */
  async runCell(code: string): Promise<CellResult> {
    return (await this.open()).runCell(code, {
      timeoutMs: this.tree.settings.cellTimeoutMs,
      maxOutputChars: CAPTURED_OUTPUT_CHARS,
      signal: this.options.signal,
    });
  }

  /** Disposes of the sandbox if one was created; never throws. */
  async dispose(): Promise<void> {
    await this.starting?.then((started) => started.dispose()).catch(() => undefined);
  }
}
