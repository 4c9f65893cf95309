// @ts-check
/**
 * The program every Deno child of `@rlm/env-pyodide` runs: one Python interpreter (Pyodide) in one
 * OS process, for one REPL session.
 *
 * The build embeds this file as a string (`scripts/embed-sandbox-sources.mjs`, into
 * `pyodide-child.sandbox.generated.ts`); the host writes that text to `rlm-pyodide-child.js` in a
 * private directory and runs it from there. Run `pnpm --filter @rlm/env-pyodide build` after editing.
 *
 * Deno starts it with no permission but reading Pyodide's own files, the loaded-state snapshot the
 * host made, and the one file that holds the context: no other file, no writing, network,
 * environment, subprocesses or FFI. Python code can reach this program's realm (`import js`, the
 * FFI's `run_js`, the `constructor` of any JavaScript object), so before any model code runs this
 * realm is emptied down to the bridge: `Deno`, `fetch`, workers, storage, `setInterval` and the rest
 * are deleted, and `setTimeout` (which Pyodide's event loop needs) is replaced by one that runs a
 * callback only while the cell that set it runs. Every intrinsic the protocol code uses is captured
 * first, so replacing `JSON.stringify` or `String.prototype.slice` from Python changes nothing here.
 *
 * The protocol is JSON lines, each a JSON header optionally followed by a tab and a JSON payload:
 *
 *   host → child  {"type":"boot","key","indexURL","moduleUrl","snapshotPath"?,"makeSnapshotPath"?,"runtime","maxLineChars"}
 *                 {"type":"init","contextFile","contextKind","separator"?,"hostFunctionNames","maxHostCallsInFlight","maxHostCallCharsInFlight"}
 *                 {"type":"bind","name"} TAB valueJson
 *                 {"type":"cell","id","fileName","maxOutputChars","code"}
 *                 {"type":"cancel","id"}
 *                 {"type":"hostResult","callId","ok":true} TAB resultJson  |  {…,"ok":false,"message"}
 *   child → host  {"k","n","type":"booted"} | {"type":"snapshot"} | {"type":"ready"} | {"type":"bound","ok","message"?}
 *                 {"k","n","type":"fatal","message"}
 *                 {"k","n","type":"hostCall","callId","cell","name"} TAB argsJson
 *                 {"k","n","type":"cellDone","id","outcome","value"?,"error"?,"memory"?,"broken"?} TAB outputJson
 *
 * Every line to the host starts with `{"k":<key>,"n":<n>,`: the per-process secret from `boot`
 * (read before any model code ran; only this program's closures hold it) and the line's number. The
 * host ends the session on a line without them.
 */

/** @type {any} */
const denoNamespace = /** @type {any} */ (globalThis).Deno;
rlmPyodideChild(denoNamespace);

/**
 * @param {any} deno Deno's namespace, which no type here describes.
 */
