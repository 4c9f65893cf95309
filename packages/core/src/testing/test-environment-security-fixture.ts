import { Buffer } from 'node:buffer';
import vm from 'node:vm';
import type { JsonValue } from '../environment/context-value';
import type {
  CellError,
  CellResult,
  ReplEnvironment,
  ReplSession,
  ReplSessionOptions,
} from '../environment/repl-environment';
import {
  JAVASCRIPT_PRELUDE_SOURCE,
  type JavaScriptPrelude,
  type JavaScriptPreludeCellOutput,
  type JavaScriptPreludeControl,
} from '../javascript/javascript-prelude';
import { rewriteJavaScriptCell } from '../javascript/rewrite-javascript-cell';
import { BUFFER_CELL_PREFIX } from './test-environment-security-host-pressure';
import { ALLOCATION_BOMBS } from './test-environment-security-resources';

/** The store behind `localStorage` with the hole `sharedStorage`: one for every session. */
const sharedStore = new Map<string, string>();

/**
 * A small sandbox for testing the security suite itself, never for running model code: a `node:vm`
 * context (own intrinsics, own microtask queue) holding only the ECMAScript built-ins and the real
 * prelude, driven the way the real environments drive it — cells under a timeout that interrupts
 * synchronous code (`vm`'s `timeout`, also around every call into the prelude and every run of the
 * sandbox's jobs), the context built inside from its JSON, host calls settled with strings, output
 * capped inside, result texts cut, dropped calls rejected and aborted when their cell ends, a restart
 * (`stateLost`) after code had to be interrupted.
 *
 * Without holes it passes every check of the suite (core's self-test runs each one against it to
 * show that), but those its `FIXTURE_CANNOT_PASS` list excuses for a limit of `node:vm`. With a hole it has exactly one bug of a kind a real environment could
 * have, and each check that declares that hole in `catches` must fail against it, with a message
 * that names the breach.
 *
 * What it cannot do for real: memory. It shares the host's heap, so the allocation bombs of
 * {@link ALLOCATION_BOMBS} and the 256 MiB buffer cells (`BUFFER_CELL_PREFIX`) are never run; the
 * fixture answers them the way an environment with a memory limit does, or, with a hole, the way it
 * must not. Nor can it keep the host's frames out of stack traces, or run cells off the host's thread.
 *
 * ## Adding a hole
 * 1. Add an entry to {@link FIXTURE_HOLES}: its name, and one sentence saying what is wrong.
 * 2. Make the fixture behave that way when `holes.has('yourHole')`, in as few lines as possible and
 *    without changing anything else (search this file for `holes.has(` for the places: the bridge,
 *    the host functions, describing a thrown value, the result texts, dispose).
 * 3. In the check(s) that must catch it, add `catches: { yourHole: /what the failure message says/ }`.
 *    Give the expectations of the check messages that name the breach, so the pattern can be
 *    specific. The self-test then runs the check against the fixture with that hole (it must fail
 *    with a matching message) and without holes (it must pass).
 */

