import type { ContextValue } from '@rlm/core/environment';

/**
 * Below this many characters a text goes into QuickJS through the library's own `newString`, which
 * is as fast there, and travels to a worker as a string; from it on, as UTF-8 bytes.
 */
export const FAST_STRING_MIN_LENGTH = 64 * 1024;

/**
 * How the context travels into the sandbox: QuickJS reads strings passed in only up to a NUL. The
 * text is UTF-8 bytes when it was encoded on the host's side (see {@link encodeContextForWorker}).
 */
export type EncodedContext =
  | { readonly kind: 'string'; readonly text: string | Uint8Array }
  | { readonly kind: 'split'; readonly text: string | Uint8Array; readonly separator: string }
  | { readonly kind: 'json'; readonly text: string | Uint8Array };

/**
 * Encodes the context for a worker. A large, well-formed text travels as UTF-8 bytes whose buffer
 * is transferred, not cloned: a cloned 50 MB string costs a serialization on the host and a
 * deserialization in the worker, each slower than this encoding, and the worker then encodes it
 * again for QuickJS. Text with lone surrogates goes as a string, which QuickJS receives as before.
 */
export function encodeContextForWorker(
  value: ContextValue,
  /** Gives the buffer to encode into, at least `byteLength` bytes long. */
  allocate: (byteLength: number) => ArrayBuffer = (byteLength) => new ArrayBuffer(byteLength),
): {
  readonly encoded: EncodedContext;
  readonly transfer: ArrayBuffer[];
} {
  const encoded = encodeContext(value);
  const text = encoded.text as string;
  if (text.length < FAST_STRING_MIN_LENGTH || !isWellFormed(text)) return { encoded, transfer: [] };
  const byteLength = Buffer.byteLength(text, 'utf8');
  const buffer = allocate(byteLength);
  const utf8 = new Uint8Array(buffer, 0, byteLength);
  // ASCII text is its own UTF-8, and Latin-1 writes it as a plain copy (faster than encodeInto).
  if (byteLength === text.length) Buffer.from(buffer, 0, byteLength).write(text, 0, 'latin1');
  else new TextEncoder().encodeInto(text, utf8);
  return { encoded: { ...encoded, text: utf8 }, transfer: [buffer] };
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

function isWellFormed(text: string): boolean {
  const native = (text as { isWellFormed?: () => boolean }).isWellFormed;
  return typeof native === 'function' ? native.call(text) : !LONE_SURROGATE.test(text);
}

/** Separators tried for a list of strings: control characters that real documents almost never hold. */
const SEPARATORS = ['\u0001', '\u0002', '\u0003', '\u001e', '\u001f'];

export function encodeContext(value: ContextValue): EncodedContext {
  if (typeof value === 'string' && !value.includes('\0')) return { kind: 'string', text: value };
  if (Array.isArray(value) && value.length > 0 && value.every((item) => typeof item === 'string')) {
    const documents = value as readonly string[];
    if (!documents.some((document) => document.includes('\0'))) {
      const separator = SEPARATORS.find(
        (candidate) => !documents.some((document) => document.includes(candidate)),
      );
      if (separator) return { kind: 'split', text: documents.join(separator), separator };
    }
  }
  return { kind: 'json', text: JSON.stringify(value ?? null) };
}
