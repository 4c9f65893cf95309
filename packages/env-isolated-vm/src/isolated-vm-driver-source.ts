import {
  DEFAULT_MAX_HOST_CALL_CHARS_IN_FLIGHT,
  DEFAULT_MAX_HOST_CALLS_IN_FLIGHT,
  JAVASCRIPT_REMOVED_GLOBALS,
} from '@rlm/core/environment';

/** How the context value travels into the isolate (see `transferContext`). */
export type ContextTransferKind = 'value' | 'split' | 'json';

/**
 * The functions the driver returns, called by the host through isolated-vm References:
 *
 * - `run(cellId, code, maxOutputChars)`: begins the cell (the prelude's `beginCell`), evaluates the
 *   rewritten cell at global scope and returns at once; when the cell's promise settles, the value is
 *   formatted (or the error described) inside the isolate and `cellSettled(cellId)` tells the host.
 * - `settle(callId, ok, payload)`: settles a host call of the running cell with the JSON text of its
 *   result (`ok`) or the host's error message. Model code awaiting it continues inside this call.
 * - `finish()`: ends the cell (the prelude's `endCell`) and returns its outcome and output as JSON text
 *   (`{ cell: { status, value?, error? }, output }`). The text is also kept for `readFinished()`.
 * - `readFinished()`: the text the last `finish()` produced, or `''`.
 * - `beginDrain()`, then `endDrain()`, after a cell that left host calls running: the first rejects
 *   them inside (the prelude's `beginCell` with an output cap of 0), so that what the cell chained on
 *   them runs now, as the call returns, with its output discarded; the second ends that. Left for the
 *   next cell, those callbacks would run during it and print into its output.
 *
 * Host calls are refused (rejected inside, never reaching the host) whenever no cell is running, so
 * code of an ended cell cannot act, e.g. while draining. Texts leaving the isolate (the value, the
 * error's name, message and stack) are cut to `max(maxOutputChars, 1000)` characters inside, head and
 * tail kept, so a 10 MB error message costs the host nothing.
 *
 * Why the text is kept: isolated-vm fails a whole call into an isolate when model code left a promise
 * rejected without a handler during that call, replacing the call's result by that rejection. The
 * call itself ran; `readFinished` reads what it produced.
 */
export interface IsolatedVMDriverFunctions {
  run(cellId: number, code: string, maxOutputChars: number): void;
  settle(callId: number, ok: boolean, payload: string): void;
  finish(): string;
  readFinished(): string;
  beginDrain(): void;
  endDrain(): void;
}

/** The outcome of a cell as `finish()` reports it. */
export interface DriverCellOutcome {
  /** `threw`: the script failed before it returned its promise (a syntax error V8 found, or a failed declaration). */
  readonly status: 'pending' | 'fulfilled' | 'rejected' | 'threw';
  /** Host calls the cell started that were still running when it ended. */
  readonly pendingCalls: number;
  readonly value?: string;
  readonly error?: { readonly name: string; readonly message: string; readonly stack: string };
}

/**
 * Source of the driver: one function expression evaluated at global scope in a fresh isolate after
 * the prelude and before any model code, and called once with
 * `(prelude, startHostCall, cellSettled, hostFunctionNamesJson, contextKind, contextPayload, separator)`.
 *
 * - `startHostCall(cellId, callId, name, argsJson)` and `cellSettled(cellId)` are host functions
 *   passed as isolated-vm `Callback`s that are invoked asynchronously with their result ignored, so
 *   a host call never blocks the isolate and 16 of them are in flight at once.
 * - Host-call results come back through `settle`, which the host calls with the time left in the
 *   cell as isolated-vm's `timeout`. The code after an `await` runs inside that call (V8 runs the
 *   microtasks when the call returns), so the timeout stops an endless loop after an `await` too,
 *   and the isolate, with every variable, stays usable. (Resolving the promise through isolated-vm's
 *   own `apply(…, { result: { promise: true } })` would run that code with no timeout at all.)
 *
 * Cells are evaluated with an indirect `eval` captured before model code runs: global scope, sloppy
 * mode, as a classic script, and `//# sourceURL=cell-N.js` names the cell in stack traces. Every
 * intrinsic used after setup is captured first, as in the prelude.
 */
