// @ts-check
/**
 * The prelude every JavaScript environment evaluates inside its sandbox (QuickJS, isolated-vm, Deno):
 * `context`, the host functions, `FINAL`, `FINAL_VAR`, `SHOW_VARS` and `console`, the same in each.
 * What it guarantees, and how an environment drives it, is written at `JAVASCRIPT_PRELUDE_SOURCE` in
 * `javascript-prelude.ts`, which turns this file into that source.
 *
 * This file is one expression: a function of the constants the prelude shares with the host (the
 * reserved names, the globals to remove, the default limits), which returns the prelude itself.
 * `JAVASCRIPT_PRELUDE_SOURCE` calls it with them, so the host's TypeScript constants stay the only
 * place those values are written. The build embeds this text as a string
 * (`scripts/embed-sandbox-sources.mjs`); run `pnpm --filter @rlm/core build` after editing it.
 *
 * It runs in every engine as it is: no syntax newer than those engines take, nothing but ECMAScript
 * built-ins, and every intrinsic captured before model code can replace it.
 */

/**
 * @typedef {object} HostCall A call of a host function: waiting for its turn, with the host, or done
 *   (settled or dropped).
 * @property {number} id
 * @property {string} name
 * @property {string} argsJson
 * @property {(value: unknown) => void} resolve
 * @property {(reason: unknown) => void} reject
 * @property {Promise<unknown> | null} promise
 * @property {'waiting' | 'started' | 'done'} state
 */
