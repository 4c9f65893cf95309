// @ts-check
/**
 * The program every Deno child of `@rlm/env-deno` runs: one REPL session in one OS process.
 *
 * The build embeds this file as a string (`scripts/embed-sandbox-sources.mjs`, into
 * `deno-child.sandbox.generated.ts`); the host writes that text to `rlm-deno-child.js` in Deno's cache
 * directory of the host process and runs it from there. Run `pnpm --filter @rlm/env-deno build` after
 * editing it.
 *
 * Deno starts it with no permission but reading the one file that holds the context. Model code never
 * runs in this program's realm: it runs in a fresh V8 context (`node:vm` with `DONT_CONTEXTIFY`) that
 * holds only the ECMAScript built-ins, so it has no `Deno`, no `fetch`, no timers, and no `import()`
 * (a context without a dynamic-import callback refuses every specifier, `node:` and `data:` included).
 * This realm keeps the only references to Deno's I/O and talks to the host over stdin/stdout.
 *
 * The protocol is JSON lines. Every line is a JSON header, optionally followed by a tab and a payload
 * that is JSON text passed through as it is (headers never hold a raw tab or newline), so large
 * arguments and results are neither escaped twice nor parsed in this realm:
 *
 *   host → child  {"type":"init","key","prelude","hostFunctionNames","contextFile","contextKind","separator"?,
 *                  "memoryLimitMb","maxHostCallsInFlight","maxHostCallCharsInFlight","maxLineChars"}
 *                 {"type":"cell","id","fileName","maxOutputChars","code"}
 *                 {"type":"cancel","id"}
 *                 {"type":"hostResult","callId","ok":true} TAB resultJson  |  {…,"ok":false,"message"}
 *   child → host  {"k","n","type":"ready"}  |  {"k","n","type":"fatal","message"}
 *                 {"k","n","type":"hostCall","callId","cell","name"} TAB argsJson
 *                 {"k","n","type":"cellDone","id","outcome","value"?,"error"?} TAB outputJson
 *
 * Every line to the host starts with `{"k":<key>,"n":<n>,`: the secret `key` the host sent in `init`
 * (before any model code ran; only this program's closures hold it) and the line's number, 1, 2, 3, …
 * A line written by anything else (code that got out of the sandbox into this realm, say) lacks them,
 * and the host ends the session. No line is longer than `maxLineChars` characters.
 *
 * `outcome` is `fulfilled`, `rejected`, `syntax` (V8 refused to compile the script) or `cancelled`.
 * Between `cellDone` and the next cell, what the finished cell left behind runs with its output
 * discarded and its host calls refused.
 */
import vm from 'node:vm';

// The program is compiled from the source of `rlmDenoChild` under a neutral name: stack traces, the
// sandbox's included, show `rlm-deno-child.js`, never the path this package is installed at.
const program = vm.runInThisContext(`(${rlmDenoChild})`, { filename: 'rlm-deno-child.js' });
program(vm, /** @type {any} */ (globalThis).Deno);

/**
 * @typedef {object} Cell The cell that runs now.
 * @property {number} id
 * @property {boolean} settled
 * @property {boolean} finished
 */
/**
 * @typedef {object} PendingCall A host call of the running cell, waiting for its answer.
 * @property {(resultJson: string) => void} resolve
 * @property {(message: string) => void} reject
 * @property {number} chars
 */

/**
 * @param {typeof import('node:vm')} vm
 * @param {any} denoNamespace Deno's namespace (`Deno`), which no type here describes.
 */