/** The holes the fixture can have, each with what is wrong when it has it. */
export const FIXTURE_HOLES = {
  contextByReference: 'the context is the host’s own value, not one built inside the sandbox',
  hostObjectsInResults:
    'host functions (functions of the sandbox, returning promises of the sandbox) settle with objects the host parsed, so a result is a host object',
  hostFunctionsOfTheHost:
    'the host functions are the host’s own functions returning the host’s promises, defined on the sandbox’s global beside the prelude instead of through it (no gate when the cell ends)',
  argumentsInSandboxRealm:
    'host functions receive their arguments as objects of the sandbox’s realm (parsed with the sandbox’s JSON), not as plain host JSON',
  sloppyHostReadsErrors:
    'a sloppy host function reads the name and message of a thrown value, so a getter’s `fn.caller` is a host function',
  hostCallSites:
    'the host’s stack-trace hook is whatever the sandbox assigns to `Error.prepareStackTrace`, and the bridge reads the stack of a host function’s error, so the hook gets the host’s call sites',
  memoryErrorsAsRangeErrors:
    'allocation bombs end in `RangeError: Invalid string length` (a runtime error) instead of a memory error or a restart',
  disposeBreaksCells:
    'after dispose, and for a cell running at dispose, runCell rejects with a TypeError from the freed sandbox instead of saying the session was disposed',
  uncappedOutput: 'output is not capped: the prelude is given no limit',
  uncappedResultTexts: 'value, error name, message and stack are not cut to the cap',
  textsThroughUtf8:
    'every text of a result goes through UTF-8 bytes, so lone surrogates (and a cut surrogate pair) become U+FFFD',
  capCountsJson:
    'stdout is cut so that its JSON text fits the cap, so text that JSON escapes is cut far below the cap',
  restartOnTimeout: 'every timeout restarts the sandbox, even when the cell only waited',
  lateStop: 'a cell is stopped 2 s after its timeout (longer than the grace the self-test gives)',
  stackOverflowAsCrash:
    'a stack overflow is reported as a `crash` of the sandbox, without a restart, instead of a runtime error',
  liveSandboxJson:
    'the output of a cell is parsed with the sandbox’s current `JSON.parse`, which model code can replace',
  engineDeferredWork:
    '`FinalizationRegistry`, `WebAssembly` and `Atomics.waitAsync`/`wait` are put back after the prelude removed them, so a cell can schedule work that runs after it ended',
  noDropCalls:
    'the calls a cell left running are not dropped when it ends (no `dropCalls()`): they reject when the next cell begins, so what was chained on them runs during that cell',
  ungatedHostCalls:
    'the prelude is given no limit on host calls and characters in flight, so every call of a flood, and every huge argument, reaches the host at once',
  uncountedBuffers:
    'buffers outside the heap (array buffers, WebAssembly memories) are not counted against the memory limit',
  sharedStorage:
    'every session gets a `localStorage` backed by one store of the host, shared by all sessions',
} as const;

/** The name of a hole of the fixture; see {@link FIXTURE_HOLES}. */
export type FixtureHole = keyof typeof FIXTURE_HOLES;

/** Is `name` a hole of the fixture? */
export function isFixtureHole(name: string): name is FixtureHole {
  return Object.hasOwn(FIXTURE_HOLES, name);
}

/** How late a cell is stopped with the hole `lateStop`. The self-test gives 1 s of grace. */
const LATE_STOP_MS = 2_000;
/** The least the texts of a result besides the output are cut to, as in the real environments. */
const MIN_TEXT_CHARS = 1_000;
/** How long the fixture runs the sandbox's jobs after a cell, for what the cell chained on dropped calls. */
const DRAIN_MS = 100;

const hostThen = Promise.prototype.then;
/** Runs the sandbox's pending jobs: `vm` runs them after every evaluation, under its timeout. */
const PUMP = new vm.Script('undefined');
const CALL = new vm.Script('__rlmFixtureCall()');

/** Thrown (in the host) when a call into the sandbox had to be interrupted. */
class Interrupted extends Error {}

/** One sandbox of a session: a fresh context with the prelude; replaced on a restart. */
interface FixtureSandbox {
  readonly context: vm.Context;
  readonly control: JavaScriptPreludeControl;
  /** Aborts the host calls in flight and forgets them. */
  readonly calls: Set<AbortController>;
  /** What the host's `Error.prepareStackTrace` was before the sandbox could set it (`hostCallSites`). */
  restoreHostHook(): void;
}

/** What ended a cell's wait. */
type Outcome =
  | { readonly kind: 'value'; readonly value: unknown }
  | { readonly kind: 'thrown'; readonly thrown: unknown }
  | { readonly kind: 'timeout'; readonly interrupted: boolean }
  | { readonly kind: 'aborted' }
  | { readonly kind: 'disposed' };

/**
 * The fixture environment, with the given holes (none: as sound as this fixture can be). See the top
 * of this file.
 */
export function createFixtureEnvironment(holeList: readonly FixtureHole[] = []): ReplEnvironment {
  const holes: ReadonlySet<FixtureHole> = new Set(holeList);
  return {
    specificationVersion: 'v1',
    environmentId: holes.size === 0 ? 'security-fixture' : `security-fixture(${[...holes].join(', ')})`,
    language: 'javascript',
    async createSession(options) {
      return createFixtureSession(options, holes);
    },
  };
}

