// Generated from javascript-prelude.sandbox.js by scripts/embed-sandbox-sources.mjs (run on install and by this package's build): do not edit.

/** The text of `javascript-prelude.sandbox.js` without comments and indentation: a program that runs inside the sandbox. */
export const JAVASCRIPT_PRELUDE_PROGRAM: string = `



























(function rlmJavaScriptPreludeWith(
constants,
) {

'use strict';





function rlmJavaScriptPrelude(bridge, options) {
var global = (globalThis);
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
(getOwnPropertyDescriptor(Map.prototype, 'size')).get,
);
var setSize = uncurryThis(
(getOwnPropertyDescriptor(Set.prototype, 'size')).get,
);
var TypedArrayPrototype = getPrototypeOf(Uint8Array.prototype);
var typedArrayLength = uncurryThis(
(getOwnPropertyDescriptor(TypedArrayPrototype, 'length')).get,
);
var typedArrayTag = uncurryThis(
(getOwnPropertyDescriptor(TypedArrayPrototype, Symbol.toStringTag))
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
var path = (removedGlobals[rg]);
var owner = path.length > 1 ? global[path[0]] : global;
var key = (path.length > 1 ? path[1] : path[0]);
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




function positiveOption(value, fallback) {
return typeof value === 'number' && value >= 1 && value <= 9007199254740991 ? value : fallback;
}
var baselineGlobals = ObjectCreate(null);
var initialGlobals = getOwnPropertyNames(global);
for (var g = 0; g < initialGlobals.length; g++)
baselineGlobals[ (initialGlobals[g])] = true;

var contextValue =
typeof options.contextJson === 'string' ? jsonParse(options.contextJson) : options.context;


var cellRunning = false;
var maxOutputChars = 1000000;
var usedOutputChars = 0;
var droppedOutputChars = 0;

var stdoutParts = [];

var stderrParts = [];

var finalAnswer = null;
var overrides = ObjectCreate(null);

var startedCalls = ObjectCreate(null);
var nextCallId = 1;
var noop = () => {};


var waiting = [];
var waitingHead = 0;
var callsInFlight = 0;
var charsInFlight = 0;

var neverSettles = null;






function push(list, item) {
list[list.length] = item;
}



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


function formatKey(key) {
return regExpTest(identifierPattern, key) ? key : jsonStringify(key);
}


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


function isError(value) {
if (value instanceof ErrorCtor) return true;
try {
return objectToString(value) === '[object Error]';
} catch (_e) {
return false;
}
}





function readProperty(object, key) {
var descriptor = getOwnPropertyDescriptor(object, key);
if (!descriptor) return undefined;
return 'value' in descriptor ? descriptor.value : undefined;
}


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
return stack ? header + '\\n' + stack : header;
}


function formatNumber(value) {
if (value === 0 && 1 / value < 0) return '-0';
return numberToString(value);
}


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





function indent(text, depth) {
var pad = '';
for (var i = 0; i < depth; i++) pad += '  ';
return pad + text;
}








function wrapParts(open, parts, close, depth, extra) {
if (parts.length === 0) return open + close;
var total = 0;
for (var i = 0; i < parts.length; i++) total += (parts[i]).length + 2;
var multiline = total > 72;
for (var j = 0; j < parts.length && !multiline; j++)
if (stringIndexOf(parts[j], '\\n') !== -1) multiline = true;
if (extra) push(parts, extra);
if (!multiline) return open + ' ' + arrayJoin(parts, ', ') + ' ' + close;

var lines = [];
for (var k = 0; k < parts.length; k++) push(lines, indent( (parts[k]), depth + 1));
return open + '\\n' + arrayJoin(lines, ',\\n') + '\\n' + indent(close, depth);
}







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
mapForEach(value, ( entryValue, entryKey) => {
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
setForEach(value, ( entry) => {
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
var descriptor = getOwnPropertyDescriptor(value, (keys[k]));
var shownValue;
if (!descriptor) continue;
if ('value' in descriptor) shownValue = formatInner(descriptor.value, depth + 1, seen);
else shownValue = descriptor.set ? (descriptor.get ? '[Getter/Setter]' : '[Setter]') : '[Getter]';
push(parts, formatKey( (keys[k])) + ': ' + shownValue);
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



function formatLogArgument(value) {
return typeof value === 'string' ? value : formatInner(value, 0, []);
}






function answerText(value, caller) {
if (typeof value === 'string') return value;
if (value instanceof PromiseCtor) {
throw new ErrorCtor(
caller + ' received a Promise: await it first, e.g. ' + caller + '(await llm_query(prompt)).',
);
}
var text;
try {
text = jsonStringify(value, null, 2);
} catch (_e) {
text = undefined;
}
return typeof text === 'string' ? text : formatInner(value, 0, []);
}






function write(parts, args) {
if (!cellRunning) return;

var pieces = [];
for (var i = 0; i < args.length; i++) push(pieces, formatLogArgument(args[i]));
var text = arrayJoin(pieces, ' ') + '\\n';
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



function FINAL(value) {
if (!cellRunning) return;
if (arguments.length === 0 || value === undefined) {
throw new ErrorCtor(
'FINAL(value) was called without a value (undefined). Pass the answer itself, e.g. FINAL(answer), or name a variable with FINAL_VAR("answer").',
);
}
finalAnswer = { source: 'FINAL', value: answerText(value, 'FINAL') };
}


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
finalAnswer = { source: 'FINAL_VAR', value: answerText(value, 'FINAL_VAR'), variableName: name };
return;
}
if (name === undefined) {
throw new ErrorCtor(
'FINAL_VAR(name) needs the name of a variable as a string, e.g. FINAL_VAR("answer").',
);
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

function SHOW_VARS() {
var names = getOwnPropertyNames(global);

var user = [];
for (var i = 0; i < names.length; i++) {
var name = names[i];
if (hasOwn(baselineGlobals, name) || isReserved( (name))) continue;
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
var descriptor = getOwnPropertyDescriptor(global, (user[j]));
description = descriptor && 'value' in descriptor ? describeVariable(descriptor.value) : 'accessor';
} catch (_e) {
description = 'unreadable';
}
push(lines, '  ' + user[j] + ': ' + description);
}
return arrayJoin(lines, '\\n');
}



function hostErrorMessage(reason) {
if (typeof reason === 'string') return reason;
try {
var message = reason?.message;
if (typeof message === 'string') return message;
} catch (_e) {}
return 'The host function failed.';
}


function makeHostFunction(name) {
var wrapper = {
[name]: function () {


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


function startWaitingCalls() {
while (waitingHead < waiting.length) {
var call = (waiting[waitingHead]);
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
promiseThen(
started,
( resultJson) => {
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
( reason) => {
if (!finishCall(call)) return;
call.reject(new ErrorCtor(hostErrorMessage(reason)));
startWaitingCalls();
},
);
}





function rejectStaleCalls() {

var stale = [];
var ids = objectKeys(startedCalls);
for (var i = 0; i < ids.length; i++) push(stale, startedCalls[ (ids[i])]);
for (var w = waitingHead; w < waiting.length; w++)
if ( (waiting[w]).state === 'waiting')
push(stale, (waiting[w]));


startedCalls = ObjectCreate(null);
waiting = [];
waitingHead = 0;
callsInFlight = 0;
charsInFlight = 0;
if (stale.length === 0) return 0;


var dropped = new ErrorCtor(
'This host call was still running when its cell ended, so its result was dropped. Await every llm_query/rlm_query call in the cell that starts it.',
);
for (var k = 0; k < stale.length; k++) {
var call = (stale[k]);
call.state = 'done';
promiseThen(call.promise, undefined, noop);
call.reject(dropped);
}
return stale.length;
}


var originals = ObjectCreate(null);
originals.context = contextValue;
originals.FINAL = FINAL;
originals.FINAL_VAR = FINAL_VAR;
originals.SHOW_VARS = SHOW_VARS;
for (var h = 0; h < hostFunctionNames.length; h++) {
var hostName = hostFunctionNames[h];
if (typeof hostName !== 'string' || hasOwn(originals, hostName) || hostName === 'console') {
throw new TypeErrorCtor(
'The host function name ' + jsonStringify(hostName) + ' is reserved or repeated.',
);
}
originals[hostName] = makeHostFunction(hostName);
}


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
for (var r = 0; r < allReserved.length; r++) defineReserved( (allReserved[r]));


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
}
output.final = final;
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
name = StringCtor( (error).name);
} catch (_e) {
name = 'Error';
}
try {
message = StringCtor( (error).message);
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
`;
