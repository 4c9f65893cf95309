/** How far into a file to look for NUL bytes, as git does to tell binary files from text. */
export const BINARY_SNIFF_BYTES = 8192;

/** Whether a file looks binary: a NUL byte in its first 8 KB (text files in any UTF encoding but UTF-16/32 have none). */
export function looksBinary(bytes: Uint8Array): boolean {
  return bytes.subarray(0, BINARY_SNIFF_BYTES).includes(0);
}
