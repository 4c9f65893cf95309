import * as kit from '@rlm/core/environment';
import type {
  QuickJSContext,
  QuickJSDeferredPromise,
  QuickJSHandle,
  QuickJSRuntime,
  QuickJSSyncVariant,
} from 'quickjs-emscripten-core';
import { type EncodedContext, encodeContext } from './quickjs-context-encoding';
import {
  type BoundedQuickJSModule,
  instantiateBoundedQuickJS,
  newQuickJSString,
  newQuickJSStringFromUtf8,
} from './quickjs-wasm';

/** The limits a sandbox is created with. */
export interface QuickJSSandboxLimits {
  readonly memoryLimitBytes: number;
  readonly maxStackSizeBytes: number;
  /** A QuickJS build other than the release one (tests use the debug build, which reports leaked handles). */
  readonly variant?: QuickJSSyncVariant;
}

/**
 * What a sandbox is started with besides its limits: the context as given, or encoded by
 * `encodeContextForWorker`, possibly still on its way (the sandbox gets ready meanwhile).
 */
export type QuickJSSandboxStart = (
  | { readonly context: kit.ContextValue }
  | { readonly encodedContext: EncodedContext | Promise<EncodedContext> }
) & { readonly hostFunctionNames: readonly string[] };

/**
 * How a sandbox reaches the host: in a worker thread, messages to the main thread; in the host's own
 * thread, a `HostCallTable` directly. The answer to a call comes back through
 * {@link QuickJSSandbox.settleHostCall}.
 */
export interface QuickJSHostLink {
  startHostCall(callId: number, name: string, argsJson: string): void;
  /**
   * Asked at every QuickJS interrupt check: a reason when the host wants the running cell stopped at
   * once (read from memory shared with the host, since busy code never lets a message through).
   */
  readonly stopRequested?: () => kit.StopReason | undefined;
  /**
   * Blocks until the host sends something or `timeoutMs` pass, and handles what it sent (settling
   * calls, stopping the cell). Given in a worker thread, where a cell waiting on the host has nothing
   * else to do: the answer then costs no turn of an event loop. Without it the sandbox awaits.
   */
  readonly waitForHost?: (timeoutMs: number) => void;
}

/** The memory option a QuickJS session is bounded by, named in out-of-memory errors. */
const MEMORY_OPTION = 'memoryLimitBytes';

/** How long the prelude's own bookkeeping after a cell may take (it may run model getters). */
const HOUSEKEEPING_MS = 1_000;
/** After a timeout, at most this many leftover jobs are killed before the sandbox counts as polluted. */
const MAX_DRAINED_JOBS = 10_000;
/** Node's timers take at most 2^31 - 1 ms. */
const MAX_TIMER_MS = 2_147_483_647;
/** Headroom that must be free after an out-of-memory error for the session to go on. */
const MEMORY_PROBE_CHARS = 4 * 1024 * 1024;
/** Texts of a cell result besides stdout and stderr (value, error name, message, stack) keep at least this many characters. */
const MIN_TEXT_CHARS = 1_000;

/**
 * Evaluated before any model code, so the intrinsics it captures are the real ones. It brings a text
 * out of the sandbox as JSON (QuickJS hands strings to the host as UTF-8 C strings, which end at the
 * first NUL and turn lone surrogates into U+FFFD) and cuts it to `limit` characters, head and tail
 * kept, so a 10 MB error message costs the host nothing.
 */
const EXPORT_TEXT_SOURCE = `(function (stringify, slice, ceil) {
  'use strict';
  return function exportText(text, limit) {
    if (typeof text !== 'string') return 'null';
    if (text.length > limit) {
      var marker = '\\n… [' + text.length + ' characters; the middle was cut] …\\n';
      var budget = limit > marker.length ? limit - marker.length : 0;
      var head = ceil(budget * 0.6);
      text = slice(text, 0, head) + marker + slice(text, text.length - (budget - head));
    }
    return stringify(text);
  };
})(JSON.stringify, Function.prototype.call.bind(String.prototype.slice), Math.ceil)`;