function createFixtureSession(options: ReplSessionOptions, holes: ReadonlySet<FixtureHole>): ReplSession {
  const { context, hostFunctions } = options;
  let disposed = false;
  /** Ends the running cell's wait (a timeout, an interrupted job run, dispose). */
  let endWait: ((outcome: Outcome) => void) | undefined;
  /** When the running cell must stop, in `performance.now()` time. */
  let deadline = 0;
  let queue: Promise<unknown> = Promise.resolve();
  /** Cells of the buffer check answered so far (see `BUFFER_CELL_PREFIX`). */
  let bufferCells = 0;

  const remaining = () => Math.max(1, Math.ceil(deadline - performance.now()));

  /** Runs `run` inside the sandbox's `vm` evaluation, so that its timeout interrupts what it calls. */
  const callInside = <T>(sandbox: FixtureSandbox, run: () => T, timeoutMs: number): T => {
    let result: T | undefined;
    Object.defineProperty(sandbox.context, '__rlmFixtureCall', {
      configurable: true,
      value: () => {
        result = run();
      },
    });
    try {
      CALL.runInContext(sandbox.context, { timeout: timeoutMs });
    } catch (error) {
      if (isTimeout(error)) throw new Interrupted('interrupted');
      throw error;
    } finally {
      delete (sandbox.context as Record<string, unknown>).__rlmFixtureCall;
    }
    return result as T;
  };

  /** Runs the sandbox's pending jobs under the running cell's deadline. */
  const pump = (sandbox: FixtureSandbox) => {
    if (disposed || sandbox !== current) return;
    try {
      PUMP.runInContext(sandbox.context, { timeout: endWait ? remaining() : DRAIN_MS });
    } catch (error) {
      if (!isTimeout(error)) throw error;
      if (endWait) endWait({ kind: 'timeout', interrupted: true });
      else broken = true;
    }
  };
  /** Set when jobs of an ended cell had to be interrupted: the next cell starts on a new sandbox. */
  let broken = false;
  const BROKEN_BETWEEN_CELLS =
    'Work an earlier cell left behind had to be interrupted, so the sandbox was restarted: every variable is gone.';

  const createSandbox = (): FixtureSandbox => {
    // A null prototype: `globalThis.constructor` of a context made from `{}` is the host's `Object`.
    const sandboxContext = vm.createContext(Object.create(null), { microtaskMode: 'afterEvaluate' });
    const SandboxPromise = vm.runInContext('Promise', sandboxContext) as PromiseConstructor;
    silenceUnhandledRejectionsOf(SandboxPromise.prototype);
    const sandboxJson = vm.runInContext('JSON', sandboxContext) as JSON;
    const sandboxJsonParse = sandboxJson.parse;
    const calls = new Set<AbortController>();
    const originalHostHook = Error.prepareStackTrace;
    const sandbox: FixtureSandbox = {
      context: sandboxContext,
      control: undefined as unknown as JavaScriptPreludeControl,
      calls,
      restoreHostHook() {
        if (holes.has('hostCallSites')) Error.prepareStackTrace = originalHostHook;
      },
    };
    const messageOf = (error: unknown) => {
      // The hole: "logs" the host error's stack, which runs the host's hook, which the sandbox set.
      if (holes.has('hostCallSites') && error instanceof Error) void String(error.stack);
      return error instanceof Error ? error.message : String(error);
    };
    /** Starts host function `name`; `settle` gets its JSON text or its error's message. */
    /** Starts host function `name`; `settle` gets its JSON text or its error's message. */
    const startHostCall = (
      name: string,
      args: unknown,
      settle: (outcome: { json: string } | { message: string }) => void,
      /** Whether the call belongs to its cell (dropped and aborted when the cell ends). */
      ofTheCell = true,
    ) => {
      const hostFunction = hostFunctions[name];
      if (!hostFunction) {
        settle({ message: `There is no host function ${name}.` });
        return;
      }
      const controller = new AbortController();
      if (ofTheCell) calls.add(controller);
      Promise.resolve()
        .then(() => hostFunction(args as JsonValue[], { signal: controller.signal }))
        .then(
          (result) => ({ json: result === undefined ? '' : JSON.stringify(result) }),
          (error: unknown) => ({ message: messageOf(error) }),
        )
        .then((outcome) => {
          if ((ofTheCell && !calls.delete(controller)) || disposed) return;
          settle(outcome);
          setImmediate(() => pump(sandbox));
        });
    };
    const bridge = {
      hostCall(name: string, argsJson: string): Promise<string> {
        return new SandboxPromise<string>((resolve, reject) => {
          const args = holes.has('argumentsInSandboxRealm')
            ? sandboxJsonParse(argsJson)
            : JSON.parse(argsJson);
          // A replaced toJSON can turn the list into anything: the host side refuses what is not a list.
          if (!Array.isArray(args)) {
            reject(`${name}: the arguments did not arrive as a list.`);
            return;
          }
          startHostCall(name, args, (outcome) => {
            if ('json' in outcome) resolve(outcome.json);
            else reject(outcome.message);
          });
        });
      },
    };
    const prelude = vm.runInContext(JAVASCRIPT_PRELUDE_SOURCE, sandboxContext) as JavaScriptPrelude;
    const ownFunctions = holes.has('hostFunctionsOfTheHost') || holes.has('hostObjectsInResults');
    // Saved before the prelude removes them, for the hole `engineDeferredWork`.
    const deferredWorkGlobals = vm.runInContext(
      '({ FinalizationRegistry, WebAssembly, wait: Atomics.wait, waitAsync: Atomics.waitAsync })',
      sandboxContext,
    ) as Record<string, unknown>;
    const control = prelude(bridge, {
      ...(holes.has('ungatedHostCalls')
        ? { maxHostCallsInFlight: Number.MAX_SAFE_INTEGER, maxHostCallCharsInFlight: Number.MAX_SAFE_INTEGER }
        : {}),
      hostFunctionNames: ownFunctions ? [] : Object.keys(hostFunctions),
      ...(holes.has('contextByReference') ? { context } : { contextJson: JSON.stringify(context) }),
    });
    (sandbox as { control: JavaScriptPreludeControl }).control = control;
    if (holes.has('engineDeferredWork')) {
      vm.runInContext(
        '(saved) => { globalThis.FinalizationRegistry = saved.FinalizationRegistry; globalThis.WebAssembly = saved.WebAssembly; Atomics.wait = saved.wait; Atomics.waitAsync = saved.waitAsync; }',
        sandboxContext,
      )(deferredWorkGlobals);
    }
    if (holes.has('sharedStorage')) {
      (sandboxContext as Record<string, unknown>).localStorage = {
        setItem: (key: string, value: string) => sharedStore.set(String(key), String(value)),
        getItem: (key: string) => sharedStore.get(String(key)) ?? null,
      };
    }
    if (holes.has('hostObjectsInResults')) {
      const call = (name: string, argsJson: string) =>
        new SandboxPromise((resolve, reject) => {
          startHostCall(name, JSON.parse(argsJson), (outcome) => {
            // The hole: parsed by the host, so the cell gets the host's objects.
            if ('json' in outcome) resolve(outcome.json === '' ? undefined : JSON.parse(outcome.json));
            else reject(outcome.message);
          });
        });
      const makeFunction = vm.runInContext(
        '(name, call) => ({ [name]: function (...args) { return call(name, JSON.stringify(args)); } })[name]',
        sandboxContext,
      ) as (name: string, call: (name: string, argsJson: string) => Promise<unknown>) => unknown;
      for (const name of Object.keys(hostFunctions)) {
        (sandboxContext as Record<string, unknown>)[name] = makeFunction(name, call);
      }
    } else if (ownFunctions) {
      for (const name of Object.keys(hostFunctions)) {
        (sandboxContext as Record<string, unknown>)[name] = (...args: unknown[]) => {
          const promise = new Promise((resolve, reject) => {
            const argsJson = JSON.stringify(args);
            startHostCall(
              name,
              JSON.parse(argsJson),
              (outcome) => {
                if ('json' in outcome)
                  resolve(outcome.json === '' ? undefined : sandboxJsonParse(outcome.json));
                else reject(new Error(outcome.message));
              },
              false,
            );
          });
          // The sandbox's reactions to a host promise need the sandbox's jobs run once it settles.
          const pumpSoon = () => setImmediate(() => pump(sandbox));
          promise.then(pumpSoon, pumpSoon);
          return promise;
        };
      }
    }
    if (holes.has('hostCallSites')) {
      let hook: unknown;
      const SandboxError = vm.runInContext('Error', sandboxContext) as ErrorConstructor;
      Object.defineProperty(SandboxError, 'prepareStackTrace', {
        configurable: true,
        get: () => hook,
        set(value: unknown) {
          hook = value;
          Error.prepareStackTrace =
            typeof value === 'function' ? (error, sites) => value(error, sites) : originalHostHook;
        },
      });
    }
    return sandbox;
  };

  let current: FixtureSandbox = createSandbox();

  const restart = () => {
    current.restoreHostHook();
    for (const call of current.calls) call.abort();
    current = createSandbox();
    broken = false;
  };

  const runCellNow = async (
    code: string,
    timeoutMs: number,
    maxOutputChars: number,
    signal?: AbortSignal,
  ): Promise<CellResult> => {
    const disposedError = () =>
      holes.has('disposeBreaksCells')
        ? new TypeError("Cannot read properties of null (reading 'runInContext')")
        : new Error('This fixture session was disposed; create a new session to run more cells.');
    if (disposed) throw disposedError();
    const startedAt = performance.now();
    const durationMs = () => performance.now() - startedAt;
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
    const restartedBefore = broken;
    if (broken) restart();
    const bomb = ALLOCATION_BOMBS.find((candidate) => candidate.code === code);
    if (bomb) {
      if (holes.has('memoryErrorsAsRangeErrors')) {
        const error: CellError = { kind: 'runtime', name: 'RangeError', message: 'Invalid string length' };
        return { stdout: '', stderr: '', droppedOutputChars: 0, error, durationMs: durationMs() };
      }
      restart();
      const message =
        'The sandbox ran out of memory (the fixture answers allocation bombs without running them).';
      return {
        stdout: '',
        stderr: '',
        droppedOutputChars: 0,
        error: { kind: 'memory', name: 'RangeError', message },
        durationMs: durationMs(),
        stateLost: `${message} It was restarted: every variable is gone.`,
      };
    }

    if (code.startsWith(BUFFER_CELL_PREFIX)) {
      // Buffers of 256 MiB would land in the host's own heap: answered without running them, as
      // an environment with a memory limit does, or (the hole) as one that does not count them.
      bufferCells++;
      if (holes.has('uncountedBuffers')) {
        return {
          stdout: '',
          stderr: '',
          droppedOutputChars: 0,
          value: `"held ${bufferCells}"`,
          durationMs: durationMs(),
        };
      }
      const message =
        'Array buffer allocation failed (the fixture answers 256 MiB buffers without allocating them).';
      return {
        stdout: '',
        stderr: '',
        droppedOutputChars: 0,
        error: { kind: 'memory', name: 'RangeError', message },
        durationMs: durationMs(),
      };
    }
    const sandbox = current;
    deadline = startedAt + timeoutMs + (holes.has('lateStop') ? LATE_STOP_MS : 0);
    const cap = holes.has('uncappedOutput') ? Number.MAX_SAFE_INTEGER : maxOutputChars;
    let outcome: Outcome;
    let timer: NodeJS.Timeout | undefined;
    const onAbort = () => endWait?.({ kind: 'aborted' });
    try {
      // The prelude's own bookkeeping runs no code of the cell: called directly.
      sandbox.control.beginCell(cap);
      const waited = new Promise<Outcome>((resolve) => {
        endWait = resolve;
        timer = setTimeout(() => resolve({ kind: 'timeout', interrupted: false }), remaining());
      });
      if (signal?.aborted) onAbort();
      else signal?.addEventListener('abort', onAbort, { once: true });
      const completion = vm.runInContext(rewritten.code, sandbox.context, {
        filename: 'cell.js',
        timeout: remaining(),
      }) as Promise<unknown>;
      Reflect.apply(hostThen, completion, [
        (value: unknown) => endWait?.({ kind: 'value', value }),
        (thrown: unknown) => endWait?.({ kind: 'thrown', thrown }),
      ]);
      outcome = await waited;
    } catch (error) {
      if (!(error instanceof Interrupted) && !isTimeout(error)) throw error;
      outcome = { kind: 'timeout', interrupted: true };
    } finally {
      endWait = undefined;
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
    }
    if (outcome.kind === 'disposed') {
      sandbox.restoreHostHook();
      if (holes.has('disposeBreaksCells')) throw disposedError();
      return {
        stdout: '',
        stderr: '',
        droppedOutputChars: 0,
        error: { kind: 'aborted', name: 'Error', message: 'The session was disposed while the cell ran.' },
        durationMs: durationMs(),
      };
    }

    const textLimit = Math.max(maxOutputChars, MIN_TEXT_CHARS);
    let interrupted = outcome.kind === 'timeout' && outcome.interrupted;
    let value: string | undefined;
    let error: CellError | undefined;
    // Describing the value or the error runs the cell's getters: under the cell's deadline too.
    deadline = Math.max(deadline, performance.now() + 1_000);
    try {
      if (outcome.kind === 'value')
        value = callInside(sandbox, () => sandbox.control.formatValue(outcome.value), remaining());
      else if (outcome.kind === 'thrown') error = describeThrown(sandbox, outcome.thrown);
    } catch (caught) {
      if (!(caught instanceof Interrupted)) throw caught;
      interrupted = true;
    }
    if (outcome.kind === 'timeout' || (interrupted && !error)) {
      error = {
        kind: 'timeout',
        name: 'TimeoutError',
        message: `The cell ran past its ${timeoutMs} ms timeout.`,
      };
      value = undefined;
    } else if (outcome.kind === 'aborted') {
      error = { kind: 'aborted', name: 'AbortError', message: 'The cell was aborted.' };
    }

    // The prelude's bookkeeping again, called directly: running the sandbox's jobs here would run
    // what an interrupted cell left queued.
    const text = sandbox.control.endCell();
    const parse = holes.has('liveSandboxJson')
      ? (vm.runInContext('JSON', sandbox.context) as JSON).parse
      : JSON.parse;
    const output = parse(text) as JavaScriptPreludeCellOutput;
    for (const call of sandbox.calls) call.abort();
    sandbox.calls.clear();
    let leftoverInterrupted = false;
    if (!interrupted && !holes.has('noDropCalls')) {
      // What the cell chained on its dropped calls runs now, silenced, under a short deadline; if it
      // has to be interrupted, that is this cell's doing, and this cell says so.
      sandbox.control.dropCalls();
      pump(sandbox);
      leftoverInterrupted = broken;
    }
    sandbox.restoreHostHook();

    let stateLost: string | undefined;
    if (interrupted || (outcome.kind === 'timeout' && holes.has('restartOnTimeout'))) {
      restart();
      stateLost = 'The cell had to be interrupted, so the sandbox was restarted: every variable is gone.';
    } else if (leftoverInterrupted) {
      restart();
      stateLost =
        'What the cell left running on its dropped calls had to be interrupted, so the sandbox was restarted: every variable is gone.';
    } else if (restartedBefore) stateLost = BROKEN_BETWEEN_CELLS;

    const cut = (text: string) => (holes.has('uncappedResultTexts') ? text : text.slice(0, textLimit));
    const carry = (text: string) =>
      holes.has('textsThroughUtf8') ? Buffer.from(text, 'utf8').toString('utf8') : text;
    let stdout = output.stdout;
    if (holes.has('capCountsJson')) {
      const jsonLength = JSON.stringify(stdout).length - 2;
      if (jsonLength > maxOutputChars)
        stdout = stdout.slice(0, Math.floor((maxOutputChars * stdout.length) / jsonLength));
    }
    return {
      stdout: carry(stdout),
      stderr: carry(output.stderr),
      droppedOutputChars: output.droppedOutputChars,
      ...(value !== undefined && !error ? { value: carry(cut(value)) } : {}),
      ...(error
        ? {
            error: {
              ...error,
              name: carry(cut(error.name)),
              message: carry(cut(error.message)),
              ...(error.stack !== undefined ? { stack: carry(cut(error.stack)) } : {}),
            },
          }
        : {}),
      ...(output.final ? { final: { ...output.final, value: carry(output.final.value) } } : {}),
      durationMs: durationMs(),
      ...(stateLost ? { stateLost } : {}),
    };
  };

  /** The error a thrown value becomes, read under the deadline. */
  const describeThrown = (sandbox: FixtureSandbox, thrown: unknown): CellError => {
    const description = callInside(
      sandbox,
      () => {
        if (holes.has('sloppyHostReadsErrors')) readThrownSloppily(thrown);
        return sandbox.control.describeError(thrown);
      },
      remaining(),
    );
    const overflow = /Maximum call stack size exceeded/.test(description.message);
    return {
      kind: overflow && holes.has('stackOverflowAsCrash') ? 'crash' : 'runtime',
      name: description.name,
      message: description.message,
      stack: description.stack,
    };
  };

  return {
    runCell(code, runOptions = {}) {
      const result = queue.then(() =>
        runCellNow(
          code,
          runOptions.timeoutMs ?? 10_000,
          runOptions.maxOutputChars ?? 1_000_000,
          runOptions.signal,
        ),
      );
      queue = result.catch(() => {});
      return result;
    },
    async dispose() {
      if (disposed) return;
      disposed = true;
      for (const call of current.calls) call.abort();
      current.calls.clear();
      endWait?.({ kind: 'disposed' });
      current.restoreHostHook();
      await queue;
    },
  };
}

