import type { FinalAnswer } from '../environment/repl-environment';

/**
 * The one primitive a JavaScript environment must provide to the prelude.
 *
 * `hostCall` starts the host function `name` with the JSON text of its argument list and returns a
 * promise *of the sandbox* that settles when the host answers:
 * - fulfilled with the JSON text of the result, or with `''` when the host function returned
 *   `undefined`;
 * - rejected with a value whose `message` (or which itself, when a string) is the host's message.
 *
 * Every call must start at once, without waiting for earlier calls: this is what makes
 * `await Promise.all([llm_query(a), llm_query(b)])` run both queries concurrently. The prelude calls
 * `hostCall` as a plain function (no `this`); it reads it once, at start.
 */
export interface JavaScriptPreludeBridge {
  hostCall(name: string, argsJson: string): Promise<string>;
}

/** What the environment passes to the prelude, once per session. */
export interface JavaScriptPreludeOptions {
  /** Names of the host functions to define as globals (`llm_query`, `rlm_query`, tools, …). */
  readonly hostFunctionNames: readonly string[];
  /**
   * The value of `context`, passed as it is. Environments that can share a string without copying
   * it (QuickJS) pass a string context here.
   */
  readonly context?: unknown;
  /** The JSON text of `context`; when present it wins over `context` and is parsed once, inside. */
  readonly contextJson?: string;
  /**
   * The most host calls handed to the bridge at once; later ones wait, in order, inside the sandbox
   * (where the sandbox's memory limit counts them). Default {@link DEFAULT_MAX_HOST_CALLS_IN_FLIGHT}.
   */
  readonly maxHostCallsInFlight?: number;
  /**
   * The most characters of argument JSON handed to the bridge at once: what the host may have to hold
   * of this session's calls. A call whose arguments alone are longer is refused at once with an error
   * saying so. Default {@link DEFAULT_MAX_HOST_CALL_CHARS_IN_FLIGHT}.
   */
  readonly maxHostCallCharsInFlight?: number;
}

/**
 * How many host calls one session hands to the host at once by default. The loop runs at most 16
 * sub-calls concurrently anyway; the rest of a `Promise.all` of thousands waits inside the sandbox, so
 * a flood of calls costs the host nothing until each one's turn comes.
 */
export const DEFAULT_MAX_HOST_CALLS_IN_FLIGHT = 32;

/**
 * How many characters of argument JSON one session hands to the host at once by default: 64 Mi, room
 * for a whole 10M-token context in one `llm_query_batched` or `rlm_query`, while a cell that starts a
 * dozen 40 MB calls makes them take turns instead of filling the host's heap.
 */
export const DEFAULT_MAX_HOST_CALL_CHARS_IN_FLIGHT = 64 * 1024 * 1024;

/**
 * Globals the prelude deletes before any model code runs, as `[object, property]` paths from the
 * global object. Each one lets code schedule work that runs after its cell ended, outside the cell's
 * time limit and the environment's control (finalizer callbacks, `Atomics.waitAsync` wake-ups,
 * WebAssembly's background compilation), or allocate memory no sandbox limit counts
 * (`WebAssembly.Memory`); `Atomics.wait` blocks a thread, of which a sandbox has exactly one. In
 * isolated-vm one of them (`Atomics.waitAsync` with a timeout) aborted the whole host process. Model
 * code has no use for any of them.
 */
export const JAVASCRIPT_REMOVED_GLOBALS: readonly (readonly [string, string?])[] = [
  ['WebAssembly'],
  ['FinalizationRegistry'],
  ['Atomics', 'wait'],
  ['Atomics', 'waitAsync'],
];

/** What the prelude reports about a thrown value; every field is a string, even for `throw 42`. */
export interface JavaScriptPreludeErrorDescription {
  readonly name: string;
  readonly message: string;
  /** Starts with `Name: message`, then the engine's frames (QuickJS's own stacks lack that first line). */
  readonly stack: string;
}

/** The parsed result of {@link JavaScriptPreludeControl.endCell}. */
export interface JavaScriptPreludeCellOutput {
  readonly stdout: string;
  readonly stderr: string;
  readonly droppedOutputChars: number;
  readonly final: FinalAnswer | null;
}