/**
 * One QuickJS instance (its own WebAssembly memory, runtime and context) with the shared prelude
 * evaluated in it. It runs one cell at a time; the session above recreates it when it breaks.
 */
export class QuickJSSandbox {
  private readonly runtime: QuickJSRuntime;
  private readonly context: QuickJSContext;
  private readonly handles: QuickJSHandle[] = [];
  private controlBeginCell!: QuickJSHandle;
  private controlEndCell!: QuickJSHandle;
  private controlDropCalls!: QuickJSHandle;
  /** Set when the WebAssembly instance failed outside a cell (settling a host call): the sandbox is broken. */
  private instanceFailure: string | undefined;
  private controlFormatValue!: QuickJSHandle;
  private controlDescribeError!: QuickJSHandle;
  private exportText!: QuickJSHandle;
  /** The function the prelude's source evaluated to, until {@link start} calls it. */
  private preludeStarter: QuickJSHandle | undefined;
  private readonly pendingCalls = new Map<number, QuickJSDeferredPromise>();
  private nextCallId = 1;
  /** Calls made since QuickJS last yielded, not yet handed to the host. */
  private readonly unstartedCalls: { callId: number; name: string; argsJson: string }[] = [];
  /** Set when the host asked, through shared memory, for the running cell to stop. */
  private requestedStop: kit.StopReason | undefined;
  private deadline = Number.POSITIVE_INFINITY;
  private interrupted = false;
  private wake: (() => void) | undefined;
  private stopRunningCell: ((reason: kit.StopReason) => void) | undefined;
  /** Set while the sandbox runs what an ended cell left behind: host calls made then are refused. */
  private refusingHostCalls = false;
  private disposed = false;
  /** Why freeing the instance failed, if it did (a leaked handle, or a crashed instance). */
  disposeError: unknown;

  private constructor(
    private readonly bounded: BoundedQuickJSModule,
    private readonly link: QuickJSHostLink,
    limits: QuickJSSandboxLimits,
  ) {
    this.runtime = bounded.module.newRuntime();
    // QuickJS's own limit catches most runaway object graphs with a clean error before the WASM
    // memory's hard maximum, which stays the backstop for strings and typed arrays.
    this.runtime.setMemoryLimit(Math.floor(limits.memoryLimitBytes * 0.9));
    this.runtime.setMaxStackSize(limits.maxStackSizeBytes);
    this.runtime.setInterruptHandler(() => {
      const requested = this.link.stopRequested?.();
      if (requested !== undefined) this.requestedStop ??= requested;
      else if (Date.now() <= this.deadline) return false;
      this.interrupted = true;
      return true;
    });
    this.context = this.runtime.newContext();
  }

  /** Creates a sandbox and evaluates the prelude with `context` and the host functions. */
  static async create(
    limits: QuickJSSandboxLimits,
    start: QuickJSSandboxStart,
    link: QuickJSHostLink,
  ): Promise<QuickJSSandbox> {
    return (await QuickJSSandbox.prepare(limits, link)).start(start);
  }

  /**
   * The part of {@link create} that needs no context: the instance, its runtime and the prelude's
   * source evaluated (~80 ms on the 2-core CI machine, most of it QuickJS compiling the prelude). A
   * worker does it ahead, while the host is still starting, so a session's start only hands over the
   * context. No model code has run in a prepared sandbox; it is {@link start}ed once, or disposed.
   */
  static async prepare(limits: QuickJSSandboxLimits, link: QuickJSHostLink): Promise<QuickJSSandbox> {
    const bounded = await instantiateBoundedQuickJS(limits.memoryLimitBytes, limits.variant);
    const sandbox = new QuickJSSandbox(bounded, link, limits);
    try {
      sandbox.preludeStarter = sandbox.evaluatePrelude();
    } catch (error) {
      sandbox.dispose();
      throw error;
    }
    return sandbox;
  }

