import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import releaseSyncVariant from '@jitl/quickjs-wasmfile-release-sync';
import {
  newQuickJSWASMModuleFromVariant,
  newVariant,
  type QuickJSContext,
  type QuickJSHandle,
  type QuickJSSyncVariant,
  type QuickJSWASMModule,
} from 'quickjs-emscripten-core';
import { FAST_STRING_MIN_LENGTH } from './quickjs-context-encoding';

/**
 * The parts of the WebAssembly API used here. `@types/node` 20 leaves WebAssembly's classes to the
 * DOM library, which this package does not load.
 */
interface WasmMemory {
  readonly buffer: ArrayBuffer;
}
interface WasmApi {
  Memory: new (descriptor: { initial: number; maximum: number }) => WasmMemory;
  compile(bytes: Uint8Array): Promise<object>;
}
const wasm = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

const WASM_PAGE_BYTES = 65_536;
/** What the release build asks for at start (16 MiB); a memory we supply must be at least that big. */
const INITIAL_MEMORY_BYTES = 16 * 1024 * 1024;

let compiledModule: Promise<object | undefined> | undefined;

/** Compiles the QuickJS WebAssembly once per process; every sandbox instantiates it with its own memory. */
export function compileQuickJSWasm(): Promise<object | undefined> {
  compiledModule ??= (async () => {
    try {
      const path = createRequire(import.meta.url).resolve('@jitl/quickjs-wasmfile-release-sync/wasm');
      return await wasm.compile(await readFile(path));
    } catch {
      // Let Emscripten find and compile the file itself: slower per sandbox, but it works.
      return undefined;
    }
  })();
  return compiledModule;
}

/** One QuickJS WebAssembly instance whose linear memory can never grow past `memoryLimitBytes`. */
export interface BoundedQuickJSModule {
  readonly module: QuickJSWASMModule;
  readonly memory: WasmMemory;
}

/**
 * Instantiates QuickJS in a `WebAssembly.Memory` with a `maximum`. QuickJS's own memory limit does
 * not count large strings or typed arrays (quickjs-emscripten #255, #271), but no allocation can get
 * past the memory's maximum: `malloc` fails and QuickJS throws `InternalError: out of memory`.
 */
export async function instantiateBoundedQuickJS(
  memoryLimitBytes: number,
  /** Another sync build of QuickJS, e.g. the debug build that reports leaked handles in tests. */
  baseVariant?: QuickJSSyncVariant,
): Promise<BoundedQuickJSModule> {
  const maximumPages = Math.max(
    INITIAL_MEMORY_BYTES / WASM_PAGE_BYTES,
    Math.floor(memoryLimitBytes / WASM_PAGE_BYTES),
  );
  const memory = new wasm.Memory({ initial: INITIAL_MEMORY_BYTES / WASM_PAGE_BYTES, maximum: maximumPages });
  const wasmModule = baseVariant ? undefined : await compileQuickJSWasm();
  const variant = newVariant(baseVariant ?? releaseSyncVariant, {
    wasmMemory: memory,
    ...(wasmModule ? { wasmModule } : {}),
  });
  const module = await newQuickJSWASMModuleFromVariant(variant);
  return { module, memory };
}

/** The parts of quickjs-emscripten 0.32 that creating a string without its slow JavaScript UTF-8 encoder needs. */
interface QuickJSInternals {
  module: {
    _malloc(bytes: number): number;
    _free(pointer: number): void;
  };
  ffi: {
    QTS_NewString(context: number, pointer: number): number;
    QTS_ResolveException(context: number, value: number): number;
    QTS_FreeValuePointer(context: number, value: number): void;
  };
}
interface QuickJSContextInternals {
  ctx: { value: number };
  memory: { heapValueHandle(pointer: number): QuickJSHandle };
}

const encoder = new TextEncoder();

/** Raised when the sandbox has no memory left for a string the host passes in. */
export class SandboxOutOfMemoryError extends Error {
  constructor(what: string) {
    super(`The sandbox ran out of memory while receiving ${what}.`);
    this.name = 'SandboxOutOfMemoryError';
  }
}

