/**
 * The program every Deno child of `@rlm/env-deno` runs: one REPL session in one OS process.
 *
 * Deno starts it with no permission but reading the one file that holds the context. Model code never
 * runs in this module's realm: it runs in a fresh V8 context (`node:vm` with `DONT_CONTEXTIFY`) that
 * holds only the ECMAScript built-ins, so it has no `Deno`, no `fetch`, no timers, and no `import()`
 * (a context without a dynamic-import callback refuses every specifier, `node:` and `data:` included).
 * This realm keeps the only references to Deno's I/O and talks to the host over stdin/stdout.
 *
 * The protocol is JSON lines. Every line is a JSON header, optionally followed by a tab and a payload
 * that is JSON text passed through as it is (headers never hold a raw tab or newline), so large
 * arguments and results are neither escaped twice nor parsed in this realm:
 *
 *   host → child  {"type":"init","prelude","hostFunctionNames","contextFile","contextKind","separator"?,"memoryLimitMb"}
 *                 {"type":"cell","id","fileName","maxOutputChars","code"}
 *                 {"type":"cancel","id"}
 *                 {"type":"hostResult","callId","ok":true} TAB resultJson  |  {…,"ok":false,"message"}
 *   child → host  {"type":"ready"}  |  {"type":"fatal","message"}
 *                 {"type":"hostCall","callId","cell","name"} TAB argsJson
 *                 {"type":"cellDone","id","outcome","value"?,"error"?} TAB outputJson
 *
 * `outcome` is `fulfilled`, `rejected`, `syntax` (V8 refused to compile the script) or `cancelled`.
 * Between `cellDone` and the next cell, what the finished cell left behind runs with its output
 * discarded and its host calls refused.
 */
import vm from 'node:vm';

const denoNamespace = globalThis.Deno;
const stdin = denoNamespace.stdin.readable;
const stdout = denoNamespace.stdout;
const readTextFileSync = denoNamespace.readTextFileSync;
const memoryUsage = denoNamespace.memoryUsage;
const exit = denoNamespace.exit;
// A second wall: code that somehow left the sandbox's context still finds no Deno namespace here.
delete globalThis.Deno;

// Deno ends the process on an unhandled rejection; model code may leave some behind (see the prelude).
globalThis.addEventListener('unhandledrejection', (event) => event.preventDefault());

const apply = Reflect.apply;
/** Value, error name, message and stack keep at least this many characters, whatever the output cap. */
const MIN_TEXT_CHARS = 1000;
const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Bytes of a payload encoded at a time, so a 50 MB payload never needs 50 MB more for its bytes. */
const WRITE_CHUNK_CHARS = 1 << 20;

function writeAll(bytes) {
  let written = 0;
  while (written < bytes.length) written += stdout.writeSync(bytes.subarray(written));
}

/** Writes one line; `writeSync` keeps lines whole and in order, whatever runs next. */
function send(header, payload) {
  const head = JSON.stringify(header);
  if (payload === undefined || payload.length <= WRITE_CHUNK_CHARS) {
    writeAll(encoder.encode(payload === undefined ? `${head}\n` : `${head}\t${payload}\n`));
    return;
  }
  writeAll(encoder.encode(`${head}\t`));
  for (let start = 0; start < payload.length; ) {
    let end = Math.min(start + WRITE_CHUNK_CHARS, payload.length);
    // Never cut between the halves of a surrogate pair: each half alone would be encoded as U+FFFD.
    const last = payload.charCodeAt(end - 1);
    if (end < payload.length && last >= 0xd800 && last <= 0xdbff) end--;
    writeAll(encoder.encode(payload.slice(start, end)));
    start = end;
  }
  writeAll(encoder.encode('\n'));
}

/** Splits stdin into lines, looking at each byte once, so a 50 MB line costs no more than 50 MB. */
async function readLines(onLine) {
  let pieces = [];
  let piecesLength = 0;
  for await (const chunk of stdin) {
    let start = 0;
    for (;;) {
      const newline = chunk.indexOf(10, start);
      if (newline === -1) break;
      let bytes = chunk.subarray(start, newline);
      if (pieces.length > 0) {
        const joined = new Uint8Array(piecesLength + bytes.length);
        let offset = 0;
        for (const piece of pieces) {
          joined.set(piece, offset);
          offset += piece.length;
        }
        joined.set(bytes, offset);
        bytes = joined;
        pieces = [];
        piecesLength = 0;
      }
      onLine(decoder.decode(bytes));
      start = newline + 1;
    }
    if (start < chunk.length) {
      const rest = chunk.slice(start);
      pieces.push(rest);
      piecesLength += rest.length;
    }
  }
}

