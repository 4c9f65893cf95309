// Generated from isolated-vm-driver.sandbox.js by scripts/embed-sandbox-sources.mjs (run on install and by this package's build): do not edit.

/** The text of `isolated-vm-driver.sandbox.js` without comments and indentation: a program that runs inside the sandbox. */
export const ISOLATED_VM_DRIVER_PROGRAM: string = `

















(function rlmIsolatedVMDriverWith(
constants,
) {

'use strict';










function rlmIsolatedVMDriver(
prelude,
startHostCall,
cellSettled,
hostFunctionNamesJson,
contextKind,
contextPayload,
separator,
) {

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
var global = (globalThis);
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


var maxCallsInFlight = constants.maxHostCallsInFlight;
var maxCharsInFlight = constants.maxHostCallCharsInFlight;
var callsInFlight = 0;
var charsInFlight = 0;
var nextCallId = 1;
var cellId = 0;

var cell = null;
var finished = '';
var textLimit = 1000;

var bridge = ObjectCreate(null);

bridge.hostCall = (name, argsJson) => {
if (cell === null)
throw new ErrorCtor('The cell that made this call has ended; its calls no longer reach the host.');
if (typeof name !== 'string' || typeof argsJson !== 'string')
throw new TypeErrorCtor('A host call needs a name and its arguments as JSON text.');
if (callsInFlight >= maxCallsInFlight) {
throw new RangeErrorCtor(
name +
': ' +
callsInFlight +
' host calls are already with the host, the most this sandbox allows at once. Await some before starting more.',
);
}
if (argsJson.length > maxCharsInFlight - charsInFlight) {
throw new RangeErrorCtor(
name +
': the arguments are ' +
argsJson.length +
' characters of JSON, and ' +
charsInFlight +
' are already with the host; at most ' +
maxCharsInFlight +
' may be at once. Pass smaller pieces, or await earlier calls first.',
);
}
var id = nextCallId++;
var call = ObjectCreate(null);
call.chars = argsJson.length;
callsInFlight++;
charsInFlight += call.chars;
var promise = new PromiseCtor((resolve, reject) => {
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




var removedGlobals = constants.removedGlobals;
for (var r = 0; r < removedGlobals.length; r++) {
var path = (removedGlobals[r]);
var owner = path.length > 1 ? global[path[0]] : global;
var key = (path.length > 1 ? path[1] : path[0]);
if (owner === null || owner === undefined || !hasOwn(owner, key)) continue;
try {
delete owner[key];
} catch (_e) {}
if (hasOwn(owner, key)) {
throw new TypeErrorCtor(
'The isolate could not remove ' +
arrayJoin(path, '.') +
', which can crash the host process or run code after its cell ended.',
);
}
}





function refuseResizable(name) {
var Original = global[name];
if (typeof Original !== 'function') return;
var prototype = Original.prototype;

var Refusing = function (length) {
if (new.target === undefined) throw new TypeErrorCtor('Constructor ' + name + " requires 'new'");
var bufferOptions = arguments.length > 1 ? arguments[1] : undefined;
if (
bufferOptions !== null &&
(typeof bufferOptions === 'object' || typeof bufferOptions === 'function') &&
bufferOptions.maxByteLength !== undefined
) {
throw new RangeErrorCtor(
name +
': resizable buffers (the maxByteLength option) are not available in this sandbox, because their memory would not count toward its memory limit. Create a buffer of the size you need, and copy into a bigger one to grow it.',
);
}
return reflectConstruct(Original, [length], new.target);
};

var keys = getOwnPropertyNames(Original);
var symbols = getOwnPropertySymbols(Original);
for (var s = 0; s < symbols.length; s++) keys[keys.length] = (symbols[s]);
for (var k = 0; k < keys.length; k++) {
if (keys[k] === 'prototype' || keys[k] === 'length' || keys[k] === 'name') continue;
var descriptor = (
getOwnPropertyDescriptor(Original, (keys[k]))
);
defineProperty(Refusing, (keys[k]), descriptor);
}
defineProperty(Refusing, 'name', { value: name, configurable: true });
defineProperty(Refusing, 'length', { value: 1, configurable: true });
defineProperty(Refusing, 'prototype', { value: prototype, writable: false });
defineProperty(prototype, 'constructor', {
value: Refusing,
writable: true,
enumerable: false,
configurable: true,
});
defineProperty(global, name, {
value: Refusing,
writable: true,
enumerable: false,
configurable: true,
});
}
refuseResizable('ArrayBuffer');
refuseResizable('SharedArrayBuffer');






function cut(text) {
if (typeof text !== 'string' || text.length <= textLimit) return text;
var marker = '\\n… [' + text.length + ' characters; the middle was cut] …\\n';
var budget = textLimit > marker.length ? textLimit - marker.length : 0;
var head = mathCeil(budget * 0.6);
return (
stringSlice(text, 0, head) + marker + stringSlice(text, text.length - (budget - head))
);
}


function describe(error) {
try {
var description = (
control.describeError(error)
);
description.name = cut(description.name);
description.message = cut(description.message);
description.stack = cut(description.stack);
return description;
} catch (_e) {
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
} catch (_e) {
return '[a value that could not be displayed]';
}
}


var driver = ObjectCreate(null);
driver.run = (id, code, maxOutputChars) => {

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





var settleCell = (status, field, value) => {
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
promiseThen(
promise,
( value) => {
settleCell('fulfilled', 'value', format(value));
},
( error) => {
settleCell('rejected', 'error', describe(error));
},
);
} catch (error) {
settleCell('rejected', 'error', describe(error));
}
};
driver.settle = (id, ok, payload) => {
var call = calls[id];
if (!call) return;
delete calls[id];
callsInFlight--;
charsInFlight -= call.chars;
if (ok) call.resolve(payload);
else call.reject(new ErrorCtor(payload));
};
driver.finish = () => {
var state = cell;
cell = null;
var outcome = ObjectCreate(null);
outcome.status = state ? state.status : 'pending';
outcome.pendingCalls = objectKeys(calls).length;
if (state && state.value !== undefined) outcome.value = state.value;
if (state?.error) outcome.error = state.error;
calls = ObjectCreate(null);
callsInFlight = 0;
charsInFlight = 0;
finished = '{"cell":' + jsonStringify(outcome) + ',"output":' + control.endCell() + '}';
return finished;
};
driver.beginDrain = () => {
control.dropCalls();
};
driver.endDrain = () => {};
driver.readFinished = () => finished;
return driver;
}
return rlmIsolatedVMDriver;
});
`;