(function rlmJavaScriptPreludeWith(
  /** @type {import('./javascript-prelude').JavaScriptPreludeConstants} */ constants,
) {
  // biome-ignore lint/suspicious/noRedundantUseStrict: engines evaluate this file as a classic script, not as a module.
  'use strict';
  /**
   * @param {import('./javascript-prelude').JavaScriptPreludeBridge} bridge
   * @param {import('./javascript-prelude').JavaScriptPreludeOptions} options
   * @returns {import('./javascript-prelude').JavaScriptPreludeControl}
   */
  function rlmJavaScriptPrelude(bridge, options) {
    var global = /** @type {Record<PropertyKey, any>} */ (globalThis);
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
    var numberIsNaN = Number.isNaN;
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
    var mapSize = uncurryThis(
      /** @type {PropertyDescriptor} */ (getOwnPropertyDescriptor(Map.prototype, 'size')).get,
    );
    var setSize = uncurryThis(
      /** @type {PropertyDescriptor} */ (getOwnPropertyDescriptor(Set.prototype, 'size')).get,
    );
    var TypedArrayPrototype = getPrototypeOf(Uint8Array.prototype);
    var typedArrayLength = uncurryThis(
      /** @type {PropertyDescriptor} */ (getOwnPropertyDescriptor(TypedArrayPrototype, 'length')).get,
    );
    var typedArrayTag = uncurryThis(
      /** @type {PropertyDescriptor} */ (getOwnPropertyDescriptor(TypedArrayPrototype, Symbol.toStringTag))
        .get,
    );
    var identifierPattern = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

    var MAX_DEPTH = 3;
    var MAX_ITEMS = 100;
    var MAX_NESTED_STRING = 10000;

    var reservedNames = constants.reservedNames;
    var hostFunctionNames = options.hostFunctionNames;
    var removedGlobals = constants.removedGlobals;
    for (var rg = 0; rg < removedGlobals.length; rg++) {
      var path = /** @type {readonly [string, string?]} */ (removedGlobals[rg]);
      var owner = path.length > 1 ? global[path[0]] : global;
      var key = /** @type {string} */ (path.length > 1 ? path[1] : path[0]);
      if (owner === null || owner === undefined || !hasOwn(owner, key)) continue;
      var removed = false;
      try {
        removed = delete owner[key];
      } catch (_e) {}
      if (!removed || hasOwn(owner, key)) {
        throw new TypeErrorCtor(
          'The sandbox could not remove ' + arrayJoin(path, '.') + ', which lets code outlive its cell.',
        );
      }
    }
    var maxCallsInFlight = positiveOption(
      options.maxHostCallsInFlight,
      constants.defaultMaxHostCallsInFlight,
    );
    var maxCharsInFlight = positiveOption(
      options.maxHostCallCharsInFlight,
      constants.defaultMaxHostCallCharsInFlight,
    );
    /**
     * @param {unknown} value
     * @param {number} fallback
     */
    function positiveOption(value, fallback) {
      return typeof value === 'number' && value >= 1 && value <= 9007199254740991 ? value : fallback;
    }
    var baselineGlobals = ObjectCreate(null);
    var initialGlobals = getOwnPropertyNames(global);
    for (var g = 0; g < initialGlobals.length; g++)
      baselineGlobals[/** @type {string} */ (initialGlobals[g])] = true;

    var contextValue =
      typeof options.contextJson === 'string' ? jsonParse(options.contextJson) : options.context;

    // ---- state of the current cell ----
    var cellRunning = false;
    var maxOutputChars = 1000000;
    var usedOutputChars = 0;
    var droppedOutputChars = 0;
    /** @type {string[]} */
    var stdoutParts = [];
    /** @type {string[]} */
    var stderrParts = [];
    /** @type {{ source: 'FINAL' | 'FINAL_VAR', value: string, variableName?: string, format?: 'json' } | null} */
    var finalAnswer = null;
    var overrides = ObjectCreate(null);
    // Calls with the host, by id (at most maxCallsInFlight of them); waiting calls are only in `waiting`.
    var startedCalls = ObjectCreate(null);
    var nextCallId = 1;
    var noop = () => {};
    // Calls waiting for their turn (FIFO: a list and the index of its head) and what is with the host.
    /** @type {HostCall[]} */
    var waiting = [];
    var waitingHead = 0;
    var callsInFlight = 0;
    var charsInFlight = 0;
    /** @type {Promise<never> | null} */
    var neverSettles = null;

    /**
     * @template T
     * @param {T[]} list
     * @param {T} item
     */
    function push(list, item) {
      list[list.length] = item;
    }

    // ---- formatting ----
    /** @param {string} text */
    function quote(text) {
      if (text.length > MAX_NESTED_STRING) {
        return (
          jsonStringify(stringSlice(text, 0, MAX_NESTED_STRING)) +
          '... ' +
          (text.length - MAX_NESTED_STRING) +
          ' more characters'
        );
      }
      return jsonStringify(text);
    }

    /** @param {string} key */
    function formatKey(key) {
      return regExpTest(identifierPattern, key) ? key : jsonStringify(key);
    }

    /** @param {object} value */
    function constructorName(value) {
      try {
        var proto = getPrototypeOf(value);
        if (proto === null) return '[Object: null prototype]';
        var descriptor = getOwnPropertyDescriptor(proto, 'constructor');
        var ctor = descriptor?.value;
        if (typeof ctor === 'function') {
          var nameDescriptor = getOwnPropertyDescriptor(ctor, 'name');
          if (nameDescriptor && typeof nameDescriptor.value === 'string') return nameDescriptor.value;
        }
      } catch (_e) {}
      return '';
    }

    /** @param {unknown} value */
    function isError(value) {
      if (value instanceof ErrorCtor) return true;
      try {
        return objectToString(value) === '[object Error]';
      } catch (_e) {
        return false;
      }
    }

    /**
     * @param {object} object
     * @param {PropertyKey} key
     */
    function readProperty(object, key) {
      var descriptor = getOwnPropertyDescriptor(object, key);
      if (!descriptor) return undefined;
      return 'value' in descriptor ? descriptor.value : undefined;
    }

    /** @param {any} error */
    function errorStack(error) {
      var name, message, stack;
      try {
        name = StringCtor(error.name);
      } catch (_e) {
        name = 'Error';
      }
      try {
        message = StringCtor(error.message);
      } catch (_e) {
        message = '';
      }
      try {
        stack = typeof error.stack === 'string' ? error.stack : '';
      } catch (_e) {
        stack = '';
      }
      var header = message ? name + ': ' + message : name;
      if (stringStartsWith(stack, header)) return stack;
      return stack ? header + '\n' + stack : header;
    }

    /** @param {number} value */
    function formatNumber(value) {
      if (value === 0 && 1 / value < 0) return '-0';
      return numberToString(value);
    }

    /** @param {Function} value */
    function formatFunction(value) {
      var name = '';
      try {
        name = readProperty(value, 'name') || '';
      } catch (_e) {}
      var source = '';
      try {
        source = functionToString(value);
      } catch (_e) {}
      if (stringStartsWith(source, 'class')) return '[class ' + (name || '(anonymous)') + ']';
      return name ? '[Function: ' + name + ']' : '[Function (anonymous)]';
    }

    /**
     * @param {string} text
     * @param {number} depth
     */
    function indent(text, depth) {
      var pad = '';
      for (var i = 0; i < depth; i++) pad += '  ';
      return pad + text;
    }

    /**
     * @param {string} open
     * @param {string[]} parts
     * @param {string} close
     * @param {number} depth
     * @param {string} extra
     */
    function wrapParts(open, parts, close, depth, extra) {
      if (parts.length === 0) return open + close;
      var total = 0;
      for (var i = 0; i < parts.length; i++) total += /** @type {string} */ (parts[i]).length + 2;
      var multiline = total > 72;
      for (var j = 0; j < parts.length && !multiline; j++)
        if (stringIndexOf(parts[j], '\n') !== -1) multiline = true;
      if (extra) push(parts, extra);
      if (!multiline) return open + ' ' + arrayJoin(parts, ', ') + ' ' + close;
      /** @type {string[]} */
      var lines = [];
      for (var k = 0; k < parts.length; k++) push(lines, indent(/** @type {string} */ (parts[k]), depth + 1));
      return open + '\n' + arrayJoin(lines, ',\n') + '\n' + indent(close, depth);
    }

    /**
     * @param {any} value
     * @param {number} depth
     * @param {unknown[]} seen
     * @returns {string}
     */
    function formatInner(value, depth, seen) {
      switch (typeof value) {
        case 'string':
          return quote(value);
        case 'number':
          return formatNumber(value);
        case 'bigint':
          return bigintToString(value) + 'n';
        case 'boolean':
          return value ? 'true' : 'false';
        case 'undefined':
          return 'undefined';
        case 'symbol':
          return symbolToString(value);
        case 'function':
          return formatFunction(value);
      }
      if (value === null) return 'null';
      for (var s = 0; s < seen.length; s++) if (seen[s] === value) return '[Circular]';
      try {
        if (isError(value)) return errorStack(value);
        if (value instanceof Date) {
          var time = dateGetTime(value);
          return numberIsNaN(time) ? 'Invalid Date' : dateToISOString(value);
        }
        if (value instanceof RegExp) return regExpToString(value);
        if (value instanceof PromiseCtor) return 'Promise { <not awaited> }';
        var name = constructorName(value);
        /** @type {string[]} */
        var parts = [];
        var more = '';
        push(seen, value);
        try {
          if (isArray(value)) {
            if (depth >= MAX_DEPTH) return '[Array(' + value.length + ')]';
            var shown = value.length < MAX_ITEMS ? value.length : MAX_ITEMS;
            for (var i = 0; i < shown; i++) {
              push(
                parts,
                hasOwn(value, i) ? formatInner(readProperty(value, i), depth + 1, seen) : '<empty>',
              );
            }
            if (value.length > shown) more = '... ' + (value.length - shown) + ' more items';
            return wrapParts(
              (name && name !== 'Array' ? name + '(' + value.length + ') ' : '') + '[',
              parts,
              ']',
              depth,
              more,
            );
          }
          if (value instanceof MapCtor) {
            var mapCount = mapSize(value);
            if (depth >= MAX_DEPTH) return '[Map(' + mapCount + ')]';
            mapForEach(value, (/** @type {unknown} */ entryValue, /** @type {unknown} */ entryKey) => {
              if (parts.length < MAX_ITEMS)
                push(
                  parts,
                  formatInner(entryKey, depth + 1, seen) + ' => ' + formatInner(entryValue, depth + 1, seen),
                );
            });
            if (mapCount > MAX_ITEMS) more = '... ' + (mapCount - MAX_ITEMS) + ' more entries';
            return wrapParts('Map(' + mapCount + ') {', parts, '}', depth, more);
          }
          if (value instanceof SetCtor) {
            var setCount = setSize(value);
            if (depth >= MAX_DEPTH) return '[Set(' + setCount + ')]';
            setForEach(value, (/** @type {unknown} */ entry) => {
              if (parts.length < MAX_ITEMS) push(parts, formatInner(entry, depth + 1, seen));
            });
            if (setCount > MAX_ITEMS) more = '... ' + (setCount - MAX_ITEMS) + ' more entries';
            return wrapParts('Set(' + setCount + ') {', parts, '}', depth, more);
          }
          var tag;
          try {
            tag = typedArrayTag(value);
          } catch (_e) {
            tag = undefined;
          }
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
            var descriptor = getOwnPropertyDescriptor(value, /** @type {string} */ (keys[k]));
            var shownValue;
            if (!descriptor) continue;
            if ('value' in descriptor) shownValue = formatInner(descriptor.value, depth + 1, seen);
            else shownValue = descriptor.set ? (descriptor.get ? '[Getter/Setter]' : '[Setter]') : '[Getter]';
            push(parts, formatKey(/** @type {string} */ (keys[k])) + ': ' + shownValue);
          }
          if (keys.length > shownKeys) more = '... ' + (keys.length - shownKeys) + ' more properties';
          return wrapParts(prefix + '{', parts, '}', depth, more);
        } finally {
          seen.length = seen.length - 1;
        }
      } catch (_e) {
        return '[uninspectable value]';
      }
    }

    /** How console.log shows one argument: strings raw, everything else inspected. */
    /** @param {unknown} value */
    function formatLogArgument(value) {
      return typeof value === 'string' ? value : formatInner(value, 0, []);
    }

    /**
     * The answer for FINAL and FINAL_VAR: strings as they are; other values as pretty JSON, marked
     * `format: 'json'` so that the host can read the value back (a typed answer is validated as data).
     */
    /**
     * @param {'FINAL' | 'FINAL_VAR'} source
     * @param {unknown} value
     * @param {string=} variableName
     */
    function finalOf(source, value, variableName) {
      /** @type {{ source: 'FINAL' | 'FINAL_VAR', value: string, variableName?: string, format?: 'json' }} */
      var answer = { source: source, value: '' };
      if (variableName !== undefined) answer.variableName = variableName;
      if (typeof value === 'string') {
        answer.value = value;
        return answer;
      }
      if (value instanceof PromiseCtor) {
        throw new ErrorCtor(
          source + ' received a Promise: await it first, e.g. ' + source + '(await llm_query(prompt)).',
        );
      }
      var text;
      try {
        text = jsonStringify(value, null, 2);
      } catch (_e) {
        text = undefined;
      }
      if (typeof text === 'string') {
        answer.value = text;
        answer.format = 'json';
      } else {
        answer.value = formatInner(value, 0, []);
      }
      return answer;
    }

    // ---- output ----
    /**
     * @param {string[]} parts
     * @param {IArguments} args
     */
    function write(parts, args) {
      if (!cellRunning) return;
      /** @type {string[]} */
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

    /**
     * @param {() => string[]} parts
     * @param {string} name
     */
    function makeConsoleMethod(parts, name) {
      var method = {
        [name]: function () {
          write(parts(), arguments);
        },
      }[name];
      return method;
    }
    var consoleMethods = {
      log: makeConsoleMethod(() => stdoutParts, 'log'),
      info: makeConsoleMethod(() => stdoutParts, 'info'),
      debug: makeConsoleMethod(() => stdoutParts, 'debug'),
      dir: makeConsoleMethod(() => stdoutParts, 'dir'),
      error: makeConsoleMethod(() => stderrParts, 'error'),
      warn: makeConsoleMethod(() => stderrParts, 'warn'),
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
    /** @param {unknown} value */
    function FINAL(value) {
      if (!cellRunning) return;
      if (arguments.length === 0 || value === undefined) {
        throw new ErrorCtor(
          'FINAL(value) was called without a value (undefined). Pass the answer itself, e.g. FINAL(answer), or name a variable with FINAL_VAR("answer").',
        );
      }
      finalAnswer = finalOf('FINAL', value);
    }

    /** @param {unknown} name */
    function FINAL_VAR(name) {
      if (!cellRunning) return;
      if (typeof name === 'string' && regExpTest(identifierPattern, name)) {
        if (!hasOwn(global, name)) {
          throw new ErrorCtor(
            "FINAL_VAR: there is no variable named '" +
              name +
              "'. Assign it first (e.g. " +
              name +
              ' = ...), or call FINAL(value) with the answer itself.',
          );
        }
        var value = global[name];
        if (value === undefined) {
          throw new ErrorCtor(
            "FINAL_VAR: the variable '" +
              name +
              "' is undefined. Assign the answer to it first, or call FINAL(value).",
          );
        }
        finalAnswer = finalOf('FINAL_VAR', value, name);
        return;
      }
      if (name === undefined) {
        throw new ErrorCtor(
          'FINAL_VAR(name) needs the name of a variable as a string, e.g. FINAL_VAR("answer").',
        );
      }
      finalAnswer = finalOf('FINAL_VAR', name);
    }

    /** @param {string} name */
    function isReserved(name) {
      for (var i = 0; i < reservedNames.length; i++) if (reservedNames[i] === name) return true;
      for (var j = 0; j < hostFunctionNames.length; j++) if (hostFunctionNames[j] === name) return true;
      return name === constants.addedValueBinder || addedNames[name] !== undefined;
    }

    /** @param {unknown} value */
    function describeVariable(value) {
      if (value === null) return 'null';
      switch (typeof value) {
        case 'string':
          return 'string, ' + value.length + ' chars';
        case 'function':
          return formatFunction(value);
        case 'object':
          break;
        default:
          return typeof value + ', ' + formatInner(value, MAX_DEPTH, []);
      }
      try {
        if (isArray(value)) return 'array, ' + value.length + ' items';
        if (value instanceof MapCtor) return 'Map, ' + mapSize(value) + ' entries';
        if (value instanceof SetCtor) return 'Set, ' + setSize(value) + ' entries';
        if (value instanceof PromiseCtor) return 'Promise (not awaited)';
        if (isError(value)) return 'error, ' + errorStack(value);
        var tag;
        try {
          tag = typedArrayTag(value);
        } catch (_e) {
          tag = undefined;
        }
        if (tag) return tag + ', ' + typedArrayLength(value) + ' items';
        var name = constructorName(value);
        return (name && name !== 'Object' ? name : 'object') + ', ' + objectKeys(value).length + ' keys';
      } catch (_e) {
        return 'object';
      }
    }

    // ---- variables after a cell (for trajectories and viewers) ----
    // The listing must run none of the model's code: it happens after every cell, outside any
    // cell's time limit, so a getter or a Proxy trap that never returns would hang the sandbox (or,
    // where a deadline catches it, cost the session its state). So it reads only data properties
    // (through descriptors), internal slots (through captured built-in getters) and prototype
    // chains, and never touches a Proxy: every proxy model code can make comes from the global
    // `Proxy`, which the prelude replaces (below) with one that remembers what it made.
    var MAX_LISTED_VARIABLES = constants.maxListedVariables;
    var MAX_PREVIEW_CHARS = constants.maxVariablePreviewChars;
    var weakSetAdd = uncurryThis(WeakSet.prototype.add);
    var weakSetHas = uncurryThis(WeakSet.prototype.has);
    var madeProxies = new WeakSet();
    var regExpSource = uncurryThis(
      /** @type {PropertyDescriptor} */ (getOwnPropertyDescriptor(RegExp.prototype, 'source')).get,
    );
    var ErrorPrototype = ErrorCtor.prototype;
    var DatePrototype = Date.prototype;
    var RegExpPrototype = RegExp.prototype;
    var PromisePrototype = PromiseCtor.prototype;

    /** @param {unknown} value */
    function isMadeProxy(value) {
      return (
        ((typeof value === 'object' && value !== null) || typeof value === 'function') &&
        weakSetHas(madeProxies, /** @type {object} */ (value))
      );
    }

    /**
     * Whether `prototype` is on the prototype chain of `value`, walked without touching a proxy.
     * @param {object} value
     * @param {object} prototype
     */
    function inherits(value, prototype) {
      var current = value;
      for (var steps = 0; steps < 100; steps++) {
        if (isMadeProxy(current)) return false;
        current = getPrototypeOf(current);
        if (current === null) return false;
        if (current === prototype) return true;
      }
      return false;
    }

    /** The name of the constructor of `value`'s prototype, read without touching a proxy. @param {object} value */
    function safeConstructorName(value) {
      var proto = getPrototypeOf(value);
      if (proto === null) return 'null-prototype object';
      if (isMadeProxy(proto)) return 'object';
      var ctor = readProperty(proto, 'constructor');
      if (typeof ctor !== 'function' || isMadeProxy(ctor)) return 'object';
      var name = readProperty(ctor, 'name');
      return typeof name === 'string' && name ? name : 'object';
    }

    /** @param {any} value */
    function safeKind(value) {
      if (value === null) return 'null';
      if (typeof value === 'string') return 'string, ' + value.length + ' chars';
      if (typeof value !== 'object' && typeof value !== 'function') {
        return typeof value + ', ' + formatInner(value, MAX_DEPTH, []);
      }
      if (isMadeProxy(value)) return 'Proxy';
      if (typeof value === 'function') return formatFunction(value);
      if (isArray(value)) return 'array, ' + readProperty(value, 'length') + ' items';
      try {
        return 'Map, ' + mapSize(value) + ' entries';
      } catch (_e) {}
      try {
        return 'Set, ' + setSize(value) + ' entries';
      } catch (_e) {}
      var tag;
      try {
        tag = typedArrayTag(value);
      } catch (_e) {
        tag = undefined;
      }
      if (tag) return tag + ', ' + typedArrayLength(value) + ' items';
      if (inherits(value, ErrorPrototype)) return 'error';
      if (inherits(value, DatePrototype)) return 'Date';
      if (inherits(value, RegExpPrototype)) return 'RegExp';
      if (inherits(value, PromisePrototype)) return 'Promise';
      var name = safeConstructorName(value);
      return (name === 'Object' ? 'object' : name) + ', ' + objectKeys(value).length + ' keys';
    }

    /**
     * A one-line preview of about `budget` characters that stops as soon as the budget is spent
     * (a million-item array costs a few reads) and runs no model code (see above).
     * @param {any} value
     * @param {number} budget
     * @param {number} depth
     * @returns {string}
     */
    function safePreview(value, budget, depth) {
      if (typeof value === 'string') {
        return value.length > budget
          ? jsonStringify(stringSlice(value, 0, budget)) + '…'
          : jsonStringify(value);
      }
      if (value === null || (typeof value !== 'object' && typeof value !== 'function')) {
        return formatInner(value, MAX_DEPTH, []);
      }
      if (isMadeProxy(value)) return 'Proxy {…}';
      if (typeof value === 'function') return formatFunction(value);
      var array = isArray(value);
      if (!array) {
        try {
          return 'Map(' + mapSize(value) + ')';
        } catch (_e) {}
        try {
          return 'Set(' + setSize(value) + ')';
        } catch (_e) {}
        if (inherits(value, ErrorPrototype)) {
          var message = readProperty(value, 'message');
          return (
            safeConstructorName(value) +
            (typeof message === 'string' ? ': ' + stringSlice(message, 0, budget) : '')
          );
        }
        try {
          return dateToISOString(value);
        } catch (_e) {}
        try {
          return '/' + regExpSource(value) + '/';
        } catch (_e) {}
        if (inherits(value, PromisePrototype)) return 'Promise';
        var tag;
        try {
          tag = typedArrayTag(value);
        } catch (_e) {
          tag = undefined;
        }
        if (tag) return tag + '(' + typedArrayLength(value) + ')';
      }
      if (depth >= 2) return array ? '[…]' : '{…}';
      var keys = array ? null : objectKeys(value);
      var count = array ? readProperty(value, 'length') : /** @type {string[]} */ (keys).length;
      var text = array ? '[' : '{';
      for (var i = 0; i < count; i++) {
        if (text.length >= budget) return text + '…' + (array ? ']' : '}');
        var key = array ? null : /** @type {string[]} */ (keys)[i];
        var descriptor = getOwnPropertyDescriptor(value, array ? i : /** @type {string} */ (key));
        var shown = !descriptor
          ? '<empty>'
          : 'value' in descriptor
            ? safePreview(descriptor.value, budget - text.length, depth + 1)
            : '[Getter]';
        text += (i > 0 ? ', ' : '') + (array ? '' : formatKey(/** @type {string} */ (key)) + ': ') + shown;
      }
      return text + (array ? ']' : '}');
    }

    /** The model's variables now: name, kind and size, and a short preview; never a whole value. */
    function listVariables() {
      var names = getOwnPropertyNames(global);
      /** @type {string[]} */
      var user = [];
      for (var i = 0; i < names.length; i++) {
        var name = /** @type {string} */ (names[i]);
        if (hasOwn(baselineGlobals, name) || isReserved(name)) continue;
        push(user, name);
      }
      arraySort(user);
      /** @type {Array<{ name: string, type: string, preview: string }>} */
      var listed = [];
      var shown = user.length < MAX_LISTED_VARIABLES ? user.length : MAX_LISTED_VARIABLES;
      for (var j = 0; j < shown; j++) {
        var variable = ObjectCreate(null);
        variable.name = user[j];
        try {
          var descriptor = getOwnPropertyDescriptor(global, /** @type {string} */ (user[j]));
          if (descriptor && 'value' in descriptor) {
            variable.type = safeKind(descriptor.value);
            var preview = safePreview(descriptor.value, MAX_PREVIEW_CHARS, 0);
            variable.preview =
              preview.length > MAX_PREVIEW_CHARS ? stringSlice(preview, 0, MAX_PREVIEW_CHARS) + '…' : preview;
          } else {
            variable.type = 'accessor';
            variable.preview = '';
          }
        } catch (_e) {
          variable.type = 'unreadable';
          variable.preview = '';
        }
        if (variable.type.length > MAX_PREVIEW_CHARS)
          variable.type = stringSlice(variable.type, 0, MAX_PREVIEW_CHARS) + '…';
        push(listed, variable);
      }
      return listed;
    }

    // Every proxy model code makes is remembered, so the listing can leave it alone: the global
    // `Proxy` becomes a constructor that makes the same proxies through the original, kept here.
    var OriginalProxy = global.Proxy;
    if (typeof OriginalProxy === 'function') {
      var originalRevocable = OriginalProxy.revocable;
      var ProxyConstructor = function (
        /** @type {object} */ target,
        /** @type {ProxyHandler<object>} */ handler,
      ) {
        if (new.target === undefined) throw new TypeErrorCtor("Constructor Proxy requires 'new'");
        var proxy = new OriginalProxy(target, handler);
        weakSetAdd(madeProxies, proxy);
        return proxy;
      };
      defineProperty(ProxyConstructor, 'name', { value: 'Proxy', configurable: true });
      defineProperty(ProxyConstructor, 'revocable', {
        value: function revocable(/** @type {object} */ target, /** @type {ProxyHandler<object>} */ handler) {
          var made = apply(originalRevocable, OriginalProxy, [target, handler]);
          weakSetAdd(madeProxies, made.proxy);
          return made;
        },
        writable: true,
        configurable: true,
        enumerable: false,
      });
      defineProperty(global, 'Proxy', {
        value: ProxyConstructor,
        writable: true,
        configurable: true,
        enumerable: false,
      });
    }

    function SHOW_VARS() {
      var names = getOwnPropertyNames(global);
      /** @type {string[]} */
      var user = [];
      for (var i = 0; i < names.length; i++) {
        var name = names[i];
        if (hasOwn(baselineGlobals, name) || isReserved(/** @type {string} */ (name))) continue;
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
          var descriptor = getOwnPropertyDescriptor(global, /** @type {string} */ (user[j]));
          description = descriptor && 'value' in descriptor ? describeVariable(descriptor.value) : 'accessor';
        } catch (_e) {
          description = 'unreadable';
        }
        push(lines, '  ' + user[j] + ': ' + description);
      }
      return arrayJoin(lines, '\n');
    }

    // ---- host functions ----
    /** @param {any} reason */
    function hostErrorMessage(reason) {
      if (typeof reason === 'string') return reason;
      try {
        var message = reason?.message;
        if (typeof message === 'string') return message;
      } catch (_e) {}
      return 'The host function failed.';
    }

    /** @param {string} name */
    function makeHostFunction(name) {
      var wrapper = {
        [name]: function () {
          // No cell is running: this is code of an ended cell (a callback it left behind). It gets a
          // promise that never settles, so it can neither reach the host nor re-arm itself on a failure.
          if (!cellRunning) {
            if (neverSettles === null) neverSettles = new PromiseCtor(noop);
            return neverSettles;
          }
          /** @type {unknown[]} */
          var args = [];
          var count = arguments.length;
          while (count > 0 && arguments[count - 1] === undefined) count--;
          for (var i = 0; i < count; i++) push(args, arguments[i]);
          var argsJson;
          try {
            argsJson = jsonStringify(args);
          } catch (error) {
            return apply(PromiseCtor.reject, PromiseCtor, [
              new TypeErrorCtor(
                name + ': the arguments must be JSON-serialisable (' + hostErrorMessage(error) + ').',
              ),
            ]);
          }
          if (argsJson.length > maxCharsInFlight) {
            return apply(PromiseCtor.reject, PromiseCtor, [
              new RangeErrorCtor(
                name +
                  ': the arguments are ' +
                  argsJson.length +
                  ' characters of JSON, more than the ' +
                  maxCharsInFlight +
                  ' one call may carry to the host. Pass a smaller piece (slice the text, or split the work over several calls).',
              ),
            ]);
          }
          // state: 'waiting' for its turn, 'started' (with the host), or 'done' (settled or dropped).
          /** @type {HostCall} */
          var call = {
            id: nextCallId++,
            name: name,
            argsJson: argsJson,
            resolve: noop,
            reject: noop,
            promise: null,
            state: 'waiting',
          };
          var promise = new PromiseCtor((resolve, reject) => {
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
        var call = /** @type {HostCall} */ (waiting[waitingHead]);
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
    /** @param {HostCall} call */
    function finishCall(call) {
      if (call.state !== 'started') return false;
      call.state = 'done';
      delete startedCalls[call.id];
      callsInFlight--;
      charsInFlight -= call.argsJson.length;
      return true;
    }

    /** @param {HostCall} call */
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
      promiseThen(
        started,
        (/** @type {string | undefined} */ resultJson) => {
          if (!finishCall(call)) return;
          var result;
          var failed = false;
          try {
            result = resultJson === '' || resultJson === undefined ? undefined : jsonParse(resultJson);
          } catch (_error) {
            failed = true;
          }
          if (failed) call.reject(new ErrorCtor(name + ': the host returned invalid JSON.'));
          else call.resolve(result);
          startWaitingCalls();
        },
        (/** @type {unknown} */ reason) => {
          if (!finishCall(call)) return;
          call.reject(new ErrorCtor(hostErrorMessage(reason)));
          startWaitingCalls();
        },
      );
    }

    /**
     * Rejects every call still with the host or waiting, and returns how many there were. Called when
     * no cell runs (dropCalls, beginCell), so every such call belongs to a cell that has ended.
     */
    function rejectStaleCalls() {
      /** @type {HostCall[]} */
      var stale = [];
      var ids = objectKeys(startedCalls);
      for (var i = 0; i < ids.length; i++) push(stale, startedCalls[/** @type {string} */ (ids[i])]);
      for (var w = waitingHead; w < waiting.length; w++)
        if (/** @type {HostCall} */ (waiting[w]).state === 'waiting')
          push(stale, /** @type {HostCall} */ (waiting[w]));
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
      var dropped = new ErrorCtor(
        'This host call was still running when its cell ended, so its result was dropped. Await every llm_query/rlm_query call in the cell that starts it.',
      );
      for (var k = 0; k < stale.length; k++) {
        var call = /** @type {HostCall} */ (stale[k]);
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
    /** @type {((name: string) => Promise<unknown>) | null} */
    var fetchAddedValue = null;
    for (var h = 0; h < hostFunctionNames.length; h++) {
      var hostName = hostFunctionNames[h];
      if (typeof hostName !== 'string' || hasOwn(originals, hostName) || hostName === 'console') {
        throw new TypeErrorCtor(
          'The host function name ' + jsonStringify(hostName) + ' is reserved or repeated.',
        );
      }
      // The kit's source of added globals (`ReplSession.addContext`) is no global: only the binder reaches it.
      if (hostName === constants.addedValueHostFunction) {
        fetchAddedValue = /** @type {any} */ (makeHostFunction(hostName));
        continue;
      }
      originals[hostName] = makeHostFunction(hostName);
    }
    // Names bound by the binder: `true` for reserved ones, restored like `context` and bound again
    // (never redefined) when re-added; `'plain'` for a variable of an earlier cell that took the value.
    /** @type {Record<string, true | 'plain'>} */
    var addedNames = ObjectCreate(null);
    /** @param {unknown} name */
    function bindAddedValue(name) {
      if (
        fetchAddedValue === null ||
        typeof name !== 'string' ||
        !regExpTest(identifierPattern, name) ||
        name === 'console' ||
        name === constants.addedValueBinder ||
        (hasOwn(originals, name) && addedNames[name] === undefined)
      ) {
        return apply(PromiseCtor.reject, PromiseCtor, [
          new TypeErrorCtor(jsonStringify(name) + ' cannot be added: it is reserved or not an identifier.'),
        ]);
      }
      return promiseThen(fetchAddedValue(name), (/** @type {unknown} */ value) => {
        if (addedNames[name] === 'plain') {
          global[name] = value;
          return;
        }
        if (addedNames[name] === true) {
          originals[name] = value;
          return;
        }
        var existing = getOwnPropertyDescriptor(global, name);
        if (existing && !existing.configurable) {
          // A variable of an earlier cell (cells' declarations are `var`s, which cannot be deleted)
          // takes the value; it is not restored after a cell that assigns it.
          if (!('value' in existing) || !existing.writable) {
            throw new TypeErrorCtor(name + ' cannot be added: a fixed global of that name exists.');
          }
          addedNames[name] = 'plain';
          global[name] = value;
          return;
        }
        if (existing) delete global[name];
        addedNames[name] = true;
        originals[name] = value;
        defineReserved(name);
      });
    }
    if (fetchAddedValue !== null) originals[constants.addedValueBinder] = bindAddedValue;

    /** @param {string} name */
    function defineReserved(name) {
      defineProperty(global, name, {
        configurable: false,
        enumerable: false,
        get: () => {
          var override = overrides[name];
          if (override) return override.value;
          return name === 'console' ? currentConsole : originals[name];
        },
        set: (value) => {
          overrides[name] = { value: value };
        },
      });
    }
    var allReserved = objectKeys(originals);
    push(allReserved, 'console');
    for (var r = 0; r < allReserved.length; r++) defineReserved(/** @type {string} */ (allReserved[r]));

    // ---- control ----
    return {
      beginCell: (limit) => {
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
      endCell: () => {
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
          if (finalAnswer.format !== undefined) final.format = finalAnswer.format;
        }
        output.final = final;
        // Listed once the cell has ended and its output is taken: reading the variables may run the
        // model's own code (a getter, a Proxy's traps), which, like any code of an ended cell, can no
        // longer reach the host, and whatever it prints is dropped with the buffers below.
        try {
          output.variables = listVariables();
        } catch (_e) {
          output.variables = [];
        }
        stdoutParts = [];
        stderrParts = [];
        finalAnswer = null;
        return jsonStringify(output);
      },
      dropCalls: () => {
        cellRunning = false;
        return rejectStaleCalls();
      },
      formatValue: (value) => {
        if (value === undefined) return undefined;
        return formatInner(value, 0, []);
      },
      describeError: (error) => {
        var description = ObjectCreate(null);
        if (error !== null && (typeof error === 'object' || typeof error === 'function') && isError(error)) {
          var name, message;
          try {
            name = StringCtor(/** @type {any} */ (error).name);
          } catch (_e) {
            name = 'Error';
          }
          try {
            message = StringCtor(/** @type {any} */ (error).message);
          } catch (_e) {
            message = '';
          }
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
  }
  return rlmJavaScriptPrelude;
});