  /** Starts the prelude of a {@link prepare}d sandbox with the context and host functions; disposes of it on failure. */
  async start(start: QuickJSSandboxStart): Promise<QuickJSSandbox> {
    try {
      const prelude = this.preludeStarter;
      if (prelude === undefined) throw new Error('This QuickJS sandbox was started already.');
      this.preludeStarter = undefined;
      const encoded = 'encodedContext' in start ? await start.encodedContext : encodeContext(start.context);
      this.startPrelude(prelude, encoded, start.hostFunctionNames);
    } catch (error) {
      this.dispose();
      throw error;
    }
    return this;
  }

  private keep(handle: QuickJSHandle): QuickJSHandle {
    this.handles.push(handle);
    return handle;
  }

  /** Evaluates the prelude's source, which needs no context: it returns the function that starts it. */
  private evaluatePrelude(): QuickJSHandle {
    const { context } = this;
    this.exportText = this.keep(
      context.unwrapResult(context.evalCode(EXPORT_TEXT_SOURCE, 'rlm-export-text.js', { type: 'global' })),
    );
    return this.keep(
      context.unwrapResult(
        context.evalCode(kit.JAVASCRIPT_PRELUDE_SOURCE, 'rlm-prelude.js', { type: 'global' }),
      ),
    );
  }

  private startPrelude(
    prelude: QuickJSHandle,
    encoded: EncodedContext,
    hostFunctionNames: readonly string[],
  ) {
    const { context } = this;
    const bridge = this.keep(context.newObject());
    context
      .newFunction('hostCall', (name, args) => this.startHostCall(name, args))
      .consume((hostCall) => {
        context.setProp(bridge, 'hostCall', hostCall);
      });
    const options = this.keep(context.newObject());
    const names = context.newArray();
    hostFunctionNames.forEach((name, index) => {
      context.newString(name).consume((handle) => context.setProp(names, index, handle));
    });
    context.setProp(options, 'hostFunctionNames', names);
    names.dispose();
    const text =
      typeof encoded.text === 'string'
        ? newQuickJSString(this.bounded, context, encoded.text, 'the context')
        : newQuickJSStringFromUtf8(this.bounded, context, encoded.text, 'the context');
    try {
      if (encoded.kind === 'split') {
        // Splitting inside is ~7x faster than JSON.parse for many strings, and no model code ran yet.
        const split = this.keep(
          context.unwrapResult(
            context.evalCode(
              '(function (text, separator) { return text.split(separator); })',
              'rlm-split.js',
              {
                type: 'global',
              },
            ),
          ),
        );
        const separator = context.newString(encoded.separator);
        try {
          const documents = this.evalTimed(
            () => context.unwrapResult(context.callFunction(split, context.undefined, text, separator)),
            30_000,
          );
          context.setProp(options, 'context', documents);
          documents.dispose();
        } finally {
          separator.dispose();
        }
      } else {
        context.setProp(options, encoded.kind === 'string' ? 'context' : 'contextJson', text);
      }
    } finally {
      text.dispose();
    }
    this.evalTimed(() => {
      const control = this.keep(
        context.unwrapResult(context.callFunction(prelude, context.undefined, bridge, options)),
      );
      this.controlBeginCell = this.keep(context.getProp(control, 'beginCell'));
      this.controlEndCell = this.keep(context.getProp(control, 'endCell'));
      this.controlDropCalls = this.keep(context.getProp(control, 'dropCalls'));
      this.controlFormatValue = this.keep(context.getProp(control, 'formatValue'));
      this.controlDescribeError = this.keep(context.getProp(control, 'describeError'));
    }, 30_000);
  }

  /** Runs `run` with the interrupt deadline set to `ms` from now, restoring the previous deadline after. */
  private evalTimed<T>(run: () => T, ms: number): T {
    const previous = this.deadline;
    this.deadline = Date.now() + ms;
    try {
      return run();
    } finally {
      this.deadline = previous;
    }
  }