function rlmDenoChild(vm, denoNamespace) {
  // ---- what this realm uses, taken before any model code runs ----
  // Code that got out of the sandbox into this realm could replace globals and prototype methods; the
  // protocol code below calls only what it took here, and only on objects it made.
  const apply = Reflect.apply;
  const bind = Function.prototype.bind;
  const call = Function.prototype.call;
  /** @type {(fn: Function) => any} */
  const uncurry = (fn) => apply(bind, call, [fn]);
  const getPrototypeOf = Object.getPrototypeOf;
  const jsonStringify = JSON.stringify;
  const jsonParse = JSON.parse;
  const StringCtor = String;
  const ErrorCtor = Error;
  const Uint8ArrayCtor = Uint8Array;
  const MessageChannelCtor = MessageChannel;
  const mathMax = Math.max;
  const mathMin = Math.min;
  const mathCeil = Math.ceil;
  const stringSlice = uncurry(String.prototype.slice);
  const stringIndexOf = uncurry(String.prototype.indexOf);
  const stringCharCodeAt = uncurry(String.prototype.charCodeAt);
  const typedArrayPrototype = getPrototypeOf(Uint8Array.prototype);
  const typedArraySet = uncurry(typedArrayPrototype.set);
  const typedArrayIndexOf = uncurry(typedArrayPrototype.indexOf);
  const typedArrayBuffer = uncurry(
    /** @type {{ get: Function }} */ (Object.getOwnPropertyDescriptor(typedArrayPrototype, 'buffer')).get,
  );
  const typedArrayOffset = uncurry(
    /** @type {{ get: Function }} */ (Object.getOwnPropertyDescriptor(typedArrayPrototype, 'byteOffset')).get,
  );
  const typedArrayLength = uncurry(
    /** @type {{ get: Function }} */ (Object.getOwnPropertyDescriptor(typedArrayPrototype, 'length')).get,
  );
  const mapGet = uncurry(Map.prototype.get);
  const mapSet = uncurry(Map.prototype.set);
  const mapDelete = uncurry(Map.prototype.delete);
  const mapClear = uncurry(Map.prototype.clear);
  const promiseThenHere = uncurry(Promise.prototype.then);
  const encoder = new TextEncoder();
  const encode = uncurry(TextEncoder.prototype.encode);
  const decoder = new TextDecoder();
  const decode = uncurry(TextDecoder.prototype.decode);
  const stdout = denoNamespace.stdout;
  const writeSync = uncurry(stdout.writeSync);
  const stderr = denoNamespace.stderr;
  const writeSyncStderr = uncurry(stderr.writeSync);
  const stdinReader = denoNamespace.stdin.readable.getReader();
  const readChunk = uncurry(getPrototypeOf(stdinReader).read);
  const readTextFileSync = denoNamespace.readTextFileSync;
  const memoryUsage = denoNamespace.memoryUsage;
  const exit = denoNamespace.exit;
  const addEventListener = /** @type {any} */ (globalThis).addEventListener;
  const preventDefault = uncurry(Event.prototype.preventDefault);

  // Deno formats stack traces with a hook that calls `globalThis.Error.prepareStackTrace` of the
  // error's realm with call sites whose prototypes belong to this realm. Here, as in the sandbox, the
  // global `Error` and its `prepareStackTrace` cannot be changed, so that hook never runs.
  lockStackTraceHook(globalThis);

  // What code that got out of the sandbox would use to outlive its cell, share data with other
  // sessions, write to stdout or reach the system: gone from this realm too. (`queueMicrotask` stays:
  // Deno's own message ports use it.) (The process's permissions and the
  // host's watch on its threads and CPU are the walls behind this one.)
  for (const name of [
    'Deno',
    'Worker',
    'localStorage',
    'sessionStorage',
    'caches',
    'CacheStorage',
    'Cache',
    'Storage',
    'indexedDB',
    'BroadcastChannel',
    'process',
    'Buffer',
    'require',
    'setTimeout',
    'setInterval',
    'setImmediate',
    'fetch',
    'WebSocket',
    'EventSource',
    'navigator',
    'console',
  ]) {
    try {
      // @ts-expect-error: a name of this list, which the type of globalThis may not have.
      delete globalThis[name];
    } catch {
      // A non-configurable global stays; the permissions still hold.
    }
  }

  // Deno ends the process on an unhandled rejection; model code may leave some behind (see the prelude).
  apply(addEventListener, globalThis, [
    'unhandledrejection',
    (/** @type {Event} */ event) => preventDefault(event),
  ]);

  /** Value, error name, message and stack keep at least this many characters, whatever the output cap. */
  const MIN_TEXT_CHARS = 1000;
  /** Characters of a payload encoded at a time, so a 50 MB payload never needs 50 MB more for its bytes. */
  const WRITE_CHUNK_CHARS = 1 << 20;

  /** Self-contained: its source is also evaluated inside the sandbox. */
  /** @param {typeof globalThis} global */
  function lockStackTraceHook(global) {
    const ErrorClass = global.Error;
    Object.defineProperty(ErrorClass, 'prepareStackTrace', {
      value: undefined,
      writable: false,
      enumerable: false,
      configurable: false,
    });
    Object.defineProperty(global, 'Error', {
      value: ErrorClass,
      writable: false,
      enumerable: false,
      configurable: false,
    });
  }

  /** @param {Uint8Array} bytes */
  function writeAll(bytes) {
    const buffer = typedArrayBuffer(bytes);
    const offset = typedArrayOffset(bytes);
    const length = typedArrayLength(bytes);
    let written = 0;
    while (written < length) {
      written += writeSync(
        stdout,
        written === 0 ? bytes : new Uint8ArrayCtor(buffer, offset + written, length - written),
      );
    }
  }

  // ---- authenticated lines to the host ----
  /** `{"k":<key>,"n":` once the host sent its key; nothing is written before that. */
  /** @type {string | undefined} */
  let linePrefix;
  let lineNumber = 0;
  let maxLineChars = 0;

  /**
   * Writes one line; `writeSync` keeps lines whole and in order, whatever runs next. Headers are
   * objects without a prototype (`__proto__: null`), so serialising them calls no replaceable `toJSON`.
   */
  /**
   * @param {object} fields
   * @param {string} [payload]
   */
  function send(fields, payload) {
    if (linePrefix === undefined) return;
    lineNumber++;
    const body = jsonStringify(fields);
    const head = `${linePrefix}${lineNumber},${stringSlice(body, 1)}`;
    if (payload === undefined || payload.length <= WRITE_CHUNK_CHARS) {
      writeAll(encode(encoder, payload === undefined ? `${head}\n` : `${head}\t${payload}\n`));
      return;
    }
    writeAll(encode(encoder, `${head}\t`));
    for (let start = 0; start < payload.length; ) {
      let end = mathMin(start + WRITE_CHUNK_CHARS, payload.length);
      // Never cut between the halves of a surrogate pair: each half alone would be encoded as U+FFFD.
      const last = stringCharCodeAt(payload, end - 1);
      if (end < payload.length && last >= 0xd800 && last <= 0xdbff) end--;
      writeAll(encode(encoder, stringSlice(payload, start, end)));
      start = end;
    }
    writeAll(encode(encoder, '\n'));
  }

  /** Whether a line of this header and payload stays within what the host reads. */
  /**
   * @param {object} fields
   * @param {string} [payload]
   */
  function fits(fields, payload) {
    const size = jsonStringify(fields).length + (payload === undefined ? 0 : payload.length + 1);
    return size + 64 <= maxLineChars;
  }

  // ---- lines from the host ----
  /** Splits stdin into lines, looking at each byte once, so a 50 MB line costs no more than 50 MB. */
  /**
   * @param {(line: string) => void} onLine
   * @param {() => void} onEnd
   */
  function readLines(onLine, onEnd) {
    /** @type {Uint8Array[]} */
    let pieces = [];
    let piecesLength = 0;
    /** @param {{ done: boolean, value: Uint8Array }} result */
    const onChunk = (result) => {
      if (result.done) {
        onEnd();
        return;
      }
      const chunk = result.value;
      const chunkLength = typedArrayLength(chunk);
      let start = 0;
      for (;;) {
        const newline = typedArrayIndexOf(chunk, 10, start);
        if (newline === -1) break;
        let bytes = new Uint8ArrayCtor(
          typedArrayBuffer(chunk),
          typedArrayOffset(chunk) + start,
          newline - start,
        );
        if (pieces.length > 0) {
          const joined = new Uint8ArrayCtor(piecesLength + (newline - start));
          let offset = 0;
          for (let i = 0; i < pieces.length; i++) {
            typedArraySet(joined, pieces[i], offset);
            offset += typedArrayLength(pieces[i]);
          }
          typedArraySet(joined, bytes, offset);
          bytes = joined;
          pieces = [];
          piecesLength = 0;
        }
        try {
          onLine(decode(decoder, bytes));
        } catch (error) {
          // A line this program cannot handle: the host sees the process end and reports it.
          failHard(error);
          return;
        }
        start = newline + 1;
      }
      if (start < chunkLength) {
        const rest = new Uint8ArrayCtor(chunkLength - start);
        typedArraySet(
          rest,
          new Uint8ArrayCtor(typedArrayBuffer(chunk), typedArrayOffset(chunk) + start, chunkLength - start),
        );
        pieces[pieces.length] = rest;
        piecesLength += chunkLength - start;
      }
      next();
    };
    const next = () => promiseThenHere(readChunk(stdinReader), onChunk, onEnd);
    next();
  }

  /** @param {unknown} error */
  function failHard(error) {
    try {
      writeSyncStderr(stderr, encode(encoder, `rlm-deno-child: ${StringCtor(error)}\n`));
    } finally {
      exit(70);
    }
  }

  /** @param {string} line */
  function parseLine(line) {
    const tab = stringIndexOf(line, '\t');
    if (tab === -1) return { header: jsonParse(line), payload: undefined };
    return { header: jsonParse(stringSlice(line, 0, tab)), payload: stringSlice(line, tab + 1) };
  }

  // ---- the sandbox ----
  /** @type {import('node:vm').Context} */
  let sandbox;
  /** @type {import('@rlm/core/environment').JavaScriptPreludeControl} */
  let control;
  /** @type {Function} */
  let promiseThen;
  /** The cell that runs now: `{ id, settled, finished }`. */
  /** @type {Cell | null} */
  let currentCell = null;
  /** Host calls of the running cell waiting for their answer: callId → `{ resolve, reject, chars }`. */
  const pendingCalls = new Map();
  let callsInFlight = 0;
  let charsInFlight = 0;
  let maxCallsInFlight = 0;
  let maxCharsInFlight = 0;
  let nextCallId = 1;

  /**
   * Starts a host call for the sandbox's bridge. Returns `undefined` once the call is on its way, or
   * the text of the refusal; it never throws, so no object of this realm reaches the sandbox.
   */
  /**
   * @param {unknown} name
   * @param {unknown} argsJson
   * @param {PendingCall['resolve']} resolve
   * @param {PendingCall['reject']} reject
   * @returns {string | undefined}
   */
  function startHostCall(name, argsJson, resolve, reject) {
    try {
      if (typeof name !== 'string' || typeof argsJson !== 'string') {
        return 'A host call needs a function name and the JSON text of its arguments.';
      }
      if (currentCell === null || currentCell.finished) {
        return 'The cell that made this call has ended; its calls no longer reach the host.';
      }
      if (argsJson.length > maxCharsInFlight) {
        return `${name}: the arguments are ${argsJson.length} characters of JSON, more than the ${maxCharsInFlight} one call may carry to the host. Pass a smaller piece.`;
      }
      if (callsInFlight >= maxCallsInFlight || charsInFlight + argsJson.length > maxCharsInFlight) {
        return `${name}: ${callsInFlight} host calls with ${charsInFlight} characters of arguments are already with the host, the most this sandbox hands over at once. Wait for some of them first.`;
      }
      const fields = { __proto__: null, type: 'hostCall', callId: nextCallId, cell: currentCell.id, name };
      // The header holds the name (at most 6 characters of JSON per character) and a few numbers.
      if (argsJson.length + name.length * 6 + 256 > maxLineChars) {
        return `${name}: the host call is too large to send.`;
      }
      const callId = nextCallId++;
      mapSet(pendingCalls, callId, { resolve, reject, chars: argsJson.length });
      callsInFlight++;
      charsInFlight += argsJson.length;
      send(fields, argsJson);
      return undefined;
    } catch {
      return 'The host call could not be started.';
    }
  }

  /** @param {any} message */
  function initialize(message) {
    if (!vm.constants || vm.constants.DONT_CONTEXTIFY === undefined) {
      throw new ErrorCtor(
        'this Deno has no node:vm DONT_CONTEXTIFY contexts; use Deno 2.9 or later (the @deno/* npm packages bring one).',
      );
    }
    maxCallsInFlight = message.maxHostCallsInFlight;
    maxCharsInFlight = message.maxHostCallCharsInFlight;
    maxLineChars = message.maxLineChars;
    sandbox = vm.createContext(vm.constants.DONT_CONTEXTIFY);
    /** @type {(code: string, filename: string) => any} */
    const run = (code, filename) => vm.runInContext(code, sandbox, { filename });
    // Deno's stack hook reads the sandbox's `globalThis.Error.prepareStackTrace` and hands it call
    // sites whose prototypes lead back to this realm: neither the global `Error` nor that property
    // can change, so the sandbox gets V8's plain text stacks only.
    run(`(${lockStackTraceHook})(globalThis)`, 'rlm-intrinsics.js');
    // Captured before any model code runs: a cell may replace Promise.prototype.then.
    promiseThen = run('Promise.prototype.then', 'rlm-intrinsics.js');
    const innerJsonParse = run('JSON.parse', 'rlm-intrinsics.js');
    // The bridge makes promises of the sandbox and settles them with strings only, so no object of
    // this realm (whose constructors lead to this realm's globals) ever reaches model code. What this
    // realm throws (a stack overflow on the way in, say) is caught here and replaced by a string.
    const makeBridge = run(
      `(function (start) {
        'use strict';
        var PromiseCtor = Promise;
        return { hostCall: function hostCall(name, argsJson) {
          return new PromiseCtor(function (resolve, reject) {
            var refusal;
            try { refusal = start(name, argsJson, resolve, reject); } catch (error) { refusal = 'The host call could not be started.'; }
            if (refusal !== undefined) reject(typeof refusal === 'string' ? refusal : 'The host call could not be started.');
          });
        } };
      })`,
      'rlm-bridge.js',
    );
    const bridge = makeBridge(startHostCall);
    const options = apply(innerJsonParse, undefined, [
      jsonStringify({
        hostFunctionNames: message.hostFunctionNames,
        maxHostCallsInFlight: maxCallsInFlight,
        maxHostCallCharsInFlight: maxCharsInFlight,
      }),
    ]);
    const text = readTextFileSync(message.contextFile);
    if (message.contextKind === 'string') {
      options.context = text;
    } else if (message.contextKind === 'split') {
      // Split by the sandbox's own split, so the list belongs to the sandbox; no model code ran yet.
      options.context = run('(function (text, separator) { return text.split(separator); })', 'rlm-split.js')(
        text,
        message.separator,
      );
    } else {
      options.contextJson = text;
    }
    const prelude = run(message.prelude, 'rlm-prelude.js');
    control = prelude(bridge, options);
    // V8 takes a string made from a file even past its heap limit, and only fails at a later
    // collection: a context that leaves no room to work is refused now, saying why.
    const heapUsedMb = mathCeil(memoryUsage().heapUsed / (1024 * 1024));
    if (heapUsedMb > message.memoryLimitMb) {
      throw new ErrorCtor(
        `the context takes ${heapUsedMb} MiB inside the sandbox, more than memoryLimitMb = ${message.memoryLimitMb}; raise memoryLimitMb`,
      );
    }
  }

  /** Cuts a text to `limit` characters, keeping its head and tail, so a 10 MB message costs the host nothing. */
  /**
   * @param {string} text
   * @param {number} limit
   */
  function cutText(text, limit) {
    if (text.length <= limit) return text;
    const marker = `\n… [${text.length} characters; the middle was cut] …\n`;
    const budget = mathMax(limit - marker.length, 0);
    const head = mathCeil(budget * 0.6);
    return stringSlice(text, 0, head) + marker + stringSlice(text, text.length - (budget - head));
  }

  /**
   * @param {unknown} reason
   * @param {number} limit
   */
  function describe(reason, limit) {
    try {
      const description = control.describeError(reason);
      return {
        __proto__: null,
        name: cutText(StringCtor(description.name), limit),
        message: cutText(StringCtor(description.message), limit),
        stack: cutText(StringCtor(description.stack), limit),
      };
    } catch {
      return {
        __proto__: null,
        name: 'Error',
        message: 'The cell failed, and its error could not be read.',
        stack: '',
      };
    }
  }

  /** A syntax error comes from this realm's compiler: it is read here, never handed to the sandbox. */
  /**
   * @param {any} error
   * @param {number} limit
   */
  function describeHere(error, limit) {
    let name = 'SyntaxError';
    let message = '';
    let stack = '';
    try {
      name = StringCtor(error.name);
      message = StringCtor(error.message);
      stack = StringCtor(error.stack);
    } catch {
      // Whatever could be read is kept.
    }
    return {
      __proto__: null,
      name: cutText(name, limit),
      message: cutText(message, limit),
      stack: cutText(stack, limit),
    };
  }

  /**
   * @param {unknown} value
   * @param {number} limit
   */
  function formatValue(value, limit) {
    try {
      const shown = control.formatValue(value);
      return shown === undefined ? undefined : cutText(StringCtor(shown), limit);
    } catch {
      return '[a value that could not be displayed]';
    }
  }

  // A message through a MessageChannel arrives as a new task, after every microtask queued before it
  // has run: a cell counts as finished only once the jobs it queued are done, as in QuickJS, so an
  // endless chain of microtasks keeps it running until the host's watchdog stops it.
  const taskChannel = new MessageChannelCtor();
  const postMessage = uncurry(getPrototypeOf(taskChannel.port1).postMessage);
  const closePort = uncurry(getPrototypeOf(taskChannel.port1).close);
  /** @type {((() => void) | undefined)[]} */
  const finishQueue = [];
  let finishHead = 0;
  /** @type {any} */ (taskChannel.port2).onmessage = () => {
    if (finishHead >= finishQueue.length) return;
    const finish = /** @type {() => void} */ (finishQueue[finishHead]);
    finishQueue[finishHead++] = undefined;
    if (finishHead === finishQueue.length) {
      finishQueue.length = 0;
      finishHead = 0;
    }
    finish();
  };
  /** @param {() => void} task */
  function inNextTask(task) {
    finishQueue[finishQueue.length] = task;
    postMessage(taskChannel.port1, null);
  }

  /** Called when the cell's promise settles (or the host cancels it): finishes it in a task of its own. */
  /**
   * @param {Cell} cell
   * @param {() => object} settle
   */
  function settleCell(cell, settle) {
    if (cell.settled) return;
    cell.settled = true;
    inNextTask(() => finishCell(cell, settle()));
  }

  /**
   * @param {Cell} cell
   * @param {object} result
   */
  function finishCell(cell, result) {
    if (cell.finished) return;
    cell.finished = true;
    let output = control.endCell();
    // The host drops the calls the cell left running; rejecting them now (no cell is running, so
    // output is discarded and host calls never reach the host) lets what the cell chained on them run
    // in the microtasks before the next task. The cell is reported done only in that task: a leftover
    // that never stops keeps it from being done, so it is this cell's timeout, not the next cell's.
    mapClear(pendingCalls);
    callsInFlight = 0;
    charsInFlight = 0;
    control.dropCalls();
    /** @type {object} */
    let fields = { __proto__: null, type: 'cellDone', id: cell.id, ...result };
    if (!fits(fields, output)) {
      const size = output.length;
      output = '{"stdout":"","stderr":"","droppedOutputChars":0,"final":null}';
      fields = {
        __proto__: null,
        type: 'cellDone',
        id: cell.id,
        outcome: 'rejected',
        error: {
          __proto__: null,
          name: 'RangeError',
          message: `The cell's output, value and answer take ${size} characters or more, more than the ${maxLineChars} the Deno sandbox hands back at once. Return or print a smaller piece, or save it in a variable and pass it on in parts.`,
          stack: '',
        },
      };
    }
    inNextTask(() => send(fields, output));
  }

  /** @param {any} message */
  function startCell(message) {
    // End the clean-up of the previous cell: what its leftovers printed is dropped.
    control.endCell();
    const limit = mathMax(message.maxOutputChars, MIN_TEXT_CHARS);
    const cell = { id: message.id, settled: false, finished: false };
    currentCell = cell;
    control.beginCell(message.maxOutputChars);
    let script;
    try {
      script = new vm.Script(message.code, { filename: message.fileName });
    } catch (error) {
      settleCell(cell, () => ({ __proto__: null, outcome: 'syntax', error: describeHere(error, limit) }));
      return;
    }
    let completion;
    try {
      completion = script.runInContext(sandbox);
    } catch (error) {
      settleCell(cell, () => ({ __proto__: null, outcome: 'rejected', error: describe(error, limit) }));
      return;
    }
    try {
      apply(promiseThen, completion, [
        (/** @type {unknown} */ value) =>
          settleCell(cell, () => {
            const shown = formatValue(value, limit);
            return shown === undefined
              ? { __proto__: null, outcome: 'fulfilled' }
              : { __proto__: null, outcome: 'fulfilled', value: shown };
          }),
        (/** @type {unknown} */ reason) =>
          settleCell(cell, () => ({ __proto__: null, outcome: 'rejected', error: describe(reason, limit) })),
      ]);
    } catch {
      // Only a cell that replaced the rewrite's own chaining global gets here.
      settleCell(cell, () => ({
        __proto__: null,
        outcome: 'rejected',
        error: {
          __proto__: null,
          name: 'TypeError',
          message: 'The cell did not evaluate to a promise.',
          stack: '',
        },
      }));
    }
  }

  /**
   * @param {any} message
   * @param {string | undefined} payload
   */
  function settleHostCall(message, payload) {
    const pending = mapGet(pendingCalls, message.callId);
    if (!pending) return;
    mapDelete(pendingCalls, message.callId);
    callsInFlight--;
    charsInFlight -= pending.chars;
    if (message.ok) pending.resolve(payload === undefined ? '' : payload);
    else pending.reject(StringCtor(message.message));
  }

  /** @param {string} line */
  function handleLine(line) {
    const { header: message, payload } = parseLine(line);
    switch (message.type) {
      case 'init':
        if (linePrefix !== undefined) return;
        linePrefix = `{"k":${jsonStringify(StringCtor(message.key))},"n":`;
        try {
          initialize(message);
        } catch (error) {
          send({
            __proto__: null,
            type: 'fatal',
            message: error instanceof ErrorCtor ? error.message : StringCtor(error),
          });
          exit(1);
        }
        send({ __proto__: null, type: 'ready' });
        return;
      case 'cell':
        startCell(message);
        return;
      case 'cancel':
        if (currentCell !== null && currentCell.id === message.id) {
          finishCell(currentCell, { __proto__: null, outcome: 'cancelled' });
        }
        return;
      case 'hostResult':
        settleHostCall(message, payload);
        return;
      default:
        throw new ErrorCtor(`unknown message type ${jsonStringify(message.type)}`);
    }
  }

  readLines(handleLine, () => {
    // The host closed stdin: it is gone or done with this session.
    closePort(taskChannel.port1);
    exit(0);
  });
}