function rlmPyodideChild(deno) {
  // ---- what this realm uses, taken before any model code runs ----
  const apply = Reflect.apply;
  const bind = Function.prototype.bind;
  const call = Function.prototype.call;
  /** @type {(fn: Function) => any} */
  const uncurry = (fn) => apply(bind, call, [fn]);
  const getPrototypeOf = Object.getPrototypeOf;
  const defineProperty = Object.defineProperty;
  const jsonStringify = JSON.stringify;
  const jsonParse = JSON.parse;
  const StringCtor = String;
  const ErrorCtor = Error;
  const Uint8ArrayCtor = Uint8Array;
  const PromiseCtor = Promise;
  const mathMin = Math.min;
  const mathMax = Math.max;
  const stringSlice = uncurry(String.prototype.slice);
  const stringIndexOf = uncurry(String.prototype.indexOf);
  const stringCharCodeAt = uncurry(String.prototype.charCodeAt);
  const arrayPush = uncurry(Array.prototype.push);
  const arrayJoin = uncurry(Array.prototype.join);
  const typedArrayPrototype = getPrototypeOf(Uint8Array.prototype);
  const typedArraySet = uncurry(typedArrayPrototype.set);
  const typedArrayIndexOf = uncurry(typedArrayPrototype.indexOf);
  /** @param {string} name */
  const typedArrayGetter = (name) =>
    uncurry(
      /** @type {{ get: Function }} */ (Object.getOwnPropertyDescriptor(typedArrayPrototype, name)).get,
    );
  const typedArrayBuffer = typedArrayGetter('buffer');
  const typedArrayOffset = typedArrayGetter('byteOffset');
  const typedArrayLength = typedArrayGetter('length');
  const mapGet = uncurry(Map.prototype.get);
  const mapSet = uncurry(Map.prototype.set);
  const mapDelete = uncurry(Map.prototype.delete);
  const mapClear = uncurry(Map.prototype.clear);
  const promiseThen = uncurry(Promise.prototype.then);
  const encoder = new TextEncoder();
  const encode = uncurry(TextEncoder.prototype.encode);
  const decoder = new TextDecoder();
  const decode = uncurry(TextDecoder.prototype.decode);
  const stdout = deno.stdout;
  const writeSync = uncurry(stdout.writeSync);
  const stderr = deno.stderr;
  const writeSyncStderr = uncurry(stderr.writeSync);
  const stdinReader = deno.stdin.readable.getReader();
  const readChunk = uncurry(getPrototypeOf(stdinReader).read);
  const readFileSync = deno.readFileSync;
  const writeFileSync = deno.writeFileSync;
  const exit = deno.exit;
  const realSetTimeout = globalThis.setTimeout;
  const realClearTimeout = globalThis.clearTimeout;
  /** Deno's own `setImmediate`: unlike `setTimeout(f, 0)`, never clamped to 4 ms when nested. */
  const realSetImmediate = /** @type {any} */ (globalThis).setImmediate;
  const addEventListener = /** @type {any} */ (globalThis).addEventListener;
  const preventDefault = uncurry(Event.prototype.preventDefault);
  const MapCtor = Map;

  /** A payload is encoded this many characters at a time, so 50 MB never needs 50 MB more for its bytes. */
  const WRITE_CHUNK_CHARS = 1 << 20;
  /** Value, error name, message and stack keep at least this many characters, whatever the output cap. */
  const MIN_TEXT_CHARS = 1000;
  /** How long a cancelled cell's Python task may take to wind down before the cell ends without it. */
  const CANCEL_GRACE_MS = 200;

  // Pyodide's event loop rejects nothing it cannot handle, but model code may leave a JavaScript
  // promise rejected; Deno would end the process on it.
  apply(addEventListener, globalThis, [
    'unhandledrejection',
    (/** @type {Event} */ event) => preventDefault(event),
  ]);

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
  /** @type {string | undefined} */
  let linePrefix;
  let lineNumber = 0;
  let maxLineChars = 0;

  /**
   * Writes one line. Headers are objects without a prototype, so serialising them calls no
   * replaceable `toJSON`.
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
      const last = stringCharCodeAt(payload, end - 1);
      if (end < payload.length && last >= 0xd800 && last <= 0xdbff) end--;
      writeAll(encode(encoder, stringSlice(payload, start, end)));
      start = end;
    }
    writeAll(encode(encoder, '\n'));
  }

  /** @param {unknown} error */
  function failHard(error) {
    try {
      writeSyncStderr(stderr, encode(encoder, `rlm-pyodide-child: ${StringCtor(error)}\n`));
    } finally {
      exit(70);
    }
  }

  // ---- lines from the host ----
  /**
   * @param {(line: string) => void | Promise<void>} onLine
   * @param {() => void} onEnd
   */
  function readLines(onLine, onEnd) {
    /** @type {Uint8Array[]} */
    let pieces = [];
    let piecesLength = 0;
    /** @param {{ done: boolean, value: Uint8Array }} result */
    const onChunk = async (result) => {
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
          // Boot and init are awaited: no later line is handled before the interpreter is ready.
          await onLine(decode(decoder, bytes));
        } catch (error) {
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
    const next = () => promiseThen(readChunk(stdinReader), onChunk, onEnd);
    next();
  }

  /** @param {string} line */
  function parseLine(line) {
    const tab = stringIndexOf(line, '\t');
    if (tab === -1) return { header: jsonParse(line), payload: undefined };
    return { header: jsonParse(stringSlice(line, 0, tab)), payload: stringSlice(line, tab + 1) };
  }

  // ---- the cell that runs, its output and its host calls ----
  /**
   * @typedef {object} Cell
   * @property {number} id
   * @property {number} maxOutputChars
   * @property {string[]} stdout
   * @property {string[]} stderr
   * @property {number} kept
   * @property {number} dropped
   * @property {boolean} finished
   */
  /** @type {Cell | null} */
  let currentCell = null;
  /** Bumped when a cell starts and ends: timer callbacks of another generation never run. */
  let generation = 0;
  /** @type {Map<number, { resolve: (text: string) => void, chars: number }>} */
  const pendingCalls = new MapCtor();
  let callsInFlight = 0;
  let charsInFlight = 0;
  let maxCallsInFlight = 0;
  let maxCharsInFlight = 0;
  let nextCallId = 1;

  /**
   * Keeps a cell's share of output: at most `maxOutputChars` characters of both streams together,
   * counting what it drops. Text written while no cell runs is dropped.
   * @param {unknown} stream
   * @param {unknown} text
   */
  function writeOutput(stream, text) {
    const cell = currentCell;
    if (cell === null || cell.finished) return;
    const piece = StringCtor(text);
    const room = cell.maxOutputChars - cell.kept;
    const kept = room >= piece.length ? piece : stringSlice(piece, 0, mathMax(room, 0));
    cell.dropped += piece.length - kept.length;
    if (kept.length === 0) return;
    cell.kept += kept.length;
    arrayPush(stream === 2 ? cell.stderr : cell.stdout, kept);
  }

  /**
   * The bridge's host call: a promise of "1" + result JSON or "0" + the reason; it never rejects, so
   * Python gets a string, never an object of this realm.
   * @param {unknown} name
   * @param {unknown} argsJson
   */
  function hostCall(name, argsJson) {
    return new PromiseCtor((resolve) => {
      const refusal = startHostCall(name, argsJson, resolve);
      if (refusal !== undefined) resolve(`0${refusal}`);
    });
  }

  /**
   * @param {unknown} name
   * @param {unknown} argsJson
   * @param {(text: string) => void} resolve
   * @returns {string | undefined}
   */
  function startHostCall(name, argsJson, resolve) {
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
        return `${name}: ${callsInFlight} host calls with ${charsInFlight} characters of arguments are already with the host, the most this sandbox hands over at once. Await some of them first.`;
      }
      if (argsJson.length + name.length * 6 + 256 > maxLineChars) {
        return `${name}: the host call is too large to send.`;
      }
      const callId = nextCallId++;
      mapSet(pendingCalls, callId, { resolve, chars: argsJson.length });
      callsInFlight++;
      charsInFlight += argsJson.length;
      send({ __proto__: null, type: 'hostCall', callId, cell: currentCell.id, name }, argsJson);
      return undefined;
    } catch {
      return 'The host call could not be started.';
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
    pending.resolve(message.ok ? `1${payload ?? ''}` : `0${StringCtor(message.message)}`);
  }

  /**
   * The `setTimeout` model code and Pyodide's event loop see: a callback runs only if the cell that
   * set it still runs, so nothing a cell left behind (a task, a `call_later`) runs after it ended.
   * @param {unknown} callback
   * @param {unknown} delay
   */
  function gatedSetTimeout(callback, delay) {
    if (typeof callback !== 'function') return 0;
    const setIn = generation;
    return realSetTimeout(() => {
      if (setIn !== generation || currentCell === null || currentCell.finished) return;
      callback();
    }, Number(delay) || 0);
  }

  /**
   * Fixes the intrinsics Deno's own I/O and this program rest on, so that code that reaches this
   * realm cannot rewire them (`Promise.prototype.then`, `JSON.stringify`, `Array.prototype.push`,
   * `Object.prototype.toJSON`, …): their methods become read-only, the namespaces frozen, and the
   * prototypes closed to new properties. Names that code routinely assigns on its own objects
   * (`toString`, `constructor`, `name`, …) stay writable: freezing them would make such assignments
   * throw (the "override mistake"), and the protocol code never reads them.
   */
  function hardenIntrinsics() {
    const keepWritable = [
      'constructor',
      'toString',
      'valueOf',
      'toLocaleString',
      'name',
      'message',
      'length',
      'stack',
    ];
    const getOwnPropertyNames = Object.getOwnPropertyNames;
    const getOwnPropertySymbols = Object.getOwnPropertySymbols;
    const getDescriptor = Object.getOwnPropertyDescriptor;
    /** @param {any} target */
    const fixMethods = (target) => {
      for (const key of [...getOwnPropertyNames(target), ...getOwnPropertySymbols(target)]) {
        if (typeof key === 'string' && keepWritable.includes(key)) continue;
        const descriptor = getDescriptor(target, key);
        if (descriptor === undefined || !descriptor.configurable) continue;
        if ('value' in descriptor) {
          defineProperty(target, key, {
            value: descriptor.value,
            writable: false,
            configurable: false,
            enumerable: descriptor.enumerable,
          });
        } else {
          defineProperty(target, key, {
            get: descriptor.get,
            set: descriptor.set,
            configurable: false,
            enumerable: descriptor.enumerable,
          });
        }
      }
    };
    const typedArray = getPrototypeOf(Uint8Array);
    const prototypes = [
      Object.prototype,
      Function.prototype,
      Array.prototype,
      String.prototype,
      Number.prototype,
      Boolean.prototype,
      Symbol.prototype,
      RegExp.prototype,
      Promise.prototype,
      Map.prototype,
      Set.prototype,
      WeakMap.prototype,
      ArrayBuffer.prototype,
      typedArray.prototype,
      Uint8Array.prototype,
      DataView.prototype,
      TextEncoder.prototype,
      TextDecoder.prototype,
      getPrototypeOf([][Symbol.iterator]()),
      getPrototypeOf(getPrototypeOf([][Symbol.iterator]())),
      getPrototypeOf(stdinReader),
      ReadableStream.prototype,
    ];
    for (const prototype of prototypes) fixMethods(prototype);
    for (const namespace of [
      Object,
      Function,
      Array,
      String,
      Number,
      Promise,
      Map,
      Set,
      ArrayBuffer,
      typedArray,
      Uint8Array,
      Symbol,
      Reflect,
      JSON,
      Math,
      Atomics,
    ]) {
      fixMethods(namespace);
    }
    for (const closed of [
      Object.prototype,
      Function.prototype,
      Array.prototype,
      String.prototype,
      Promise.prototype,
      JSON,
      Reflect,
    ]) {
      Object.preventExtensions(closed);
    }
  }

  /**
   * The `setImmediate` Pyodide's event loop schedules each of its steps with: gated like
   * {@link gatedSetTimeout}, and immediate (each asyncio step through `setTimeout(f, 0)` would wait
   * the 4 ms nested timers are clamped to).
   * @param {unknown} callback
   */
  function gatedSetImmediate(callback) {
    if (typeof callback !== 'function') return 0;
    if (typeof realSetImmediate !== 'function') return gatedSetTimeout(callback, 0);
    const setIn = generation;
    return realSetImmediate(() => {
      if (setIn !== generation || currentCell === null || currentCell.finished) return;
      callback();
    });
  }

  /** Empties this realm before model code runs; see the file's comment. */
  function lockRealm() {
    hardenIntrinsics();
    for (const name of [
      'Deno',
      'Worker',
      'SharedWorker',
      'localStorage',
      'sessionStorage',
      'caches',
      'CacheStorage',
      'Cache',
      'Storage',
      'indexedDB',
      'BroadcastChannel',
      'MessageChannel',
      'MessagePort',
      'process',
      'Buffer',
      'require',
      'setInterval',
      'clearInterval',
      'fetch',
      'Request',
      'Response',
      'WebSocket',
      'WebSocketStream',
      'EventSource',
      'navigator',
      'prompt',
      'alert',
      'confirm',
      'close',
      'reportError',
      // Deno's own hook for its Node compatibility layer, left on the global after start-up.
      'nodeBootstrap',
      'Lock',
      'LockManager',
      'GPU',
      'OffscreenCanvas',
      'createImageBitmap',
    ]) {
      try {
        // @ts-expect-error: a name of this list, which the type of globalThis may not have.
        delete globalThis[name];
      } catch {
        // A non-configurable global stays; the permissions still hold.
      }
    }
    // Pyodide reports its own failures through `console`; a console that writes nothing keeps that
    // path working without a way to the process's stdout or stderr.
    const quiet = () => undefined;
    const console = Object.create(null);
    for (const method of [
      'log',
      'info',
      'debug',
      'warn',
      'error',
      'trace',
      'dir',
      'table',
      'assert',
      'group',
      'groupEnd',
      'time',
      'timeEnd',
      'count',
    ]) {
      console[method] = quiet;
    }
    Object.freeze(console);
    defineProperty(globalThis, 'console', {
      value: console,
      writable: false,
      configurable: false,
      enumerable: false,
    });
    defineProperty(globalThis, 'setTimeout', {
      value: gatedSetTimeout,
      writable: false,
      configurable: false,
      enumerable: false,
    });
    // Pyodide's event loop schedules its next step with setImmediate where it finds Node's globals.
    defineProperty(globalThis, 'setImmediate', {
      value: gatedSetImmediate,
      writable: false,
      configurable: false,
      enumerable: false,
    });
    defineProperty(globalThis, 'clearTimeout', {
      value: realClearTimeout,
      writable: false,
      configurable: false,
      enumerable: false,
    });
  }

  // ---- the interpreter ----
  /** @type {any} */
  let pyodide;
  /** @type {any} */
  let session;

  /** @param {any} message */
  async function boot(message) {
    maxLineChars = message.maxLineChars;
    const { loadPyodide } = await import(message.moduleUrl);
    /** @type {Record<string, unknown>} */
    const config = {
      indexURL: message.indexURL,
      // `import js` finds an empty module; the realm behind it is emptied by lockRealm too.
      jsglobals: Object.create(null),
      env: { HOME: '/home/pyodide' },
      stdout: (/** @type {string} */ text) => writeOutput(1, `${text}\n`),
      stderr: (/** @type {string} */ text) => writeOutput(2, `${text}\n`),
    };
    if (message.makeSnapshotPath !== undefined) config._makeSnapshot = true;
    else if (message.snapshotPath !== undefined) config._loadSnapshot = readFileSync(message.snapshotPath);
    pyodide = await loadPyodide(config);
    if (message.makeSnapshotPath !== undefined) {
      // Modules every session imports are loaded into the snapshot too.
      pyodide.runPython(message.runtime);
      writeFileSync(message.makeSnapshotPath, pyodide.makeMemorySnapshot());
      send({ __proto__: null, type: 'snapshot' });
      exit(0);
      return;
    }
    pyodide.runPython(message.runtime);
    // Pyodide calls this once a fatal error left it unable to run anything (emscripten's system(),
    // a broken stack): the running cell ends now, as broken, instead of at its timeout.
    pyodide._api.on_fatal = () => {
      const cell = currentCell;
      if (cell !== null && !cell.finished) {
        realSetTimeout(
          () =>
            finishCell(
              cell,
              jsonStringify({
                outcome: 'rejected',
                error: {
                  name: 'SystemError',
                  message: 'The Python interpreter had a fatal error.',
                  stack: '',
                },
              }),
              MIN_TEXT_CHARS,
              true,
            ),
          0,
        );
      }
    };
    // Raw writes to file descriptors 1 and 2 (os.write) land in the cell's output too.
    pyodide.setStdout({ write: (/** @type {Uint8Array} */ bytes) => rawWrite(1, bytes) });
    pyodide.setStderr({ write: (/** @type {Uint8Array} */ bytes) => rawWrite(2, bytes) });
    lockRealm();
    send({ __proto__: null, type: 'booted' });
  }

  /**
   * @param {number} stream
   * @param {Uint8Array} bytes
   */
  function rawWrite(stream, bytes) {
    writeOutput(stream, decode(decoder, bytes));
    return typedArrayLength(bytes);
  }

  /** @param {any} message */
  function initialize(message) {
    maxCallsInFlight = message.maxHostCallsInFlight;
    maxCharsInFlight = message.maxHostCallCharsInFlight;
    const bridge = Object.create(null);
    bridge.hostCall = hostCall;
    bridge.write = writeOutput;
    const install = pyodide.globals.get('_rlm_install');
    session = install(bridge, pyodide.toPy(message.hostFunctionNames), maxCallsInFlight);
    install.destroy();
    // Python gets the file's bytes and decodes them itself (one copy into the interpreter, then a
    // native UTF-8 decode): converting a 50 MB JavaScript string into a Python str took 10+ s.
    const load = session.get('load_context');
    load(
      readFileSync(message.contextFile),
      StringCtor(message.contextKind),
      message.separator === undefined ? '' : StringCtor(message.separator),
    );
    load.destroy();
  }

  /**
   * @param {any} message
   * @param {string | undefined} payload
   */
  function bindAdded(message, payload) {
    try {
      const parse = pyodide.globals.get('_rlm_parse_json');
      const value = parse(payload ?? 'null');
      const binder = session.get('bind');
      binder(StringCtor(message.name), value);
      binder.destroy();
      parse.destroy();
      if (value && typeof value.destroy === 'function') value.destroy();
      send({ __proto__: null, type: 'bound', ok: true });
    } catch (error) {
      send({ __proto__: null, type: 'bound', ok: false, message: cutText(errorText(error), MIN_TEXT_CHARS) });
    }
  }

  /** @param {unknown} error */
  function errorText(error) {
    try {
      return error instanceof ErrorCtor ? error.message : StringCtor(error);
    } catch {
      return 'an error that could not be read';
    }
  }

  /**
   * @param {string} text
   * @param {number} limit
   */
  function cutText(text, limit) {
    if (text.length <= limit) return text;
    const marker = `\n… [${text.length} characters; the middle was cut] …\n`;
    const budget = mathMax(limit - marker.length, 0);
    const head = Math.ceil(budget * 0.6);
    return stringSlice(text, 0, head) + marker + stringSlice(text, text.length - (budget - head));
  }

  /** @type {any} */
  let runningTask;

  /** Whether the interpreter still runs code (Pyodide refuses everything after a fatal error). */
  function interpreterAlive() {
    try {
      return pyodide.runPython('1') === 1;
    } catch {
      return false;
    }
  }

  /** @param {any} message */
  function startCell(message) {
    generation++;
    /** @type {Cell} */
    const cell = {
      id: message.id,
      maxOutputChars: message.maxOutputChars,
      stdout: [],
      stderr: [],
      kept: 0,
      dropped: 0,
      finished: false,
    };
    currentCell = cell;
    const limit = mathMax(message.maxOutputChars, MIN_TEXT_CHARS);
    try {
      const start = session.get('start_cell');
      runningTask = start(
        StringCtor(message.code),
        message.id,
        StringCtor(message.fileName),
        (/** @type {string} */ resultJson) => finishCell(cell, resultJson, limit),
      );
      start.destroy();
    } catch (error) {
      finishCell(
        cell,
        jsonStringify({
          outcome: 'rejected',
          error: { name: 'Error', message: `The cell could not start: ${errorText(error)}`, stack: '' },
        }),
        limit,
        true,
      );
    }
  }

  /**
   * @param {Cell} cell
   * @param {string} resultJson
   * @param {number} limit
   */
  function finishCell(cell, resultJson, limit, checkHealth = false) {
    if (cell.finished) return;
    cell.finished = true;
    generation++;
    if (runningTask && typeof runningTask.destroy === 'function') {
      try {
        runningTask.destroy();
      } catch {
        // Already gone.
      }
    }
    runningTask = undefined;
    // The host drops the calls the cell left running; their answers reach nothing here.
    mapClear(pendingCalls);
    callsInFlight = 0;
    charsInFlight = 0;
    let result;
    try {
      result = jsonParse(resultJson);
    } catch {
      result = {
        outcome: 'rejected',
        error: { name: 'Error', message: 'The cell result could not be read.' },
      };
    }
    /** @type {Record<string, unknown>} */
    const fields = { __proto__: null, type: 'cellDone', id: cell.id, outcome: StringCtor(result.outcome) };
    if (result.value !== undefined) fields.value = cutText(StringCtor(result.value), limit);
    if (result.error !== undefined) {
      fields.error = {
        __proto__: null,
        name: cutText(StringCtor(result.error.name), limit),
        message: cutText(StringCtor(result.error.message), limit),
        stack: cutText(StringCtor(result.error.stack ?? ''), limit),
        ...(typeof result.error.line === 'number' ? { line: result.error.line } : {}),
      };
    }
    if (result.memory === true) fields.memory = true;
    // After a fatal error Pyodide runs nothing more: the host is told, and starts a new interpreter.
    if (checkHealth && !interpreterAlive()) fields.broken = true;
    let output = jsonStringify({
      stdout: arrayJoin(cell.stdout, ''),
      stderr: arrayJoin(cell.stderr, ''),
      droppedOutputChars: cell.dropped,
      final: result.final ?? null,
    });
    if (jsonStringify(fields).length + output.length + 64 > maxLineChars) {
      const size = output.length;
      output = '{"stdout":"","stderr":"","droppedOutputChars":0,"final":null}';
      fields.outcome = 'rejected';
      fields.error = {
        __proto__: null,
        name: 'ValueError',
        message: `The cell's output and answer take ${size} characters or more, more than the ${maxLineChars} the sandbox hands back at once. Return or print a smaller piece, or keep it in a variable and pass it on in parts.`,
        stack: '',
      };
    }
    send(fields, output);
  }

  /** @param {any} message */
  function cancelCell(message) {
    const cell = currentCell;
    if (cell === null || cell.id !== message.id || cell.finished) return;
    try {
      const cancel = session.get('cancel_cell');
      cancel();
      cancel.destroy();
    } catch {
      // The task is gone already.
    }
    // Code that swallows the cancellation does not keep the cell alive: it ends without it.
    realSetTimeout(() => finishCell(cell, '{"outcome":"cancelled"}', MIN_TEXT_CHARS), CANCEL_GRACE_MS);
  }

  /** @param {string} line */
  async function handleLine(line) {
    const { header: message, payload } = parseLine(line);
    switch (message.type) {
      case 'boot':
        if (linePrefix !== undefined) return;
        linePrefix = `{"k":${jsonStringify(StringCtor(message.key))},"n":`;
        try {
          await boot(message);
        } catch (error) {
          send({ __proto__: null, type: 'fatal', message: errorText(error) });
          exit(1);
        }
        return;
      case 'init':
        try {
          initialize(message);
        } catch (error) {
          send({ __proto__: null, type: 'fatal', message: errorText(error) });
          exit(1);
        }
        send({ __proto__: null, type: 'ready' });
        return;
      case 'bind':
        bindAdded(message, payload);
        return;
      case 'cell':
        startCell(message);
        return;
      case 'cancel':
        cancelCell(message);
        return;
      case 'hostResult':
        settleHostCall(message, payload);
        return;
      default:
        throw new ErrorCtor(`unknown message type ${jsonStringify(message.type)}`);
    }
  }

  readLines(handleLine, () => exit(0));
}