  private startHostCall(nameHandle: QuickJSHandle, argsHandle: QuickJSHandle): QuickJSHandle {
    const { context } = this;
    if (this.refusingHostCalls) {
      // Thrown into the sandbox: the prelude turns it into a rejected call, and nothing reaches the host.
      throw new Error('The cell that made this call has ended; its calls no longer reach the host.');
    }
    const name = context.getString(nameHandle);
    const argsJson = context.getString(argsHandle);
    const deferred = context.newPromise();
    const callId = this.nextCallId++;
    this.pendingCalls.set(callId, deferred);
    // Handed to the host when QuickJS yields (before the sandbox waits, or on a microtask): a call
    // the cell's end dropped at once (one made while the error is described, say) never reaches it.
    this.unstartedCalls.push({ callId, name, argsJson });
    if (this.unstartedCalls.length === 1) void Promise.resolve().then(() => this.startHostCalls());
    return deferred.handle;
  }

  private startHostCalls() {
    for (const { callId, name, argsJson } of this.unstartedCalls.splice(0)) {
      if (this.pendingCalls.has(callId)) this.link.startHostCall(callId, name, argsJson);
    }
  }

  /**
   * Settles a host call inside the sandbox. Runs from a host promise, so it must never throw (an
   * unhandled rejection would end the host process): if the WebAssembly instance itself fails here,
   * the failure is kept and the running (or next) cell reports the sandbox broken.
   */
  settleHostCall(callId: number, outcome: kit.HostCallOutcome) {
    try {
      this.settleHostCallInside(callId, outcome);
    } catch (error) {
      this.instanceFailure ??= `The QuickJS sandbox failed while settling a host call: ${kit.errorMessageOf(error)}.`;
      this.wake?.();
    }
  }

  private settleHostCallInside(callId: number, outcome: kit.HostCallOutcome) {
    const deferred = this.pendingCalls.get(callId);
    // A call dropped at the end of its cell, or by dispose, has nothing left to settle.
    if (deferred === undefined || this.disposed) return;
    this.pendingCalls.delete(callId);
    const { context } = this;
    try {
      if (outcome.ok) {
        newQuickJSString(this.bounded, context, outcome.json, 'a host function result').consume((handle) =>
          deferred.resolve(handle),
        );
      } else {
        context.newError(outcome.message).consume((handle) => deferred.reject(handle));
      }
    } catch (error) {
      // No memory for the result: fail the call inside, if even that is possible.
      try {
        context
          .newError(`The sandbox had no memory left for the result: ${kit.errorMessageOf(error)}`)
          .consume((handle) => deferred.reject(handle));
      } catch {
        deferred.dispose();
      }
    }
    this.wake?.();
  }

  /**
   * Drops host calls still running: their results are ignored, and the prelude rejects them at the
   * next cell. The host side drops its own half (and aborts the host functions) when the cell ends.
   */
  private dropPendingCalls() {
    for (const deferred of this.pendingCalls.values()) deferred.dispose();
    this.pendingCalls.clear();
  }

  /** Stops the running cell, if any, as soon as possible. */
  stop(reason: kit.StopReason) {
    this.stopRunningCell?.(reason);
  }