/**
 * The object the prelude returns. The environment keeps it privately (it is never a global, so model
 * code cannot reach or replace it) and calls it around every cell:
 *
 * 1. `beginCell(maxOutputChars)` before evaluating the cell: resets output and `final`, and rejects
 *    host calls a previous cell left running (their results are dropped; see below).
 * 2. evaluate the rewritten cell and wait for its promise, settling host calls as the host answers;
 * 3. `formatValue(value)` on a fulfilled cell's value, or `describeError(reason)` on a rejection;
 * 4. `endCell()`: returns the cell's output as JSON text ({@link JavaScriptPreludeCellOutput}) and
 *    restores every reserved name the cell overwrote.
 *
 * 5. `dropCalls()` when the cell left host calls running or waiting: see below.
 *
 * `endCell` must be called even when the cell timed out or failed, before the next `beginCell`.
 * Nothing of an ended cell may act in a later one. From `endCell` until the next `beginCell` no cell
 * is running: output is discarded, `FINAL`/`FINAL_VAR` do nothing, and a host function returns a
 * promise that never settles without reaching the bridge (so code that re-arms itself on a failed
 * call stops instead of spinning). Host calls still running or waiting at `endCell` are dropped:
 * their results are ignored if they arrive, and `dropCalls()` rejects their promises with an error
 * saying so (marked as handled, so an unhandled-rejection hook, as in Deno, does not fire for them).
 * The environment calls `dropCalls()` right after `endCell` and then runs the sandbox's pending jobs
 * under a short deadline, so that what the cell chained on those calls runs at once, silenced,
 * instead of during the next cell. (`beginCell` also rejects leftovers, for environments that do not.)
 * Promises model code derives from them may still reject unhandled: an environment must let
 * unhandled rejections inside the sandbox pass silently, never crash on them.
 */
export interface JavaScriptPreludeControl {
  beginCell(maxOutputChars: number): void;
  /** JSON text of a {@link JavaScriptPreludeCellOutput}. */
  endCell(): string;
  /**
   * Rejects the host calls that the ended cell left running or waiting, and returns how many there
   * were. Call it after `endCell`, then run pending jobs (with a deadline) before the next cell.
   */
  dropCalls(): number;
  /** A display string for a cell's last value (strings quoted); `undefined` for `undefined`. */
  formatValue(value: unknown): string | undefined;
  describeError(error: unknown): JavaScriptPreludeErrorDescription;
}

/** The prelude's type once evaluated: call it once per session. */
export type JavaScriptPrelude = (
  bridge: JavaScriptPreludeBridge,
  options: JavaScriptPreludeOptions,
) => JavaScriptPreludeControl;

/** Globals the prelude defines besides the host functions. They and the host functions are reserved. */
export const JAVASCRIPT_RESERVED_NAMES: readonly string[] = [
  'context',
  'FINAL',
  'FINAL_VAR',
  'SHOW_VARS',
  'console',
];

/**
 * The source of the prelude every JavaScript environment evaluates inside its sandbox, so that
 * `context`, the host functions, `FINAL`, `FINAL_VAR`, `SHOW_VARS` and `console` behave the same
 * in every environment (QuickJS, isolated-vm, Deno).
 *
 * The source is one function expression ({@link JavaScriptPrelude}). An environment:
 * 1. evaluates it at global scope in a fresh sandbox, before any model code runs, and takes the
 *    function it evaluates to;
 * 2. calls it once with a {@link JavaScriptPreludeBridge} and {@link JavaScriptPreludeOptions};
 * 3. keeps the returned {@link JavaScriptPreludeControl} privately and drives each cell with it.
 *
 * Guarantees the prelude gives, whatever model code does afterwards:
 * - It captures every intrinsic it uses (`JSON`, `Promise`, `Object`, `String` methods, …) when it
 *   starts, and never iterates with the (replaceable) iterator protocol, so overwriting globals or
 *   their prototype methods does not break it.
 * - Reserved names are non-configurable accessors on the global object. Assigning one (`context = 1`,
 *   `var FINAL = …`, `llm_query = undefined`) takes effect for the rest of the cell only; `endCell`
 *   restores the originals. They cannot be deleted or redefined. `console` is a fresh object in every
 *   cell, so replacing its methods does not outlive the cell. Mutating the context's contents (for
 *   a JSON context) is not undone.
 * - Output is capped at `maxOutputChars` (stdout plus stderr) *inside* the sandbox; the rest is only
 *   counted, so an output flood costs the host nothing.
 * - Host function wrappers are async: they JSON the arguments (trailing `undefined`s dropped), call
 *   the bridge, and parse the result; a rejection becomes an `Error` with the host's message.
 * - At most `maxHostCallsInFlight` calls and `maxHostCallCharsInFlight` characters of arguments are
 *   with the host at once; the rest wait in order inside the sandbox. A flood of calls therefore
 *   cannot flood the host's event loop or heap.
 * - The globals in {@link JAVASCRIPT_REMOVED_GLOBALS} are deleted before model code runs.
 */