/**
 * Creates a QuickJS string from a host string. Large strings are encoded straight into the WASM
 * memory with the native `TextEncoder` (quickjs-emscripten's `newString` encodes UTF-8 in JavaScript,
 * 4–5x slower for a 50 MB context). QuickJS reads the bytes up to the first NUL: callers must pass
 * text without `\0` (send JSON instead, which escapes it).
 */
export function newQuickJSString(
  bounded: BoundedQuickJSModule,
  context: QuickJSContext,
  text: string,
  what: string,
): QuickJSHandle {
  if (text.length < FAST_STRING_MIN_LENGTH || internalsOf(bounded, context) === undefined) {
    return context.newString(text);
  }
  const byteLength = Buffer.byteLength(text, 'utf8');
  return newStringFromWasmBytes(bounded, context, byteLength, what, (bytes) =>
    encoder.encodeInto(text, bytes),
  );
}

/**
 * Creates a QuickJS string from UTF-8 bytes without a NUL (a context encoded on the host's side,
 * moved to the worker without a copy): one copy into the WASM memory, no decoding on the way.
 */
export function newQuickJSStringFromUtf8(
  bounded: BoundedQuickJSModule,
  context: QuickJSContext,
  utf8: Uint8Array,
  what: string,
): QuickJSHandle {
  if (utf8.length < FAST_STRING_MIN_LENGTH || internalsOf(bounded, context) === undefined) {
    return context.newString(new TextDecoder().decode(utf8));
  }
  return newStringFromWasmBytes(bounded, context, utf8.length, what, (bytes) => bytes.set(utf8));
}

function internalsOf(
  bounded: BoundedQuickJSModule,
  context: QuickJSContext,
): { internals: QuickJSInternals; contextInternals: QuickJSContextInternals } | undefined {
  const internals = bounded.module as unknown as Partial<QuickJSInternals>;
  const contextInternals = context as unknown as Partial<QuickJSContextInternals>;
  if (
    typeof internals.module?._malloc !== 'function' ||
    typeof internals.ffi?.QTS_NewString !== 'function' ||
    typeof contextInternals.ctx?.value !== 'number' ||
    typeof contextInternals.memory?.heapValueHandle !== 'function'
  ) {
    return undefined;
  }
  return {
    internals: internals as QuickJSInternals,
    contextInternals: contextInternals as QuickJSContextInternals,
  };
}

/** Has `write` fill `byteLength` bytes of UTF-8 in the WASM memory, and makes them a QuickJS string. */
function newStringFromWasmBytes(
  bounded: BoundedQuickJSModule,
  context: QuickJSContext,
  byteLength: number,
  what: string,
  write: (bytes: Uint8Array) => void,
): QuickJSHandle {
  const { internals, contextInternals } = internalsOf(bounded, context)!;
  const { module, ffi } = internals;
  const contextPointer = contextInternals.ctx.value;
  const pointer = module._malloc(byteLength + 1);
  if (pointer === 0) throw new SandboxOutOfMemoryError(what);
  let valuePointer: number;
  try {
    // Read `buffer` after `malloc`: growing the memory replaces it.
    const bytes = new Uint8Array(bounded.memory.buffer, pointer, byteLength + 1);
    write(bytes.subarray(0, byteLength));
    bytes[byteLength] = 0;
    valuePointer = ffi.QTS_NewString(contextPointer, pointer);
  } finally {
    module._free(pointer);
  }
  const exceptionPointer = ffi.QTS_ResolveException(contextPointer, valuePointer);
  if (exceptionPointer !== 0) {
    ffi.QTS_FreeValuePointer(contextPointer, exceptionPointer);
    ffi.QTS_FreeValuePointer(contextPointer, valuePointer);
    throw new SandboxOutOfMemoryError(what);
  }
  return contextInternals.memory.heapValueHandle(valuePointer);
}