  /** Runs one rewritten cell to the end. Never throws for the cell's own failures. */
  async runCell(
    cell: kit.RewrittenJavaScriptCell,
    options: kit.SandboxCellOptions,
  ): Promise<kit.SandboxCellOutcome> {
    const { context } = this;
    this.interrupted = false;
    this.requestedStop = undefined;
    let stopReason: kit.StopReason | undefined;
    let value: string | undefined;
    let error: kit.CellError | undefined;
    let broken: string | undefined;
    /** Set when the stopped cell left jobs that cannot be cleared: its output is still collected, then the sandbox is rebuilt. */
    let polluted: string | undefined;
    let droppedCalls = 0;
    /** The cell failed with `null` or `undefined` as its reason: what QuickJS leaves when out of memory even for the error. */
    let failedWithoutReason = false;
    const textLimit = Math.max(options.maxOutputChars, MIN_TEXT_CHARS);
    const stop = (reason: kit.StopReason) => {
      stopReason ??= reason;
      this.deadline = 0;
      this.wake?.();
    };
    this.stopRunningCell = stop;
    const onAbort = () => stop('aborted');
    options.signal?.addEventListener('abort', onAbort, { once: true });
    const timer = setTimeout(() => stop('timeout'), Math.min(Math.max(options.timeoutMs, 0), MAX_TIMER_MS));
    try {
      this.callControl(
        this.controlBeginCell,
        (handle) => handle.dispose(),
        context.newNumber(options.maxOutputChars),
      );
      this.deadline = Date.now() + options.timeoutMs;
      if (options.signal?.aborted) stop('aborted');
      const evaluated = stopReason
        ? undefined
        : context.evalCode(cell.code, options.fileName, { type: 'global' });
      if (evaluated?.error) {
        // The script did not compile (syntax QuickJS rejects though acorn took it), or stopped at once.
        const reason = evaluated.error;
        try {
          if (!this.interrupted) error = this.readCellError(reason, options, cell, true, textLimit);
        } finally {
          reason.dispose();
        }
      } else if (evaluated) {
        const promise = evaluated.value;
        try {
          const settled = await this.waitForSettled(promise, () => stopReason);
          if (settled !== 'stopped') {
            const state = context.getPromiseState(promise);
            if (state.type === 'fulfilled') {
              try {
                value = this.formatValue(state.value, textLimit);
              } finally {
                state.value.dispose();
              }
            } else if (state.type === 'rejected') {
              try {
                failedWithoutReason =
                  context.sameValue(state.error, context.null) ||
                  context.sameValue(state.error, context.undefined);
                error = this.readCellError(state.error, options, cell, false, textLimit);
              } finally {
                state.error.dispose();
              }
            }
          }
        } finally {
          promise.dispose();
        }
      }
      if (this.interrupted || stopReason) {
        error = kit.stopError(stopReason ?? this.requestedStop ?? 'timeout', options.timeoutMs);
        value = undefined;
        try {
          this.drainJobs();
        } catch (caught) {
          polluted = `The cell was stopped, but ${kit.errorMessageOf(caught)}.`;
        }
      }
    } catch (caught) {
      broken = `The QuickJS sandbox failed: ${kit.errorMessageOf(caught)}`;
      error = { kind: isOutOfMemory(caught) ? 'memory' : 'crash', name: 'SandboxError', message: broken };
    } finally {
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', onAbort);
      this.stopRunningCell = undefined;
      this.deadline = Number.POSITIVE_INFINITY;
      droppedCalls = this.pendingCalls.size;
      this.dropPendingCalls();
    }

    let output: kit.JavaScriptPreludeCellOutput | undefined;
    if (!broken) {
      try {
        output = this.endCell();
      } catch (caught) {
        broken = `The sandbox could not collect the cell's output: ${kit.errorMessageOf(caught)}`;
        error ??= { kind: 'crash', name: 'SandboxError', message: broken };
      }
    }
    broken ??= polluted;
    if (!broken && droppedCalls > 0) {
      try {
        this.settleDroppedCalls();
      } catch (caught) {
        broken = `The cell left host calls running, and the sandbox could not settle them (${kit.errorMessageOf(caught)}).`;
      }
    }
    if (!broken && this.instanceFailure) {
      broken = this.instanceFailure;
      error = { kind: 'crash', name: 'SandboxError', message: broken };
    }
    const mayBeOutOfMemory = error?.kind === 'memory' || (error?.kind === 'runtime' && failedWithoutReason);
    if (!broken && mayBeOutOfMemory && !this.hasMemoryHeadroom()) {
      broken = 'The sandbox ran out of memory, and what the cells stored still fills it.';
      if (error?.kind !== 'memory') error = kit.outOfMemoryError(MEMORY_OPTION, 'InternalError');
    }
    return {
      stdout: output?.stdout ?? '',
      stderr: output?.stderr ?? '',
      droppedOutputChars: output?.droppedOutputChars ?? 0,
      ...(value !== undefined && !error ? { value } : {}),
      ...(error ? { error } : {}),
      ...(output?.final ? { final: output.final } : {}),
      ...(broken ? {} : kit.cellVariablesField(output?.variables)),
      ...(broken ? { broken } : {}),
    };
  }