/** A function of the host's realm in sloppy mode, so that `fn.caller` of what it calls shows it. */
const readThrownSloppily = vm.runInThisContext(
  '(function readThrown(thrown) { try { return [String(thrown.name), String(thrown.message)]; } catch (error) { return []; } })',
) as (thrown: unknown) => string[];

/** `Promise.prototype` of every fixture sandbox made so far. */
const sandboxPromisePrototypes = new WeakSet<object>();
let rejectionFilterInstalled = false;

/**
 * Lets unhandled rejections of a sandbox's promises pass silently, as the prelude's contract asks of
 * an environment (model code may leave a promise rejected on a dropped call). A `node:vm` context
 * shares the host's process, where Node reports them to every `unhandledRejection` listener (the
 * test runner's too) or crashes; so the fixture answers for its own promises before anyone hears of
 * them, and passes every other rejection on unchanged.
 */
function silenceUnhandledRejectionsOf(promisePrototype: object): void {
  sandboxPromisePrototypes.add(promisePrototype);
  if (rejectionFilterInstalled) return;
  rejectionFilterInstalled = true;
  const emit = process.emit;
  const ofASandbox = (promise: unknown) => {
    // Only the sandbox's own objects can have a prototype chain that throws (a Proxy of model code).
    try {
      let prototype = promise !== null && typeof promise === 'object' ? Object.getPrototypeOf(promise) : null;
      for (let depth = 0; prototype !== null && depth < 100; depth++) {
        if (sandboxPromisePrototypes.has(prototype)) return true;
        prototype = Object.getPrototypeOf(prototype);
      }
      return false;
    } catch {
      return true;
    }
  };
  process.emit = function emitUnlessOfASandbox(
    this: NodeJS.Process,
    event: string | symbol,
    ...args: unknown[]
  ) {
    if (event === 'unhandledRejection' && ofASandbox(args[1])) return true;
    return Reflect.apply(emit, this, [event, ...args]) as boolean;
  } as typeof process.emit;
}

function isTimeout(error: unknown): boolean {
  return (error as { code?: unknown } | null)?.code === 'ERR_SCRIPT_EXECUTION_TIMEOUT';
}
