import { InvalidArgumentError } from '../errors/invalid-argument-error';
import { SandboxError } from '../errors/sandbox-error';
import {
  ADDED_VALUE_BINDER,
  ADDED_VALUE_HOST_FUNCTION,
  JAVASCRIPT_RESERVED_NAMES,
} from '../javascript/javascript-prelude';
import type { ContextValue, JsonValue } from './context-value';
import { crashError, errorMessageOf } from './describe-cell-error';
import { loadCellRewriter } from './javascript-cell-rewriter';
import type { JavaScriptEngine } from './javascript-engine';
import type {
  CellResult,
  HostFunction,
  ReplSession,
  ReplSessionOptions,
  RunCellOptions,
} from './repl-environment';
import type { JavaScriptSandbox, SandboxCellOutcome } from './sandbox-cell';

/** How long `dispose` lets a stopped cell wrap up before the sandbox is disposed under it. */
const DISPOSE_GRACE_MS = 1_500;

/** A name `addContext` can bind: an identifier. */
const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/**
 * A persistent JavaScript REPL on one engine's sandbox. Cells run one at a time, in the order
 * `runCell` was called. When the sandbox breaks, the session starts a new one with the same
 * `context` and host functions and says so in the cell's `stateLost`.
 */
export class JavaScriptSession<Sandbox extends JavaScriptSandbox> implements ReplSession {
  private sandbox: Sandbox | undefined;
  private cellCount = 0;
  private queue: Promise<unknown> = Promise.resolve();
  private running: Promise<unknown> | undefined;
  private disposed = false;
  /** Why the session cannot run cells any more, once it lost a sandbox it may not replace. */
  private unusable: string | undefined;
  /** Set when a sandbox broke outside a cell (binding an added value): the next cell's `stateLost` says so. */
  private lostOutsideCell: string | undefined;
  /** The values `addContext` bound, by name, in order: every new sandbox gets them again. */
  private readonly added = new Map<string, ContextValue>();
  private readonly serveAddedValue: HostFunction = async ([name]) => {
    if (typeof name !== 'string' || !this.added.has(name)) {
      throw new Error(`No value was added under the name ${JSON.stringify(name)}.`);
    }
    return this.added.get(name) as JsonValue;
  };
  private readonly onSessionAbort = () => {
    this.sandbox?.stop('aborted');
    void this.dispose();
  };

  private constructor(
    private readonly engine: JavaScriptEngine<Sandbox>,
    private readonly options: ReplSessionOptions,
  ) {}

  /** Starts a session; rejects with a `SandboxError` when its signal was aborted or no sandbox could start. */
  static async create<Sandbox extends JavaScriptSandbox>(
    engine: JavaScriptEngine<Sandbox>,
    options: ReplSessionOptions,
  ): Promise<JavaScriptSession<Sandbox>> {
    if (options.signal?.aborted) {
      throw new SandboxError({
        environmentId: engine.environmentId,
        message: 'The session was not created: its signal was already aborted.',
      });
    }
    engine.checkSession?.(options);
    const session = new JavaScriptSession(engine, options);
    session.sandbox = await engine.createSandbox(session.startOptions(), undefined);
    options.signal?.addEventListener('abort', session.onSessionAbort, { once: true });
    return session;
  }

  private startOptions() {
    return {
      context: this.options.context,
      hostFunctions: { ...this.options.hostFunctions, [ADDED_VALUE_HOST_FUNCTION]: this.serveAddedValue },
    };
  }

