import type { ContextValue } from '../environment/context-value';
import type { CellResult, HostFunction, ReplEnvironment, ReplSession } from '../environment/repl-environment';
import { SandboxError } from '../errors/sandbox-error';
import { MAX_PRIORITY } from '../limits/concurrency-limiter';
import { RunSession } from './run-session';
import type { RunTree } from './run-tree';

type RunSessionOptions = ConstructorParameters<typeof RunSession>[1];

/**
 * The one REPL of a session, kept across its questions. Its host functions stand for those of the
 * question running now (each run has its own usage, events and budget). Contexts and `history` are
 * bound with `ReplSession.addContext` before a question's first cell.
 */
export class SessionRepl {
  private starting: Promise<ReplSession> | undefined;
  private current: Readonly<Record<string, HostFunction>> | undefined;
  private readonly lifetime = new AbortController();
  /** The `stateLost` of the last cell that lost the REPL's variables, until a question is told. */
  private lostState: string | undefined;

  constructor(private readonly environment: ReplEnvironment) {}

  /** A question's sandbox; `adds` are bound before its first cell. */
  forRun(
    tree: RunTree,
    options: RunSessionOptions,
    adds: readonly (readonly [string, ContextValue])[],
  ): SessionRunSession {
    return new SessionRunSession(tree, options, this, adds);
  }

  /** Why the REPL lost its variables since the last call, if it did. */
  takeStateLost(): string | undefined {
    const lost = this.lostState;
    this.lostState = undefined;
    return lost;
  }

  noteStateLost(reason: string): void {
    this.lostState = reason;
  }

  /** Starts the REPL with the run's `context` if it is not running, serves this run's host functions, binds `adds`. */
  async prepare(
    tree: RunTree,
    options: RunSessionOptions,
    adds: readonly (readonly [string, ContextValue])[],
  ): Promise<ReplSession> {
    if (this.lifetime.signal.aborted) throw disposedError(this.environment.environmentId);
    this.current = options.hostFunctions;
    if (!this.starting) {
      const starting = tree.limiter.run(
        () =>
          this.environment.createSession({
            context: options.context,
            hostFunctions: this.delegates(Object.keys(options.hostFunctions)),
            signal: this.lifetime.signal,
          }),
        options.signal,
        MAX_PRIORITY,
      );
      this.starting = starting;
      // A REPL that failed to start is tried again by the next question.
      starting.catch(() => {
        if (this.starting === starting) this.starting = undefined;
      });
    }
    const session = await this.starting;
    for (const [name, value] of adds) {
      if (!session.addContext) {
        throw new SandboxError({
          environmentId: this.environment.environmentId,
          message: `The ${this.environment.environmentId} environment cannot add values to a running REPL (ReplSession.addContext), which a session's later questions need. Use an environment that implements it, or one completion per question.`,
        });
      }
      await session.addContext(name, value);
    }
    return session;
  }

  /** The question that served `hostFunctions` is over: calls its cells left behind fail. */
  release(hostFunctions: Readonly<Record<string, HostFunction>>): void {
    if (this.current === hostFunctions) this.current = undefined;
  }

  /** Disposes the REPL; a question that runs is aborted by the caller first. */
  async dispose(): Promise<void> {
    this.lifetime.abort();
    const starting = this.starting;
    this.starting = undefined;
    await starting?.then((session) => session.dispose()).catch(() => undefined);
  }

  private delegates(names: readonly string[]): Record<string, HostFunction> {
    return Object.fromEntries(
      names.map((name): [string, HostFunction] => [
        name,
        (args, callOptions) => {
          const hostFunction = this.current?.[name];
          if (!hostFunction) {
            return Promise.reject(new Error(`${name}: no question of this session is running.`));
          }
          return hostFunction(args, callOptions);
        },
      ]),
    );
  }
}

/** The error of anything asked of a disposed session. */
export function disposedError(environmentId: string): SandboxError {
  return new SandboxError({
    environmentId,
    message: 'This session was disposed, and its REPL with it. Start a new one with rlm.session().',
  });
}

/** A question's view of the session's REPL: started (or reused) ahead, left open at the run's end. */
export class SessionRunSession extends RunSession {
  private prepared: Promise<ReplSession> | undefined;

  constructor(
    tree: RunTree,
    options: RunSessionOptions,
    private readonly repl: SessionRepl,
    private readonly adds: readonly (readonly [string, ContextValue])[],
  ) {
    super(tree, options);
  }

  override start(): Promise<ReplSession> {
    this.prepared ??= this.repl.prepare(this.tree, this.options, this.adds);
    this.prepared.catch(() => undefined);
    return this.prepared;
  }

  override async runCell(code: string): Promise<CellResult> {
    const result = await super.runCell(code);
    if (result.stateLost) this.repl.noteStateLost(result.stateLost);
    return result;
  }

  /** Whether the question's contexts were bound (a question that failed before did not use its names). */
  async bound(): Promise<boolean> {
    return this.prepared ? this.prepared.then(() => true).catch(() => false) : false;
  }

  override async dispose(): Promise<void> {
    this.repl.release(this.options.hostFunctions);
  }
}
