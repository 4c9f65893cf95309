// Generated from deno-child.sandbox.js by scripts/embed-sandbox-sources.mjs (run on install and by this package's build): do not edit.

/** The text of `deno-child.sandbox.js` without comments and indentation: a program that runs inside the sandbox. */
export const DENO_CHILD_PROGRAM: string = `




































import vm from 'node:vm';



const program = vm.runInThisContext(\`(\${rlmDenoChild})\`, { filename: 'rlm-deno-child.js' });
program(vm, (globalThis).Deno);


















function rlmDenoChild(vm, denoNamespace) {



const apply = Reflect.apply;
const bind = Function.prototype.bind;
const call = Function.prototype.call;

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
(Object.getOwnPropertyDescriptor(typedArrayPrototype, 'buffer')).get,
);
const typedArrayOffset = uncurry(
(Object.getOwnPropertyDescriptor(typedArrayPrototype, 'byteOffset')).get,
);
const typedArrayLength = uncurry(
(Object.getOwnPropertyDescriptor(typedArrayPrototype, 'length')).get,
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
const addEventListener = (globalThis).addEventListener;
const preventDefault = uncurry(Event.prototype.preventDefault);




lockStackTraceHook(globalThis);





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

delete globalThis[name];
} catch {

}
}


apply(addEventListener, globalThis, [
'unhandledrejection',
( event) => preventDefault(event),
]);


const MIN_TEXT_CHARS = 1000;

const WRITE_CHUNK_CHARS = 1 << 20;



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




let linePrefix;
let lineNumber = 0;
let maxLineChars = 0;









function send(fields, payload) {
if (linePrefix === undefined) return;
lineNumber++;
const body = jsonStringify(fields);
const head = \`\${linePrefix}\${lineNumber},\${stringSlice(body, 1)}\`;
if (payload === undefined || payload.length <= WRITE_CHUNK_CHARS) {
writeAll(encode(encoder, payload === undefined ? \`\${head}\\n\` : \`\${head}\\t\${payload}\\n\`));
return;
}
writeAll(encode(encoder, \`\${head}\\t\`));
for (let start = 0; start < payload.length; ) {
let end = mathMin(start + WRITE_CHUNK_CHARS, payload.length);

const last = stringCharCodeAt(payload, end - 1);
if (end < payload.length && last >= 0xd800 && last <= 0xdbff) end--;
writeAll(encode(encoder, stringSlice(payload, start, end)));
start = end;
}
writeAll(encode(encoder, '\\n'));
}






function fits(fields, payload) {
const size = jsonStringify(fields).length + (payload === undefined ? 0 : payload.length + 1);
return size + 64 <= maxLineChars;
}







function readLines(onLine, onEnd) {

let pieces = [];
let piecesLength = 0;

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


function failHard(error) {
try {
writeSyncStderr(stderr, encode(encoder, \`rlm-deno-child: \${StringCtor(error)}\\n\`));
} finally {
exit(70);
}
}


function parseLine(line) {
const tab = stringIndexOf(line, '\\t');
if (tab === -1) return { header: jsonParse(line), payload: undefined };
return { header: jsonParse(stringSlice(line, 0, tab)), payload: stringSlice(line, tab + 1) };
}



let sandbox;

let control;

let promiseThen;


let currentCell = null;

const pendingCalls = new Map();
let callsInFlight = 0;
let charsInFlight = 0;
let maxCallsInFlight = 0;
let maxCharsInFlight = 0;
let nextCallId = 1;












function startHostCall(name, argsJson, resolve, reject) {
try {
if (typeof name !== 'string' || typeof argsJson !== 'string') {
return 'A host call needs a function name and the JSON text of its arguments.';
}
if (currentCell === null || currentCell.finished) {
return 'The cell that made this call has ended; its calls no longer reach the host.';
}
if (argsJson.length > maxCharsInFlight) {
return \`\${name}: the arguments are \${argsJson.length} characters of JSON, more than the \${maxCharsInFlight} one call may carry to the host. Pass a smaller piece.\`;
}
if (callsInFlight >= maxCallsInFlight || charsInFlight + argsJson.length > maxCharsInFlight) {
return \`\${name}: \${callsInFlight} host calls with \${charsInFlight} characters of arguments are already with the host, the most this sandbox hands over at once. Wait for some of them first.\`;
}
const fields = { __proto__: null, type: 'hostCall', callId: nextCallId, cell: currentCell.id, name };

if (argsJson.length + name.length * 6 + 256 > maxLineChars) {
return \`\${name}: the host call is too large to send.\`;
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

const run = (code, filename) => vm.runInContext(code, sandbox, { filename });



run(\`(\${lockStackTraceHook})(globalThis)\`, 'rlm-intrinsics.js');

promiseThen = run('Promise.prototype.then', 'rlm-intrinsics.js');
const innerJsonParse = run('JSON.parse', 'rlm-intrinsics.js');



const makeBridge = run(
\`(function (start) {
        'use strict';
        var PromiseCtor = Promise;
        return { hostCall: function hostCall(name, argsJson) {
          return new PromiseCtor(function (resolve, reject) {
            var refusal;
            try { refusal = start(name, argsJson, resolve, reject); } catch (error) { refusal = 'The host call could not be started.'; }
            if (refusal !== undefined) reject(typeof refusal === 'string' ? refusal : 'The host call could not be started.');
          });
        } };
      })\`,
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

options.context = run('(function (text, separator) { return text.split(separator); })', 'rlm-split.js')(
text,
message.separator,
);
} else {
options.contextJson = text;
}
const prelude = run(message.prelude, 'rlm-prelude.js');
control = prelude(bridge, options);


const heapUsedMb = mathCeil(memoryUsage().heapUsed / (1024 * 1024));
if (heapUsedMb > message.memoryLimitMb) {
throw new ErrorCtor(
\`the context takes \${heapUsedMb} MiB inside the sandbox, more than memoryLimitMb = \${message.memoryLimitMb}; raise memoryLimitMb\`,
);
}
}






function cutText(text, limit) {
if (text.length <= limit) return text;
const marker = \`\\n… [\${text.length} characters; the middle was cut] …\\n\`;
const budget = mathMax(limit - marker.length, 0);
const head = mathCeil(budget * 0.6);
return stringSlice(text, 0, head) + marker + stringSlice(text, text.length - (budget - head));
}





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






function describeHere(error, limit) {
let name = 'SyntaxError';
let message = '';
let stack = '';
try {
name = StringCtor(error.name);
message = StringCtor(error.message);
stack = StringCtor(error.stack);
} catch {

}
return {
__proto__: null,
name: cutText(name, limit),
message: cutText(message, limit),
stack: cutText(stack, limit),
};
}





function formatValue(value, limit) {
try {
const shown = control.formatValue(value);
return shown === undefined ? undefined : cutText(StringCtor(shown), limit);
} catch {
return '[a value that could not be displayed]';
}
}




const taskChannel = new MessageChannelCtor();
const postMessage = uncurry(getPrototypeOf(taskChannel.port1).postMessage);
const closePort = uncurry(getPrototypeOf(taskChannel.port1).close);

const finishQueue = [];
let finishHead = 0;
(taskChannel.port2).onmessage = () => {
if (finishHead >= finishQueue.length) return;
const finish = (finishQueue[finishHead]);
finishQueue[finishHead++] = undefined;
if (finishHead === finishQueue.length) {
finishQueue.length = 0;
finishHead = 0;
}
finish();
};

function inNextTask(task) {
finishQueue[finishQueue.length] = task;
postMessage(taskChannel.port1, null);
}






function settleCell(cell, settle) {
if (cell.settled) return;
cell.settled = true;
inNextTask(() => finishCell(cell, settle()));
}





function finishCell(cell, result) {
if (cell.finished) return;
cell.finished = true;
let output = control.endCell();




mapClear(pendingCalls);
callsInFlight = 0;
charsInFlight = 0;
control.dropCalls();

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
message: \`The cell's output, value and answer take \${size} characters or more, more than the \${maxLineChars} the Deno sandbox hands back at once. Return or print a smaller piece, or save it in a variable and pass it on in parts.\`,
stack: '',
},
};
}
inNextTask(() => send(fields, output));
}


function startCell(message) {

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
( value) =>
settleCell(cell, () => {
const shown = formatValue(value, limit);
return shown === undefined
? { __proto__: null, outcome: 'fulfilled' }
: { __proto__: null, outcome: 'fulfilled', value: shown };
}),
( reason) =>
settleCell(cell, () => ({ __proto__: null, outcome: 'rejected', error: describe(reason, limit) })),
]);
} catch {

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





function settleHostCall(message, payload) {
const pending = mapGet(pendingCalls, message.callId);
if (!pending) return;
mapDelete(pendingCalls, message.callId);
callsInFlight--;
charsInFlight -= pending.chars;
if (message.ok) pending.resolve(payload === undefined ? '' : payload);
else pending.reject(StringCtor(message.message));
}


function handleLine(line) {
const { header: message, payload } = parseLine(line);
switch (message.type) {
case 'init':
if (linePrefix !== undefined) return;
linePrefix = \`{"k":\${jsonStringify(StringCtor(message.key))},"n":\`;
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
throw new ErrorCtor(\`unknown message type \${jsonStringify(message.type)}\`);
}
}

readLines(handleLine, () => {

closePort(taskChannel.port1);
exit(0);
});
}
`;