  addContext(name: string, value: ContextValue): Promise<void> {
    const reserved =
      JAVASCRIPT_RESERVED_NAMES.includes(name) ||
      name === ADDED_VALUE_BINDER ||
      name === ADDED_VALUE_HOST_FUNCTION ||
      Object.hasOwn(this.options.hostFunctions, name);
    if (typeof name !== 'string' || !IDENTIFIER.test(name) || reserved) {
      return Promise.reject(
        new InvalidArgumentError({
          argument: 'name',
          message: `addContext cannot bind ${JSON.stringify(name)}: ${reserved ? 'the REPL reserves that name' : 'it is not an identifier'}. Pick another name, e.g. context_1.`,
        }),
      );
    }
    if (value === undefined) {
      return Promise.reject(
        new InvalidArgumentError({ argument: 'value', message: `addContext(${name}) needs a value.` }),
      );
    }
    const result = this.queue.then(async () => {
      this.refuseIfEnded();
      const previous = this.added.get(name);
      this.added.set(name, value);
      let failure: string | undefined;
      if (this.sandbox === undefined) {
        failure = await this.restart();
      } else {
        failure = await this.bindAdded(this.sandbox, name);
      }
      this.refuseIfEnded();
      if (failure !== undefined) {
        if (previous === undefined) this.added.delete(name);
        else this.added.set(name, previous);
        throw new SandboxError({
          environmentId: this.engine.environmentId,
          message: `Could not add ${name} to the ${this.engine.sandboxName}: ${failure}`,
        });
      }
    });
    this.queue = result.catch(() => {});
    return result;
  }

  /** Binds the added value `name` in `sandbox` by a cell of the kit's own; returns why it failed. */
  private async bindAdded(sandbox: Sandbox, name: string): Promise<string | undefined> {
    const cell = (await loadCellRewriter())(`await ${ADDED_VALUE_BINDER}(${JSON.stringify(name)});`);
    if (!cell.ok) return cell.error.message;
    const { broken, error } = await this.runInSandbox(sandbox, cell, { maxOutputChars: 1_000 });
    if (broken !== undefined) {
      this.sandbox = undefined;
      this.lostOutsideCell = broken;
      await disposeQuietly(sandbox);
      return broken;
    }
    return error ? error.message : undefined;
  }

  runCell(code: string, options: RunCellOptions = {}): Promise<CellResult> {
    const result = this.queue.then(() => this.runCellNow(code, options));
    this.queue = result.catch(() => {});
    return result;
  }

  private refuseIfEnded(): void {
    if (!this.disposed) return;
    const { environmentId } = this.engine;
    throw new SandboxError({
      environmentId,
      message: this.unusable
        ? `This ${environmentId} session is unusable: ${this.unusable} Create a new session.`
        : `This ${environmentId} session was disposed; create a new session to run more cells.`,
    });
  }

  private async runCellNow(code: string, options: RunCellOptions): Promise<CellResult> {
    const startedAt = performance.now();
    const durationMs = () => Math.round((performance.now() - startedAt) * 1000) / 1000;
    // Awaited only until it has loaded: a cell's round trip takes no extra turn for it.
    const loading = loadCellRewriter();
    const rewriteJavaScriptCell = typeof loading === 'function' ? loading : await loading;
    this.refuseIfEnded();
    const rewritten = rewriteJavaScriptCell(code);
    if (!rewritten.ok) {
      return {
        stdout: '',
        stderr: '',
        droppedOutputChars: 0,
        error: rewritten.error,
        durationMs: durationMs(),
      };
    }
    const lostBefore = this.lostOutsideCell && this.restartedNotice(this.lostOutsideCell);
    this.lostOutsideCell = undefined;
    if (this.sandbox === undefined) {
      // The last restart failed and the engine retries: a cell cannot run before a sandbox does.
      const failure = await this.restart();
      this.refuseIfEnded();
      if (failure !== undefined) {
        const message = `The ${this.engine.sandboxName} of this session is gone and could not be restarted: ${failure}`;
        return { ...emptyOutcome(message), durationMs: durationMs(), stateLost: message };
      }
    }

    const sandbox = this.sandbox as Sandbox;
    this.cellCount++;
    const running = this.runInSandbox(sandbox, rewritten, options);
    this.running = running;
    const { broken, ...outcome } = await running.finally(() => {
      this.running = undefined;
    });
    const stateLost = broken === undefined ? lostBefore : await this.replace(sandbox, broken);
    return { ...outcome, durationMs: durationMs(), ...(stateLost ? { stateLost } : {}) };
  }