export const JAVASCRIPT_PRELUDE_SOURCE: string = String.raw`(function rlmJavaScriptPrelude(bridge, options) {
  'use strict';
  var global = globalThis;
  var hostCall = bridge.hostCall;
  var FunctionPrototype = Function.prototype;
  var uncurryThis = FunctionPrototype.bind.bind(FunctionPrototype.call);
  var apply = Reflect.apply;
  var ObjectCreate = Object.create;
  var defineProperty = Object.defineProperty;
  var getOwnPropertyNames = Object.getOwnPropertyNames;
  var getOwnPropertyDescriptor = Object.getOwnPropertyDescriptor;
  var getPrototypeOf = Object.getPrototypeOf;
  var objectKeys = Object.keys;
  var hasOwn = uncurryThis(Object.prototype.hasOwnProperty);
  var objectToString = uncurryThis(Object.prototype.toString);
  var isArray = Array.isArray;
  var jsonStringify = JSON.stringify;
  var jsonParse = JSON.parse;
  var StringCtor = String;
  var stringSlice = uncurryThis(String.prototype.slice);
  var stringIndexOf = uncurryThis(String.prototype.indexOf);
  var stringStartsWith = uncurryThis(String.prototype.startsWith);
  var regExpTest = uncurryThis(RegExp.prototype.test);
  var arrayJoin = uncurryThis(Array.prototype.join);
  var arraySort = uncurryThis(Array.prototype.sort);
  var arraySlice = uncurryThis(Array.prototype.slice);
  var functionToString = uncurryThis(FunctionPrototype.toString);
  var numberToString = uncurryThis(Number.prototype.toString);
  var symbolToString = uncurryThis(Symbol.prototype.toString);
  var bigintToString = typeof BigInt === 'function' ? uncurryThis(BigInt.prototype.toString) : null;
  var dateToISOString = uncurryThis(Date.prototype.toISOString);
  var dateGetTime = uncurryThis(Date.prototype.getTime);
  var regExpToString = uncurryThis(RegExp.prototype.toString);
  var PromiseCtor = Promise;
  var promiseThen = uncurryThis(Promise.prototype.then);
  var ErrorCtor = Error;
  var TypeErrorCtor = TypeError;
  var RangeErrorCtor = RangeError;
  var MapCtor = Map;
  var SetCtor = Set;
  var mapForEach = uncurryThis(Map.prototype.forEach);
  var setForEach = uncurryThis(Set.prototype.forEach);
  var mapSize = uncurryThis(getOwnPropertyDescriptor(Map.prototype, 'size').get);
  var setSize = uncurryThis(getOwnPropertyDescriptor(Set.prototype, 'size').get);
  var TypedArrayPrototype = getPrototypeOf(Uint8Array.prototype);
  var typedArrayLength = uncurryThis(getOwnPropertyDescriptor(TypedArrayPrototype, 'length').get);
  var typedArrayTag = uncurryThis(getOwnPropertyDescriptor(TypedArrayPrototype, Symbol.toStringTag).get);
  var identifierPattern = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

  var MAX_DEPTH = 3;
  var MAX_ITEMS = 100;
  var MAX_NESTED_STRING = 10000;

  var reservedNames = ${JSON.stringify(JAVASCRIPT_RESERVED_NAMES)};
  var hostFunctionNames = options.hostFunctionNames;
  var removedGlobals = ${JSON.stringify(JAVASCRIPT_REMOVED_GLOBALS)};
  for (var rg = 0; rg < removedGlobals.length; rg++) {
    var path = removedGlobals[rg];
    var owner = path.length > 1 ? global[path[0]] : global;
    var key = path.length > 1 ? path[1] : path[0];
    if (owner === null || owner === undefined || !hasOwn(owner, key)) continue;
    var removed = false;
    try { removed = delete owner[key]; } catch (e) {}
    if (!removed || hasOwn(owner, key)) {
      throw new TypeErrorCtor('The sandbox could not remove ' + arrayJoin(path, '.') + ', which lets code outlive its cell.');
    }
  }
  var maxCallsInFlight = positiveOption(options.maxHostCallsInFlight, ${DEFAULT_MAX_HOST_CALLS_IN_FLIGHT});
  var maxCharsInFlight = positiveOption(options.maxHostCallCharsInFlight, ${DEFAULT_MAX_HOST_CALL_CHARS_IN_FLIGHT});
  function positiveOption(value, fallback) {
    return typeof value === 'number' && value >= 1 && value <= 9007199254740991 ? value : fallback;
  }
  var baselineGlobals = ObjectCreate(null);
  var initialGlobals = getOwnPropertyNames(global);
  for (var g = 0; g < initialGlobals.length; g++) baselineGlobals[initialGlobals[g]] = true;

  var contextValue = typeof options.contextJson === 'string' ? jsonParse(options.contextJson) : options.context;

  // ---- state of the current cell ----
  var cellRunning = false;
  var maxOutputChars = 1000000;
  var usedOutputChars = 0;
  var droppedOutputChars = 0;
  var stdoutParts = [];
  var stderrParts = [];
  var finalAnswer = null;
  var overrides = ObjectCreate(null);
  // Calls with the host, by id (at most maxCallsInFlight of them); waiting calls are only in \`waiting\`.
  var startedCalls = ObjectCreate(null);
  var nextCallId = 1;
  var noop = function () {};
  // Calls waiting for their turn (FIFO: a list and the index of its head) and what is with the host.
  var waiting = [];
  var waitingHead = 0;
  var callsInFlight = 0;
  var charsInFlight = 0;
  var neverSettles = null;

  function push(list, item) { list[list.length] = item; }

  // ---- formatting ----
  function quote(text) {
    if (text.length > MAX_NESTED_STRING) {
      return jsonStringify(stringSlice(text, 0, MAX_NESTED_STRING)) + '... ' + (text.length - MAX_NESTED_STRING) + ' more characters';
    }
    return jsonStringify(text);
  }

  function formatKey(key) {
    return regExpTest(identifierPattern, key) ? key : jsonStringify(key);
  }

  function constructorName(value) {
    try {
      var proto = getPrototypeOf(value);
      if (proto === null) return '[Object: null prototype]';
      var descriptor = getOwnPropertyDescriptor(proto, 'constructor');
      var ctor = descriptor && descriptor.value;
      if (typeof ctor === 'function') {
        var nameDescriptor = getOwnPropertyDescriptor(ctor, 'name');
        if (nameDescriptor && typeof nameDescriptor.value === 'string') return nameDescriptor.value;
      }
    } catch (e) {}
    return '';
  }

  function isError(value) {
    if (value instanceof ErrorCtor) return true;
    try { return objectToString(value) === '[object Error]'; } catch (e) { return false; }
  }

  function readProperty(object, key) {
    var descriptor = getOwnPropertyDescriptor(object, key);
    if (!descriptor) return undefined;
    return 'value' in descriptor ? descriptor.value : undefined;
  }

  function errorStack(error) {
    var name, message, stack;
    try { name = StringCtor(error.name); } catch (e) { name = 'Error'; }
    try { message = StringCtor(error.message); } catch (e) { message = ''; }
    try { stack = typeof error.stack === 'string' ? error.stack : ''; } catch (e) { stack = ''; }
    var header = message ? name + ': ' + message : name;
    if (stringStartsWith(stack, header)) return stack;
    return stack ? header + '\n' + stack : header;
  }

  function formatNumber(value) {
    if (value === 0 && 1 / value < 0) return '-0';
    return numberToString(value);
  }

  function formatFunction(value) {
    var name = '';
    try { name = readProperty(value, 'name') || ''; } catch (e) {}
    var source = '';
    try { source = functionToString(value); } catch (e) {}
    if (stringStartsWith(source, 'class')) return '[class ' + (name || '(anonymous)') + ']';
    return name ? '[Function: ' + name + ']' : '[Function (anonymous)]';
  }

  function indent(text, depth) {
    var pad = '';
    for (var i = 0; i < depth; i++) pad += '  ';
    return pad + text;
  }

  function wrapParts(open, parts, close, depth, extra) {
    if (parts.length === 0) return open + close;
    var total = 0;
    for (var i = 0; i < parts.length; i++) total += parts[i].length + 2;
    var multiline = total > 72;
    for (var j = 0; j < parts.length && !multiline; j++) if (stringIndexOf(parts[j], '\n') !== -1) multiline = true;
    if (extra) push(parts, extra);
    if (!multiline) return open + ' ' + arrayJoin(parts, ', ') + ' ' + close;
    var lines = [];
    for (var k = 0; k < parts.length; k++) push(lines, indent(parts[k], depth + 1));
    return open + '\n' + arrayJoin(lines, ',\n') + '\n' + indent(close, depth);
  }

  function formatInner(value, depth, seen) {
    switch (typeof value) {
      case 'string': return quote(value);
      case 'number': return formatNumber(value);
      case 'bigint': return bigintToString(value) + 'n';
      case 'boolean': return value ? 'true' : 'false';
      case 'undefined': return 'undefined';
      case 'symbol': return symbolToString(value);
      case 'function': return formatFunction(value);
    }
    if (value === null) return 'null';
    for (var s = 0; s < seen.length; s++) if (seen[s] === value) return '[Circular]';
    try {
      if (isError(value)) return errorStack(value);
      if (value instanceof Date) {
        var time = dateGetTime(value);
        return time === time ? dateToISOString(value) : 'Invalid Date';
      }
      if (value instanceof RegExp) return regExpToString(value);
      if (value instanceof PromiseCtor) return 'Promise { <not awaited> }';
      var name = constructorName(value);
      var parts = [];
      var more = '';
      push(seen, value);
      try {
        if (isArray(value)) {
          if (depth >= MAX_DEPTH) return '[Array(' + value.length + ')]';
          var shown = value.length < MAX_ITEMS ? value.length : MAX_ITEMS;
          for (var i = 0; i < shown; i++) {
            push(parts, hasOwn(value, i) ? formatInner(readProperty(value, i), depth + 1, seen) : '<empty>');
          }
          if (value.length > shown) more = '... ' + (value.length - shown) + ' more items';
          return wrapParts((name && name !== 'Array' ? name + '(' + value.length + ') ' : '') + '[', parts, ']', depth, more);
        }
        if (value instanceof MapCtor) {
          var mapCount = mapSize(value);
          if (depth >= MAX_DEPTH) return '[Map(' + mapCount + ')]';
          mapForEach(value, function (entryValue, entryKey) {
            if (parts.length < MAX_ITEMS) push(parts, formatInner(entryKey, depth + 1, seen) + ' => ' + formatInner(entryValue, depth + 1, seen));
          });
          if (mapCount > MAX_ITEMS) more = '... ' + (mapCount - MAX_ITEMS) + ' more entries';
          return wrapParts('Map(' + mapCount + ') {', parts, '}', depth, more);
        }
        if (value instanceof SetCtor) {
          var setCount = setSize(value);
          if (depth >= MAX_DEPTH) return '[Set(' + setCount + ')]';
          setForEach(value, function (entry) {
            if (parts.length < MAX_ITEMS) push(parts, formatInner(entry, depth + 1, seen));
          });
          if (setCount > MAX_ITEMS) more = '... ' + (setCount - MAX_ITEMS) + ' more entries';
          return wrapParts('Set(' + setCount + ') {', parts, '}', depth, more);
        }
        var tag;
        try { tag = typedArrayTag(value); } catch (e) { tag = undefined; }
        if (tag) {
          var length = typedArrayLength(value);
          var shownTyped = length < MAX_ITEMS ? length : MAX_ITEMS;
          for (var t = 0; t < shownTyped; t++) push(parts, formatInner(value[t], depth + 1, seen));
          if (length > shownTyped) more = '... ' + (length - shownTyped) + ' more items';
          return wrapParts(tag + '(' + length + ') [', parts, ']', depth, more);
        }
        var prefix = name && name !== 'Object' ? name + ' ' : '';
        var keys = objectKeys(value);
        if (depth >= MAX_DEPTH) return keys.length ? '[' + (name || 'Object') + ']' : prefix + '{}';
        var shownKeys = keys.length < MAX_ITEMS ? keys.length : MAX_ITEMS;
        for (var k = 0; k < shownKeys; k++) {
          var descriptor = getOwnPropertyDescriptor(value, keys[k]);
          var shownValue;
          if (!descriptor) continue;
          if ('value' in descriptor) shownValue = formatInner(descriptor.value, depth + 1, seen);
          else shownValue = descriptor.set ? (descriptor.get ? '[Getter/Setter]' : '[Setter]') : '[Getter]';
          push(parts, formatKey(keys[k]) + ': ' + shownValue);
        }
        if (keys.length > shownKeys) more = '... ' + (keys.length - shownKeys) + ' more properties';
        return wrapParts(prefix + '{', parts, '}', depth, more);
      } finally {
        seen.length = seen.length - 1;
      }
    } catch (e) {
      return '[uninspectable value]';
    }
  }

  /** How console.log shows one argument: strings raw, everything else inspected. */
  function formatLogArgument(value) {
    return typeof value === 'string' ? value : formatInner(value, 0, []);
  }

  /** The answer text for FINAL and FINAL_VAR: strings as they are, other values as pretty JSON. */
  function answerText(value, caller) {
    if (typeof value === 'string') return value;
    if (value instanceof PromiseCtor) {
      throw new ErrorCtor(caller + ' received a Promise: await it first, e.g. ' + caller + '(await llm_query(prompt)).');
    }
    var text;
    try { text = jsonStringify(value, null, 2); } catch (e) { text = undefined; }
    return typeof text === 'string' ? text : formatInner(value, 0, []);
  }

  // ---- output ----
  function write(parts, args) {
    if (!cellRunning) return;
    var pieces = [];
    for (var i = 0; i < args.length; i++) push(pieces, formatLogArgument(args[i]));
    var text = arrayJoin(pieces, ' ') + '\n';
    var room = maxOutputChars - usedOutputChars;
    if (text.length <= room) {
      push(parts, text);
      usedOutputChars += text.length;
      return;
    }
    if (room > 0) {
      push(parts, stringSlice(text, 0, room));
      usedOutputChars += room;
    }
    droppedOutputChars += text.length - (room > 0 ? room : 0);
  }

  function makeConsoleMethod(parts, name) {
    var method = { [name]: function () { write(parts(), arguments); } }[name];
    return method;
  }
  var consoleMethods = {
    log: makeConsoleMethod(function () { return stdoutParts; }, 'log'),
    info: makeConsoleMethod(function () { return stdoutParts; }, 'info'),
    debug: makeConsoleMethod(function () { return stdoutParts; }, 'debug'),
    dir: makeConsoleMethod(function () { return stdoutParts; }, 'dir'),
    error: makeConsoleMethod(function () { return stderrParts; }, 'error'),
    warn: makeConsoleMethod(function () { return stderrParts; }, 'warn'),
  };
  function newConsole() {
    return {
      log: consoleMethods.log,
      info: consoleMethods.info,
      debug: consoleMethods.debug,
      dir: consoleMethods.dir,
      error: consoleMethods.error,
      warn: consoleMethods.warn,
    };
  }
  var currentConsole = newConsole();

  // ---- FINAL, FINAL_VAR, SHOW_VARS ----
  function FINAL(value) {
    if (!cellRunning) return;
    if (arguments.length === 0 || value === undefined) {
      throw new ErrorCtor('FINAL(value) was called without a value (undefined). Pass the answer itself, e.g. FINAL(answer), or name a variable with FINAL_VAR("answer").');
    }
    finalAnswer = { source: 'FINAL', value: answerText(value, 'FINAL') };
  }

  function FINAL_VAR(name) {
    if (!cellRunning) return;
    if (typeof name === 'string' && regExpTest(identifierPattern, name)) {
      if (!hasOwn(global, name)) {
        throw new ErrorCtor('FINAL_VAR: there is no variable named \'' + name + '\'. Assign it first (e.g. ' + name + ' = ...), or call FINAL(value) with the answer itself.');
      }
      var value = global[name];
      if (value === undefined) {
        throw new ErrorCtor('FINAL_VAR: the variable \'' + name + '\' is undefined. Assign the answer to it first, or call FINAL(value).');
      }
      finalAnswer = { source: 'FINAL_VAR', value: answerText(value, 'FINAL_VAR'), variableName: name };
      return;
    }
    if (name === undefined) {
      throw new ErrorCtor('FINAL_VAR(name) needs the name of a variable as a string, e.g. FINAL_VAR("answer").');
    }
    finalAnswer = { source: 'FINAL_VAR', value: answerText(name, 'FINAL_VAR') };
  }

  function isReserved(name) {
    for (var i = 0; i < reservedNames.length; i++) if (reservedNames[i] === name) return true;
    for (var j = 0; j < hostFunctionNames.length; j++) if (hostFunctionNames[j] === name) return true;
    return false;
  }

  function describeVariable(value) {
    if (value === null) return 'null';
    switch (typeof value) {
      case 'string': return 'string, ' + value.length + ' chars';
      case 'function': return formatFunction(value);
      case 'object': break;
      default: return typeof value + ', ' + formatInner(value, MAX_DEPTH, []);
    }
    try {
      if (isArray(value)) return 'array, ' + value.length + ' items';
      if (value instanceof MapCtor) return 'Map, ' + mapSize(value) + ' entries';
      if (value instanceof SetCtor) return 'Set, ' + setSize(value) + ' entries';
      if (value instanceof PromiseCtor) return 'Promise (not awaited)';
      if (isError(value)) return 'error, ' + errorStack(value);
      var tag;
      try { tag = typedArrayTag(value); } catch (e) { tag = undefined; }
      if (tag) return tag + ', ' + typedArrayLength(value) + ' items';
      var name = constructorName(value);
      return (name && name !== 'Object' ? name : 'object') + ', ' + objectKeys(value).length + ' keys';
    } catch (e) {
      return 'object';
    }
  }

  function SHOW_VARS() {
    var names = getOwnPropertyNames(global);
    var user = [];
    for (var i = 0; i < names.length; i++) {
      var name = names[i];
      if (hasOwn(baselineGlobals, name) || isReserved(name)) continue;
      push(user, name);
    }
    if (user.length === 0) {
      return 'No variables yet. Top-level let/const/var/function/class declarations of a cell persist to later cells.';
    }
    arraySort(user);
    var lines = ['Variables (' + user.length + '):'];
    for (var j = 0; j < user.length; j++) {
      var description;
      try {
        var descriptor = getOwnPropertyDescriptor(global, user[j]);
        description = descriptor && 'value' in descriptor ? describeVariable(descriptor.value) : 'accessor';
      } catch (e) {
        description = 'unreadable';
      }
      push(lines, '  ' + user[j] + ': ' + description);
    }
    return arrayJoin(lines, '\n');
  }

  // ---- host functions ----
  function hostErrorMessage(reason) {
    if (typeof reason === 'string') return reason;
    try {
      var message = reason && reason.message;
      if (typeof message === 'string') return message;
    } catch (e) {}
    return 'The host function failed.';
  }

  function makeHostFunction(name) {
    var wrapper = {
      [name]: function () {
        // No cell is running: this is code of an ended cell (a callback it left behind). It gets a
        // promise that never settles, so it can neither reach the host nor re-arm itself on a failure.
        if (!cellRunning) {
          if (neverSettles === null) neverSettles = new PromiseCtor(noop);
          return neverSettles;
        }
        var args = [];
        var count = arguments.length;
        while (count > 0 && arguments[count - 1] === undefined) count--;
        for (var i = 0; i < count; i++) push(args, arguments[i]);
        var argsJson;
        try {
          argsJson = jsonStringify(args);
        } catch (error) {
          return apply(PromiseCtor.reject, PromiseCtor, [new TypeErrorCtor(name + ': the arguments must be JSON-serialisable (' + hostErrorMessage(error) + ').')]);
        }
        if (argsJson.length > maxCharsInFlight) {
          return apply(PromiseCtor.reject, PromiseCtor, [new RangeErrorCtor(name + ': the arguments are ' + argsJson.length + ' characters of JSON, more than the ' + maxCharsInFlight + ' one call may carry to the host. Pass a smaller piece (slice the text, or split the work over several calls).')]);
        }
        // state: 'waiting' for its turn, 'started' (with the host), or 'done' (settled or dropped).
        var call = { id: nextCallId++, name: name, argsJson: argsJson, resolve: noop, reject: noop, promise: null, state: 'waiting' };
        var promise = new PromiseCtor(function (resolve, reject) {
          call.resolve = resolve;
          call.reject = reject;
        });
        call.promise = promise;
        push(waiting, call);
        startWaitingCalls();
        return promise;
      },
    }[name];
    return wrapper;
  }

  /** Hands waiting calls to the bridge, in order, while the limits on calls and characters in flight allow. */
  function startWaitingCalls() {
    while (waitingHead < waiting.length) {
      var call = waiting[waitingHead];
      if (call.state !== 'waiting') {
        waitingHead++;
        continue;
      }
      if (callsInFlight >= maxCallsInFlight) break;
      if (callsInFlight > 0 && charsInFlight + call.argsJson.length > maxCharsInFlight) break;
      waitingHead++;
      startCall(call);
    }
    if (waitingHead === waiting.length) {
      waiting = [];
      waitingHead = 0;
    } else if (waitingHead > 1024 && waitingHead * 2 > waiting.length) {
      waiting = arraySlice(waiting, waitingHead);
      waitingHead = 0;
    }
  }

  /** Takes a started call off the books; false when it was already settled or dropped. */
  function finishCall(call) {
    if (call.state !== 'started') return false;
    call.state = 'done';
    delete startedCalls[call.id];
    callsInFlight--;
    charsInFlight -= call.argsJson.length;
    return true;
  }

  function startCall(call) {
    call.state = 'started';
    startedCalls[call.id] = call;
    callsInFlight++;
    charsInFlight += call.argsJson.length;
    var name = call.name;
    var started;
    try {
      started = hostCall(name, call.argsJson);
    } catch (error) {
      finishCall(call);
      call.reject(new ErrorCtor(hostErrorMessage(error)));
      return;
    }
    promiseThen(started, function (resultJson) {
      if (!finishCall(call)) return;
      var result;
      var failed = false;
      try {
        result = resultJson === '' || resultJson === undefined ? undefined : jsonParse(resultJson);
      } catch (error) {
        failed = true;
      }
      if (failed) call.reject(new ErrorCtor(name + ': the host returned invalid JSON.'));
      else call.resolve(result);
      startWaitingCalls();
    }, function (reason) {
      if (!finishCall(call)) return;
      call.reject(new ErrorCtor(hostErrorMessage(reason)));
      startWaitingCalls();
    });
  }

  /**
   * Rejects every call still with the host or waiting, and returns how many there were. Called when
   * no cell runs (dropCalls, beginCell), so every such call belongs to a cell that has ended.
   */
  function rejectStaleCalls() {
    var stale = [];
    var ids = objectKeys(startedCalls);
    for (var i = 0; i < ids.length; i++) push(stale, startedCalls[ids[i]]);
    for (var w = waitingHead; w < waiting.length; w++) if (waiting[w].state === 'waiting') push(stale, waiting[w]);
    // Whatever the host still runs of them is no longer this session's to count: the environment
    // aborted those calls when the cell ended.
    startedCalls = ObjectCreate(null);
    waiting = [];
    waitingHead = 0;
    callsInFlight = 0;
    charsInFlight = 0;
    if (stale.length === 0) return 0;
    // One error for all of them: a flood may leave a million calls waiting, and building a million
    // errors (each with its stack) would cost seconds.
    var dropped = new ErrorCtor('This host call was still running when its cell ended, so its result was dropped. Await every llm_query/rlm_query call in the cell that starts it.');
    for (var k = 0; k < stale.length; k++) {
      var call = stale[k];
      call.state = 'done';
      promiseThen(call.promise, undefined, noop);
      call.reject(dropped);
    }
    return stale.length;
  }

  // ---- reserved globals ----
  var originals = ObjectCreate(null);
  originals.context = contextValue;
  originals.FINAL = FINAL;
  originals.FINAL_VAR = FINAL_VAR;
  originals.SHOW_VARS = SHOW_VARS;
  for (var h = 0; h < hostFunctionNames.length; h++) {
    var hostName = hostFunctionNames[h];
    if (typeof hostName !== 'string' || hasOwn(originals, hostName) || hostName === 'console') {
      throw new TypeErrorCtor('The host function name ' + jsonStringify(hostName) + ' is reserved or repeated.');
    }
    originals[hostName] = makeHostFunction(hostName);
  }

  function defineReserved(name) {
    defineProperty(global, name, {
      configurable: false,
      enumerable: false,
      get: function () {
        var override = overrides[name];
        if (override) return override.value;
        return name === 'console' ? currentConsole : originals[name];
      },
      set: function (value) {
        overrides[name] = { value: value };
      },
    });
  }
  var allReserved = objectKeys(originals);
  push(allReserved, 'console');
  for (var r = 0; r < allReserved.length; r++) defineReserved(allReserved[r]);

  // ---- control ----
  return {
    beginCell: function (limit) {
      cellRunning = false;
      rejectStaleCalls();
      cellRunning = true;
      maxOutputChars = typeof limit === 'number' && limit >= 0 ? limit : 1000000;
      usedOutputChars = 0;
      droppedOutputChars = 0;
      stdoutParts = [];
      stderrParts = [];
      finalAnswer = null;
    },
    endCell: function () {
      cellRunning = false;
      overrides = ObjectCreate(null);
      currentConsole = newConsole();
      var output = ObjectCreate(null);
      output.stdout = arrayJoin(stdoutParts, '');
      output.stderr = arrayJoin(stderrParts, '');
      output.droppedOutputChars = droppedOutputChars;
      var final = null;
      if (finalAnswer) {
        final = ObjectCreate(null);
        final.source = finalAnswer.source;
        final.value = finalAnswer.value;
        if (finalAnswer.variableName !== undefined) final.variableName = finalAnswer.variableName;
      }
      output.final = final;
      stdoutParts = [];
      stderrParts = [];
      finalAnswer = null;
      return jsonStringify(output);
    },
    dropCalls: function () {
      cellRunning = false;
      return rejectStaleCalls();
    },
    formatValue: function (value) {
      if (value === undefined) return undefined;
      return formatInner(value, 0, []);
    },
    describeError: function (error) {
      var description = ObjectCreate(null);
      if (error !== null && (typeof error === 'object' || typeof error === 'function') && isError(error)) {
        var name, message;
        try { name = StringCtor(error.name); } catch (e) { name = 'Error'; }
        try { message = StringCtor(error.message); } catch (e) { message = ''; }
        description.name = name;
        description.message = message;
        description.stack = errorStack(error);
        return description;
      }
      var shown = typeof error === 'string' ? error : formatInner(error, 0, []);
      description.name = 'Error';
      description.message = shown;
      description.stack = description.name + ': ' + description.message;
      return description;
    },
  };
})`;