export const ISOLATED_VM_DRIVER_SOURCE: string = `(function rlmIsolatedVMDriver(prelude, startHostCall, cellSettled, hostFunctionNamesJson, contextKind, contextPayload, separator) {
  'use strict';
  var indirectEval = eval;
  var FunctionPrototype = Function.prototype;
  var uncurryThis = FunctionPrototype.bind.bind(FunctionPrototype.call);
  var promiseThen = uncurryThis(Promise.prototype.then);
  var stringSplit = uncurryThis(String.prototype.split);
  var stringSlice = uncurryThis(String.prototype.slice);
  var objectKeys = Object.keys;
  var mathCeil = Math.ceil;
  var PromiseCtor = Promise;
  var ErrorCtor = Error;
  var ObjectCreate = Object.create;
  var jsonStringify = JSON.stringify;
  var jsonParse = JSON.parse;
  var global = globalThis;
  var TypeErrorCtor = TypeError;
  var RangeErrorCtor = RangeError;
  var reflectConstruct = Reflect.construct;
  var defineProperty = Object.defineProperty;
  var getOwnPropertyNames = Object.getOwnPropertyNames;
  var getOwnPropertySymbols = Object.getOwnPropertySymbols;
  var getOwnPropertyDescriptor = Object.getOwnPropertyDescriptor;
  var hasOwn = uncurryThis(Object.prototype.hasOwnProperty);
  var arrayJoin = uncurryThis(Array.prototype.join);

  var calls = ObjectCreate(null);
  // What this isolate has handed to the host and not had settled: a backstop behind the prelude's own
  // gate, with the same limits, so that the host never holds more of this session's arguments.
  var maxCallsInFlight = ${DEFAULT_MAX_HOST_CALLS_IN_FLIGHT};
  var maxCharsInFlight = ${DEFAULT_MAX_HOST_CALL_CHARS_IN_FLIGHT};
  var callsInFlight = 0;
  var charsInFlight = 0;
  var nextCallId = 1;
  var cellId = 0;
  var cell = null;
  var finished = '';
  var textLimit = 1000;

  var bridge = ObjectCreate(null);
  bridge.hostCall = function (name, argsJson) {
    if (cell === null) throw new ErrorCtor('The cell that made this call has ended; its calls no longer reach the host.');
    if (typeof name !== 'string' || typeof argsJson !== 'string') throw new TypeErrorCtor('A host call needs a name and its arguments as JSON text.');
    if (callsInFlight >= maxCallsInFlight) {
      throw new RangeErrorCtor(name + ': ' + callsInFlight + ' host calls are already with the host, the most this sandbox allows at once. Await some before starting more.');
    }
    if (argsJson.length > maxCharsInFlight - charsInFlight) {
      throw new RangeErrorCtor(name + ': the arguments are ' + argsJson.length + ' characters of JSON, and ' + charsInFlight + ' are already with the host; at most ' + maxCharsInFlight + ' may be at once. Pass smaller pieces, or await earlier calls first.');
    }
    var id = nextCallId++;
    var call = ObjectCreate(null);
    call.chars = argsJson.length;
    callsInFlight++;
    charsInFlight += call.chars;
    var promise = new PromiseCtor(function (resolve, reject) {
      call.resolve = resolve;
      call.reject = reject;
    });
    calls[id] = call;
    startHostCall(cellId, id, name, argsJson);
    return promise;
  };

  var options = ObjectCreate(null);
  options.hostFunctionNames = jsonParse(hostFunctionNamesJson);
  if (contextKind === 'json') options.contextJson = contextPayload;
  else if (contextKind === 'split') options.context = stringSplit(contextPayload, separator);
  else options.context = contextPayload;
  var control = prelude(bridge, options);

  // Defence in depth behind the prelude, which deletes these too: each lets code schedule work on
  // isolated-vm's task runner that outlives its cell, and one (Atomics.waitAsync with a timeout posts a
  // non-nestable delayed task, which isolated-vm 5 answers with std::terminate) aborts the host process.
  var removedGlobals = ${JSON.stringify(JAVASCRIPT_REMOVED_GLOBALS)};
  for (var r = 0; r < removedGlobals.length; r++) {
    var path = removedGlobals[r];
    var owner = path.length > 1 ? global[path[0]] : global;
    var key = path.length > 1 ? path[1] : path[0];
    if (owner === null || owner === undefined || !hasOwn(owner, key)) continue;
    try { delete owner[key]; } catch (e) {}
    if (hasOwn(owner, key)) {
      throw new TypeErrorCtor('The isolate could not remove ' + arrayJoin(path, '.') + ', which can crash the host process or run code after its cell ended.');
    }
  }

  // A resizable ArrayBuffer or growable SharedArrayBuffer gets its memory from V8's page allocator, not
  // from the ArrayBuffer allocator that isolated-vm counts toward memoryLimit: 4 x 256 MiB of them took
  // the host 1 GB past a 64 MB limit. The constructors refuse maxByteLength; the originals stay unreachable.
  function refuseResizable(name) {
    var Original = global[name];
    if (typeof Original !== 'function') return;
    var prototype = Original.prototype;
    var Refusing = function (length) {
      if (new.target === undefined) throw new TypeErrorCtor('Constructor ' + name + " requires 'new'");
      var bufferOptions = arguments.length > 1 ? arguments[1] : undefined;
      if (bufferOptions !== null && (typeof bufferOptions === 'object' || typeof bufferOptions === 'function') && bufferOptions.maxByteLength !== undefined) {
        throw new RangeErrorCtor(name + ': resizable buffers (the maxByteLength option) are not available in this sandbox, because their memory would not count toward its memory limit. Create a buffer of the size you need, and copy into a bigger one to grow it.');
      }
      return reflectConstruct(Original, [length], new.target);
    };
    var keys = getOwnPropertyNames(Original);
    var symbols = getOwnPropertySymbols(Original);
    for (var s = 0; s < symbols.length; s++) keys[keys.length] = symbols[s];
    for (var k = 0; k < keys.length; k++) {
      if (keys[k] === 'prototype' || keys[k] === 'length' || keys[k] === 'name') continue;
      defineProperty(Refusing, keys[k], getOwnPropertyDescriptor(Original, keys[k]));
    }
    defineProperty(Refusing, 'name', { value: name, configurable: true });
    defineProperty(Refusing, 'length', { value: 1, configurable: true });
    defineProperty(Refusing, 'prototype', { value: prototype, writable: false });
    defineProperty(prototype, 'constructor', { value: Refusing, writable: true, enumerable: false, configurable: true });
    defineProperty(global, name, { value: Refusing, writable: true, enumerable: false, configurable: true });
  }
  refuseResizable('ArrayBuffer');
  refuseResizable('SharedArrayBuffer');

  function cut(text) {
    if (typeof text !== 'string' || text.length <= textLimit) return text;
    var marker = '\\n… [' + text.length + ' characters; the middle was cut] …\\n';
    var budget = textLimit > marker.length ? textLimit - marker.length : 0;
    var head = mathCeil(budget * 0.6);
    return stringSlice(text, 0, head) + marker + stringSlice(text, text.length - (budget - head));
  }

  function describe(error) {
    try {
      var description = control.describeError(error);
      description.name = cut(description.name);
      description.message = cut(description.message);
      description.stack = cut(description.stack);
      return description;
    } catch (e) {
      var fallback = ObjectCreate(null);
      fallback.name = 'Error';
      fallback.message = 'The cell threw a value that could not be described.';
      fallback.stack = 'Error: ' + fallback.message;
      return fallback;
    }
  }

  function format(value) {
    try {
      return cut(control.formatValue(value));
    } catch (e) {
      return '[a value that could not be displayed]';
    }
  }

  var driver = ObjectCreate(null);
  driver.run = function (id, code, maxOutputChars) {
    // Calls of earlier cells are never settled again: the prelude rejects them at beginCell.
    calls = ObjectCreate(null);
    callsInFlight = 0;
    charsInFlight = 0;
    cellId = id;
    finished = '';
    textLimit = maxOutputChars > 1000 ? maxOutputChars : 1000;
    var state = ObjectCreate(null);
    state.status = 'pending';
    cell = state;
    control.beginCell(maxOutputChars);
    var settleCell = function (status, field, value) {
      if (cell !== state || state.status !== 'pending') return;
      state.status = status;
      state[field] = value;
      cellSettled(id);
    };
    var promise;
    try {
      promise = indirectEval(code);
    } catch (error) {
      settleCell('threw', 'error', describe(error));
      return;
    }
    try {
      promiseThen(promise, function (value) {
        settleCell('fulfilled', 'value', format(value));
      }, function (error) {
        settleCell('rejected', 'error', describe(error));
      });
    } catch (error) {
      settleCell('rejected', 'error', describe(error));
    }
  };
  driver.settle = function (id, ok, payload) {
    var call = calls[id];
    if (!call) return;
    delete calls[id];
    callsInFlight--;
    charsInFlight -= call.chars;
    if (ok) call.resolve(payload);
    else call.reject(new ErrorCtor(payload));
  };
  driver.finish = function () {
    var state = cell;
    cell = null;
    var outcome = ObjectCreate(null);
    outcome.status = state ? state.status : 'pending';
    outcome.pendingCalls = objectKeys(calls).length;
    if (state && state.value !== undefined) outcome.value = state.value;
    if (state && state.error) outcome.error = state.error;
    calls = ObjectCreate(null);
    callsInFlight = 0;
    charsInFlight = 0;
    finished = '{"cell":' + jsonStringify(outcome) + ',"output":' + control.endCell() + '}';
    return finished;
  };
  driver.beginDrain = function () {
    control.dropCalls();
  };
  driver.endDrain = function () {};
  driver.readFinished = function () {
    return finished;
  };
  return driver;
})`;