  private async runInSandbox(
    sandbox: Sandbox,
    cell: Parameters<Sandbox['runCell']>[0],
    options: RunCellOptions,
  ): Promise<SandboxCellOutcome> {
    try {
      return await sandbox.runCell(cell, {
        fileName: `cell-${this.cellCount}.js`,
        timeoutMs: options.timeoutMs ?? this.engine.defaultTimeoutMs,
        maxOutputChars: options.maxOutputChars ?? this.engine.defaultMaxOutputChars,
        ...(options.signal ? { signal: options.signal } : {}),
      });
    } catch (caught) {
      // The sandbox itself failed: reported as a crash, and it is rebuilt, never left for the next cell.
      const message = `The ${this.engine.sandboxName} failed: ${errorMessageOf(caught)}.`;
      return { ...emptyOutcome(message), broken: message };
    }
  }

  /** Disposes a broken sandbox and starts its replacement; returns the cell's `stateLost`. */
  private async replace(sandbox: Sandbox, broken: string): Promise<string> {
    this.sandbox = undefined;
    await disposeQuietly(sandbox);
    if (this.disposed) return `${broken} The session was disposed.`;
    const refusal = this.engine.refuseRestart?.(sandbox, broken);
    if (refusal !== undefined) return this.becomeUnusable(refusal);
    const failure = await this.restart(sandbox);
    if (failure === undefined) return this.restartedNotice(broken);
    if (this.engine.failedRestart === 'retry') {
      return `${broken} A new ${this.engine.sandboxName} could not be started (${failure}); the next cell tries again.`;
    }
    return this.becomeUnusable(`${broken} A new ${this.engine.sandboxName} could not be started: ${failure}`);
  }

  private restartedNotice(broken: string): string {
    const added = this.added.size > 0 ? ` (and ${[...this.added.keys()].join(', ')})` : '';
    return `${broken} A new ${this.engine.sandboxName} was started: \`context\`${added} and the functions are back, but every variable from earlier cells is gone.`;
  }

  private async becomeUnusable(reason: string): Promise<never> {
    this.unusable = reason;
    await this.dispose();
    this.refuseIfEnded();
    throw new Error('unreachable: a disposed session refuses');
  }

  /** Starts a new sandbox; returns why it failed, or `undefined` when it runs. */
  private async restart(previous?: Sandbox): Promise<string | undefined> {
    try {
      const sandbox = await this.engine.createSandbox(this.startOptions(), previous);
      if (this.disposed) {
        await disposeQuietly(sandbox);
        return 'the session was disposed';
      }
      this.sandbox = sandbox;
      // The added values are back too: like `context`, they are the session's, not the model's.
      for (const name of this.added.keys()) {
        const failure = await this.bindAdded(sandbox, name);
        if (failure !== undefined) return failure;
      }
      return undefined;
    } catch (error) {
      const message = errorMessageOf(error);
      return this.engine.scrubMessage ? this.engine.scrubMessage(message) : message;
    }
  }

  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    this.options.signal?.removeEventListener('abort', this.onSessionAbort);
    const sandbox = this.sandbox;
    sandbox?.stop('aborted');
    if (this.running) {
      // A stopped cell normally wraps up at once; one whose code would not stop is cut off below.
      let timer: ReturnType<typeof setTimeout> | undefined;
      await Promise.race([
        this.running.catch(() => {}),
        new Promise((resolve) => {
          timer = setTimeout(resolve, DISPOSE_GRACE_MS);
        }),
      ]);
      clearTimeout(timer);
    }
    this.sandbox = undefined;
    if (sandbox) await disposeQuietly(sandbox);
    await this.running?.catch(() => {});
  }
}

function emptyOutcome(message: string): SandboxCellOutcome {
  return { stdout: '', stderr: '', droppedOutputChars: 0, error: crashError(message) };
}

/** Disposes a sandbox that may have failed: what it cannot free goes with its last reference. */
async function disposeQuietly(sandbox: JavaScriptSandbox): Promise<void> {
  try {
    await sandbox.dispose();
  } catch {
    // Nothing left to free by hand.
  }
}