  /**
   * Calls a control method with the housekeeping deadline, hands its result to `read` and disposes
   * the arguments. Throws when the call fails: the prelude's own methods do not throw.
   */
  private callControl<T>(
    method: QuickJSHandle,
    read: (result: QuickJSHandle) => T,
    ...args: QuickJSHandle[]
  ): T {
    const { context } = this;
    try {
      const result = this.evalTimed(
        () => context.unwrapResult(context.callFunction(method, context.undefined, ...args)),
        HOUSEKEEPING_MS,
      );
      try {
        return read(result);
      } finally {
        if (result.alive) result.dispose();
      }
    } finally {
      for (const arg of args) if (arg.alive) arg.dispose();
    }
  }

  /**
   * Rejects inside the sandbox the host calls the ended cell left running, and runs at once what the
   * cell chained on them, with output discarded and host calls refused. Left for the next cell, those
   * callbacks would run during it and print into its output (the prelude rejects stale calls when a
   * cell begins): code of an ended cell must not act in a later one. Throws when they never finish.
   */
  private settleDroppedCalls() {
    const { runtime } = this;
    this.refusingHostCalls = true;
    try {
      // No cell is running: whatever the callbacks print is thrown away, and their host calls never settle.
      this.callControl(this.controlDropCalls, (handle) => handle.dispose());
      this.evalTimed(() => {
        const jobs = runtime.executePendingJobs();
        if (jobs.error) jobs.error.dispose();
      }, HOUSEKEEPING_MS);
      if (runtime.hasPendingJob()) this.drainJobs();
    } finally {
      this.refusingHostCalls = false;
      this.deadline = Number.POSITIVE_INFINITY;
    }
  }

  /** Pumps QuickJS's job queue whenever a host call settles, until the cell's promise settles or it is stopped. */
  private async waitForSettled(
    promise: QuickJSHandle,
    stopReason: () => kit.StopReason | undefined,
  ): Promise<'fulfilled' | 'rejected' | 'stopped'> {
    const { context, runtime } = this;
    for (;;) {
      const jobs = runtime.executePendingJobs();
      // Jobs report errors only for failures outside any promise, e.g. an interrupt between jobs.
      if (jobs.error) jobs.error.dispose();
      if (this.interrupted || stopReason() || this.disposed) return 'stopped';
      const state = context.getPromiseState(promise);
      if (state.type !== 'pending') {
        if (state.type === 'fulfilled') state.value.dispose();
        else state.error.dispose();
        return state.type;
      }
      if (!runtime.hasPendingJob()) this.startHostCalls();
      if (!runtime.hasPendingJob()) {
        // Only a host call settling, the deadline or an abort can move the cell on from here.
        if (this.link.waitForHost !== undefined) {
          // The timer set for the deadline cannot fire while this thread sleeps: the wait ends at it.
          const left = this.deadline - Date.now();
          if (left <= 0) this.stopRunningCell?.('timeout');
          else this.link.waitForHost(Math.min(left, MAX_TIMER_MS));
          continue;
        }
        await new Promise<void>((resolve) => {
          this.wake = resolve;
        });
        this.wake = undefined;
      }
    }
  }

  /** Kills jobs the stopped cell left queued, so they do not run in the next cell. */
  private drainJobs() {
    this.deadline = 0;
    for (let drained = 0; this.runtime.hasPendingJob(); drained++) {
      if (drained >= MAX_DRAINED_JOBS) throw new Error('the stopped cell left jobs that keep queueing more');
      const jobs = this.runtime.executePendingJobs(1);
      if (jobs.error) jobs.error.dispose();
    }
  }

  private formatValue(result: QuickJSHandle, limit: number): string | undefined {
    const { context } = this;
    const formatted = this.evalTimed(
      () => context.callFunction(this.controlFormatValue, context.undefined, result),
      HOUSEKEEPING_MS,
    );
    if (formatted.error) {
      formatted.error.dispose();
      return '[a value that could not be displayed]';
    }
    const handle = formatted.value;
    try {
      return this.readText(handle, limit);
    } finally {
      handle.dispose();
    }
  }

