/**
 * The host's spare buffer for encoding contexts: a worker hands back the buffer a context came in
 * once QuickJS holds its copy, and the next context (a restart, a child session, the next run) is
 * encoded into it. Fresh memory is the expensive part of the hand-over: on a 2-core VM, encoding a
 * 50 MB context into a new buffer took 40–60 ms, into one already used 10–15 ms, most of the
 * difference the kernel's first touch of each page. One buffer is kept, for a few seconds only.
 */

/** How long an unused spare buffer is kept. */
const SPARE_BUFFER_MS = 5_000;

let spare: ArrayBuffer | undefined;
let dropTimer: ReturnType<typeof setTimeout> | undefined;

/** A buffer of at least `byteLength` bytes: the spare one when it is large enough, else a new one. */
export function contextBuffer(byteLength: number): ArrayBuffer {
  if (spare !== undefined && spare.byteLength >= byteLength) {
    const taken = spare;
    dropSpareContextBuffer();
    return taken;
  }
  return new ArrayBuffer(byteLength);
}

/** Keeps `buffer`, handed back by a worker, for the next context (in place of a smaller spare). */
export function keepSpareContextBuffer(buffer: ArrayBuffer): void {
  if (buffer.byteLength === 0 || (spare !== undefined && spare.byteLength >= buffer.byteLength)) return;
  spare = buffer;
  clearTimeout(dropTimer);
  dropTimer = setTimeout(dropSpareContextBuffer, SPARE_BUFFER_MS);
  dropTimer.unref();
}

export function dropSpareContextBuffer(): void {
  spare = undefined;
  clearTimeout(dropTimer);
  dropTimer = undefined;
}