function parseLine(line) {
  const tab = line.indexOf('\t');
  if (tab === -1) return { header: JSON.parse(line), payload: undefined };
  return { header: JSON.parse(line.slice(0, tab)), payload: line.slice(tab + 1) };
}

// ---- the sandbox ----
let sandbox;
let control;
let promiseThen;
/** The cell that runs now: `{ id, settled }`. */
let currentCell = null;
/** Host calls waiting for their answer: callId → the sandbox's resolve and reject. */
const pendingCalls = new Map();
let nextCallId = 1;

function initialize(message) {
  if (!vm.constants || vm.constants.DONT_CONTEXTIFY === undefined) {
    throw new Error(
      'this Deno has no node:vm DONT_CONTEXTIFY contexts; use Deno 2.9 or later (the @deno/* npm packages bring one).',
    );
  }
  sandbox = vm.createContext(vm.constants.DONT_CONTEXTIFY);
  const run = (code, filename) => vm.runInContext(code, sandbox, { filename });
  // Deno formats stacks with a hook of its own realm, which hands `Error.prepareStackTrace` call
  // sites whose prototypes lead back to this realm: the sandbox gets V8's plain text stacks only.
  run(
    "Object.defineProperty(Error, 'prepareStackTrace', { value: undefined, writable: false, enumerable: false, configurable: false });",
    'rlm-intrinsics.js',
  );
  // Captured before any model code runs: a cell may replace Promise.prototype.then.
  promiseThen = run('Promise.prototype.then', 'rlm-intrinsics.js');
  const innerJsonParse = run('JSON.parse', 'rlm-intrinsics.js');
  // The bridge makes promises of the sandbox and settles them with strings only, so no object of
  // this realm (whose constructors lead to this realm's globals) ever reaches model code.
  const makeBridge = run(
    `(function (start) {
      'use strict';
      var PromiseCtor = Promise;
      return { hostCall: function hostCall(name, argsJson) {
        return new PromiseCtor(function (resolve, reject) { start(name, argsJson, resolve, reject); });
      } };
    })`,
    'rlm-bridge.js',
  );
  const bridge = makeBridge((name, argsJson, resolve, reject) => {
    if (currentCell === null || currentCell.finished) {
      // Thrown into the sandbox, where the prelude turns it into a rejected call: code a cell left
      // behind never reaches the host.
      throw new Error('The cell that made this call has ended; its calls no longer reach the host.');
    }
    const callId = nextCallId++;
    pendingCalls.set(callId, { resolve, reject });
    send({ type: 'hostCall', callId, cell: currentCell.id, name: String(name) }, String(argsJson));
  });
  const options = apply(innerJsonParse, undefined, [
    JSON.stringify({ hostFunctionNames: message.hostFunctionNames }),
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
  const heapUsedMb = Math.ceil(memoryUsage().heapUsed / (1024 * 1024));
  if (heapUsedMb > message.memoryLimitMb) {
    throw new Error(
      `the context takes ${heapUsedMb} MiB inside the sandbox, more than memoryLimitMb = ${message.memoryLimitMb}; raise memoryLimitMb`,
    );
  }
}

/** Cuts a text to `limit` characters, keeping its head and tail, so a 10 MB message costs the host nothing. */
function cutText(text, limit) {
  if (text.length <= limit) return text;
  const marker = `\n… [${text.length} characters; the middle was cut] …\n`;
  const budget = Math.max(limit - marker.length, 0);
  const head = Math.ceil(budget * 0.6);
  return text.slice(0, head) + marker + text.slice(text.length - (budget - head));
}

function describe(reason, limit) {
  try {
    const description = control.describeError(reason);
    return {
      name: cutText(String(description.name), limit),
      message: cutText(String(description.message), limit),
      stack: cutText(String(description.stack), limit),
    };
  } catch (error) {
    return {
      name: 'Error',
      message: `The cell failed, and its error could not be read (${error})`,
      stack: '',
    };
  }
}

function formatValue(value, limit) {
  try {
    const shown = control.formatValue(value);
    return shown === undefined ? undefined : cutText(String(shown), limit);
  } catch {
    return '[a value that could not be displayed]';
  }
}

// A message through a MessageChannel arrives as a new task, after every microtask queued before it
// has run: a cell counts as finished only once the jobs it queued are done, as in QuickJS, so an
// endless chain of microtasks keeps it running until the host's watchdog stops it.
const taskChannel = new MessageChannel();
const finishQueue = [];
taskChannel.port2.onmessage = () => {
  const finish = finishQueue.shift();
  if (finish) finish();
};

/** Called when the cell's promise settles (or the host cancels it): finishes it in a task of its own. */
function settleCell(cell, settle) {
  if (cell.settled) return;
  cell.settled = true;
  finishQueue.push(() => finishCell(cell, settle()));
  taskChannel.port1.postMessage(null);
}

function finishCell(cell, result) {
  if (cell.finished) return;
  cell.finished = true;
  const output = control.endCell();
  // The host drops the calls the cell left running; rejecting them now (no cell is running, so
  // output is discarded and host calls never reach the host) lets what the cell chained on them run
  // in the microtasks before the next task. The cell is reported done only in that task: a leftover
  // that never stops keeps it from being done, so it is this cell's timeout, not the next cell's.
  pendingCalls.clear();
  control.dropCalls();
  finishQueue.push(() => send({ type: 'cellDone', id: cell.id, ...result }, output));
  taskChannel.port1.postMessage(null);
}

function startCell(message) {
  // End the clean-up of the previous cell: what its leftovers printed is dropped.
  control.endCell();
  const limit = Math.max(message.maxOutputChars, MIN_TEXT_CHARS);
  const cell = { id: message.id, settled: false, finished: false };
  currentCell = cell;
  control.beginCell(message.maxOutputChars);
  let script;
  try {
    script = new vm.Script(message.code, { filename: message.fileName });
  } catch (error) {
    settleCell(cell, () => ({ outcome: 'syntax', error: describe(error, limit) }));
    return;
  }
  let completion;
  try {
    completion = script.runInContext(sandbox);
  } catch (error) {
    settleCell(cell, () => ({ outcome: 'rejected', error: describe(error, limit) }));
    return;
  }
  try {
    apply(promiseThen, completion, [
      (value) =>
        settleCell(cell, () => {
          const shown = formatValue(value, limit);
          return shown === undefined ? { outcome: 'fulfilled' } : { outcome: 'fulfilled', value: shown };
        }),
      (reason) => settleCell(cell, () => ({ outcome: 'rejected', error: describe(reason, limit) })),
    ]);
  } catch {
    // Only a cell that replaced the rewrite's own chaining global gets here.
    settleCell(cell, () => ({
      outcome: 'rejected',
      error: { name: 'TypeError', message: 'The cell did not evaluate to a promise.', stack: '' },
    }));
  }
}

function settleHostCall(header, payload) {
  const call = pendingCalls.get(header.callId);
  if (!call) return;
  pendingCalls.delete(header.callId);
  if (header.ok) call.resolve(payload === undefined ? '' : payload);
  else call.reject(String(header.message));
}

function handleLine(line) {
  const { header, payload } = parseLine(line);
  switch (header.type) {
    case 'init':
      try {
        initialize(header);
      } catch (error) {
        send({ type: 'fatal', message: error instanceof Error ? error.message : String(error) });
        exit(1);
      }
      send({ type: 'ready' });
      return;
    case 'cell':
      startCell(header);
      return;
    case 'cancel':
      if (currentCell !== null && currentCell.id === header.id) {
        finishCell(currentCell, { outcome: 'cancelled' });
      }
      return;
    case 'hostResult':
      settleHostCall(header, payload);
      return;
    default:
      throw new Error(`unknown message type ${JSON.stringify(header.type)}`);
  }
}

await readLines(handleLine);
// The host closed stdin: it is gone or done with this session.
taskChannel.port1.close();
exit(0);