  /**
   * A string of the sandbox as the host's string, exact (NUL and lone surrogates included) and cut to
   * `limit` characters; `undefined` when it is not a string or cannot be read.
   */
  private readText(handle: QuickJSHandle, limit: number): string | undefined {
    const { context } = this;
    if (context.typeof(handle) !== 'string') return undefined;
    const limitHandle = context.newNumber(limit);
    const exported = this.evalTimed(
      () => context.callFunction(this.exportText, context.undefined, handle, limitHandle),
      HOUSEKEEPING_MS,
    );
    limitHandle.dispose();
    if (exported.error) {
      // No memory left even for the copy (after an out-of-memory error): read it directly instead,
      // which needs none inside but stops at a NUL.
      exported.error.dispose();
      const raw = context.getString(handle);
      return raw.length > limit ? raw.slice(0, limit) : raw;
    }
    try {
      const text: unknown = JSON.parse(context.getString(exported.value));
      return typeof text === 'string' ? text : undefined;
    } finally {
      exported.value.dispose();
    }
  }

  private readCellError(
    reason: QuickJSHandle,
    options: kit.SandboxCellOptions,
    cell: kit.RewrittenJavaScriptCell,
    atCompile: boolean,
    limit: number,
  ): kit.CellError {
    const { context } = this;
    const described = this.evalTimed(
      () => context.callFunction(this.controlDescribeError, context.undefined, reason),
      HOUSEKEEPING_MS,
    );
    let name = 'Error';
    let message = 'The cell failed, and the error could not be read.';
    let stack: string | undefined;
    if (described.error) {
      // Too little memory even to describe it: read the error's own fields, which allocates less.
      described.error.dispose();
      name = this.readStringProperty(reason, 'name', limit) ?? name;
      message = this.readStringProperty(reason, 'message', limit) ?? message;
    } else {
      const description = described.value;
      const read = (key: string) => {
        const handle = context.getProp(description, key);
        try {
          return this.readText(handle, limit);
        } finally {
          handle.dispose();
        }
      };
      try {
        name = read('name') ?? name;
        message = read('message') ?? message;
        stack = read('stack');
      } finally {
        description.dispose();
      }
    }
    const thrown: kit.ThrownErrorDescription = { name, message, ...(stack ? { stack } : {}) };
    return kit.describeCellError(thrown, {
      cell,
      fileName: options.fileName,
      atCompile,
      memoryOption: MEMORY_OPTION,
    });
  }

  private readStringProperty(object: QuickJSHandle, key: string, limit: number): string | undefined {
    const { context } = this;
    try {
      if (context.typeof(object) !== 'object') return undefined;
      const handle = this.evalTimed(() => context.getProp(object, key), HOUSEKEEPING_MS);
      try {
        return this.readText(handle, limit);
      } finally {
        handle.dispose();
      }
    } catch {
      return undefined;
    }
  }

  private endCell(): kit.JavaScriptPreludeCellOutput {
    return this.callControl(
      this.controlEndCell,
      (handle) => JSON.parse(this.context.getString(handle)) as kit.JavaScriptPreludeCellOutput,
    );
  }

  /** After running out of memory: is there room to go on, or do the model's variables still fill the memory? */
  private hasMemoryHeadroom(): boolean {
    const { context } = this;
    try {
      return this.evalTimed(() => {
        const probe = context.evalCode(`'x'.repeat(${MEMORY_PROBE_CHARS}).length`, 'rlm-memory-probe.js', {
          type: 'global',
        });
        if (probe.error) {
          probe.error.dispose();
          return false;
        }
        probe.value.dispose();
        return true;
      }, HOUSEKEEPING_MS);
    } catch {
      return false;
    }
  }

  /** Releases the QuickJS context, runtime and WebAssembly instance. Safe to call twice. */
  dispose() {
    if (this.disposed) return;
    this.disposed = true;
    this.wake?.();
    try {
      this.dropPendingCalls();
      for (const handle of this.handles.reverse()) if (handle.alive) handle.dispose();
      this.context.dispose();
      this.runtime.dispose();
    } catch (error) {
      // A crashed instance cannot free itself; dropping every reference frees its memory.
      this.disposeError = error;
    }
  }
}

function isOutOfMemory(error: unknown): boolean {
  const message = kit.errorMessageOf(error);
  return /out of memory|memory access out of bounds|Cannot enlarge memory|Aborted\(OOM\)/i.test(message);
}
