import { LimitExceededError } from '../errors/limit-exceeded-error';
import { RunAbortedError } from '../errors/run-aborted-error';
import type { RLMEvent, RLMEventListener } from '../events/rlm-event';
import type { LanguageModel } from '../language-model/language-model';
import { ConcurrencyLimiter } from '../limits/concurrency-limiter';
import type { ConcurrencyWindow, ConcurrencyWindowChange } from '../limits/concurrency-window';
import { concurrencyWindowFor } from '../limits/concurrency-window-registry';
import { RunBudget } from '../limits/run-budget';
import type { RecordedModelCall } from '../model-call-store/model-call-store';
import type { ReplayStore } from '../model-call-store/replay-store';
import type { TrajectoryWriter } from '../trajectory/trajectory-writer';
import { modelKey, type ResolvedSettings } from './resolve-settings';
import type { RunEmitter } from './run-emitter';

/**
 * What the root run and all its children share: settings, the budget, the concurrency cap (the
 * tree's limiter; each model's window is shared wider, by the process) and one abort signal. The
 * first fatal error (a tree-wide limit, a user abort, the deadline) aborts the signal, which stops
 * every model call, cell and child in flight.
 */
export class RunTree {
  readonly budget: RunBudget;
  readonly limiter: ConcurrencyLimiter;
  /**
   * Every model call of the tree a provider answered, in order (see `Trajectory.modelCalls`): the
   * root trajectory holds this very list. A resumed run starts it with its earlier attempts' calls.
   */
  readonly modelCalls: RecordedModelCall[];
  /** Where the root trajectory goes while it grows, if anywhere. */
  readonly writer: TrajectoryWriter | undefined;
  /** A resumed run's record, looked up (by replay key) before the stores. */
  readonly replay: ReplayStore | undefined;
  private readonly controller = new AbortController();
  private readonly cleanups: Array<() => void> = [];
  private readonly windows = new Map<LanguageModel, ConcurrencyWindow>();
  private fatal?: Error;
  /** The root run's emitter, set when the root run starts (see createRunEmitter). */
  rootEmit?: RunEmitter;
  private idCounter = 0;
  private readonly idPrefix = Math.random().toString(36).slice(2, 8);

  constructor(
    readonly settings: ResolvedSettings,
    private readonly listeners: readonly RLMEventListener[],
    userSignal?: AbortSignal,
    recording: {
      readonly writer?: TrajectoryWriter;
      readonly inheritedCalls?: readonly RecordedModelCall[];
      readonly replay?: ReplayStore;
    } = {},
  ) {
    this.writer = recording.writer;
    this.replay = recording.replay;
    this.modelCalls = [...(recording.inheritedCalls ?? [])];
    this.budget = new RunBudget(settings.limits);
    this.limiter = new ConcurrencyLimiter(settings.maxConcurrency);
    if (userSignal) {
      const onAbort = () => this.fail(new RunAbortedError({ reason: userSignal.reason }));
      if (userSignal.aborted) onAbort();
      else {
        userSignal.addEventListener('abort', onAbort, { once: true });
        this.cleanups.push(() => userSignal.removeEventListener('abort', onAbort));
      }
    }
    const { timeoutMs } = settings.limits;
    if (timeoutMs !== undefined) {
      const timer = setTimeout(
        () =>
          this.fail(
            new LimitExceededError({
              limit: 'timeoutMs',
              limitValue: timeoutMs,
              message: `The run took longer than its limit of ${timeoutMs} ms (limits.timeoutMs).`,
            }),
          ),
        timeoutMs,
      );
      timer.unref?.();
      this.cleanups.push(() => clearTimeout(timer));
    }
  }

  /**
   * The concurrency window of `model` (see concurrency-window-registry). On first use the tree starts
   * reporting its changes as `concurrency-change` events of the root run (of `run` in a tree without
   * one), beginning with its state now.
   */
  windowFor(model: LanguageModel, run: { readonly emit: RunEmitter }): ConcurrencyWindow {
    let window = this.windows.get(model);
    if (window) return window;
    window = concurrencyWindowFor(model, this.settings.concurrency);
    this.windows.set(model, window);
    const key = modelKey(model);
    const report = (change: ConcurrencyWindowChange) =>
      (this.rootEmit ?? run.emit)({ type: 'concurrency-change', model: key, ...change });
    report(window.describe());
    this.cleanups.push(window.subscribe(report));
    return window;
  }

  /** Aborted when the tree must stop; its `reason` is the fatal error. */
  get signal(): AbortSignal {
    return this.controller.signal;
  }

  /** The error that stopped the tree, if any. */
  get fatalError(): Error | undefined {
    return this.fatal;
  }

  /** Stops the whole tree with `error` (the first error wins). */
  fail(error: Error): void {
    if (this.fatal) return;
    this.fatal = error;
    this.controller.abort(error);
  }

  /** Throws the fatal error if the tree was stopped. */
  throwIfStopped(): void {
    if (this.fatal) throw this.fatal;
  }

  /** A short id unique within the tree, e.g. `run-k3j9a2-4`. */
  nextId(kind: string): string {
    this.idCounter += 1;
    return `${kind}-${this.idPrefix}-${this.idCounter}`;
  }

  emit(event: RLMEvent): void {
    for (const listener of this.listeners) {
      try {
        listener(event);
      } catch {
        // A faulty listener must not break the run.
      }
    }
  }

  /** Records a call a provider answered, and hands it to the writer. */
  recordModelCall(call: RecordedModelCall): void {
    this.modelCalls.push(call);
    this.write((writer) => writer.modelCall(call));
  }

  /** Hands something to the trajectory writer; a writer that throws does not fail the run. */
  write(action: (writer: TrajectoryWriter) => void): void {
    if (!this.writer) return;
    try {
      action(this.writer);
    } catch {
      // The writer keeps and reports its own failures (see TrajectoryWriter).
    }
  }

  /** Releases timers and listeners. */
  close(): void {
    for (const cleanup of this.cleanups.splice(0)) cleanup();
  }
}

/**
 * Whether an error stops the whole tree rather than only the call that raised it. `maxSubCalls` is
 * not: the sub-calls over it fail one by one, and the model sees them fail.
 */
export function isTreeFatal(error: unknown): boolean {
  if (RunAbortedError.isInstance(error)) return true;
  return (
    LimitExceededError.isInstance(error) &&
    (error.limit === 'maxTokens' || error.limit === 'maxCostUsd' || error.limit === 'timeoutMs')
  );
}
