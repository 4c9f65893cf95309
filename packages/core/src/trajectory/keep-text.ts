import { groupDigits } from '../text/group-digits';
import type { TrajectoryTextCut } from './trajectory';

/** The default of `maxTrajectoryTextChars`: 64 KiB of characters. */
export const DEFAULT_MAX_TRAJECTORY_TEXT_CHARS = 65_536;

/** SHA-256 of a string's UTF-8 bytes (lone surrogates as U+FFFD), in hex. */
export type Sha256 = (text: string) => string | Promise<string>;

let loading: Promise<Sha256> | undefined;

/**
 * The hash function trajectories use: `node:crypto` where there is one (synchronous), else Web
 * Crypto (asynchronous). Loaded once.
 */
export function loadSha256(): Promise<Sha256> {
  loading ??= import('node:crypto').then(
    (crypto) => nodeSha256(crypto.createHash),
    () => webSha256,
  );
  return loading;
}

/**
 * SHA-256 with `node:crypto`, fed in slices of 1 MiB so that hashing 10 MB makes no 10 MB copy. A
 * slice never ends between the two halves of a surrogate pair, so the bytes are the whole text's.
 */
export function nodeSha256(
  createHash: (algorithm: 'sha256') => {
    update(data: string, encoding: 'utf8'): unknown;
    digest(encoding: 'hex'): string;
  },
): Sha256 {
  return (text) => {
    const hash = createHash('sha256');
    for (let start = 0; start < text.length; ) {
      let end = Math.min(text.length, start + 1_048_576);
      const last = text.charCodeAt(end - 1);
      if (end < text.length && last >= 0xd800 && last <= 0xdbff) end++;
      hash.update(text.slice(start, end), 'utf8');
      start = end;
    }
    return hash.digest('hex');
  };
}

/** SHA-256 with Web Crypto (any runtime), for where `node:crypto` is missing. */
export async function webSha256(text: string): Promise<string> {
  const digest = await globalThis.crypto.subtle.digest('SHA-256', new TextEncoder().encode(text));
  return Array.from(new Uint8Array(digest), (byte) => byte.toString(16).padStart(2, '0')).join('');
}

/** What a trajectory keeps of a text: the text itself, or its head and tail and a {@link TrajectoryTextCut}. */
export interface KeptText {
  readonly text: string;
  readonly cut?: TrajectoryTextCut;
  /** Set when the hash is computed asynchronously: the cut's `sha256` is filled in when it settles. */
  readonly hashed?: Promise<void>;
}

/**
 * `text` whole when it has at most `maxChars` characters; otherwise its first and last `maxChars / 2`
 * characters around a note saying what was cut, with its length and sha256 in `cut`. The kept head
 * and tail are flat copies: a slice of a long string may otherwise keep the whole string alive.
 */
export function keepText(text: string, maxChars: number, sha256: Sha256): KeptText {
  if (text.length <= maxChars) return { text };
  const head = Math.ceil(maxChars / 2);
  const tail = Math.floor(maxChars / 2);
  const omitted = text.length - head - tail;
  const kept = `${flatCopy(text.slice(0, head))}\n… [${groupDigits(omitted)} of ${groupDigits(text.length)} characters not kept in the trajectory] …\n${tail > 0 ? flatCopy(text.slice(-tail)) : ''}`;
  const hash = sha256(text);
  if (typeof hash === 'string') return { text: kept, cut: { length: text.length, sha256: hash, head, tail } };
  const cut: { -readonly [K in keyof TrajectoryTextCut]: TrajectoryTextCut[K] } = {
    length: text.length,
    sha256: '',
    head,
    tail,
  };
  return {
    text: kept,
    cut,
    hashed: hash.then(
      (value) => {
        cut.sha256 = value;
      },
      () => undefined,
    ),
  };
}

/**
 * A copy of `text` that shares no memory with the string it was sliced from. In V8 a slice is a view
 * of its parent; prepending a character makes a two-part string, and slicing that flattens it into a
 * new string of the slice's own size, of which the result is a view.
 */
export function flatCopy(text: string): string {
  return ` ${text}`.slice(1);
}
