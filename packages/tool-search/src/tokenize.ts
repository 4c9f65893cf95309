/** Tokens longer than this are skipped (hashes, base64): they cost memory and match nothing useful. */
const MAX_TOKEN_CHARS = 40;

/**
 * Calls `onToken` for each word of `text`, lower-cased: runs of ASCII letters and digits, or of
 * characters past Latin-1 punctuation (letters of other scripts), so that "Zürich's" gives "zürich"
 * and "s". A hand-written scan rather than a Unicode regex: it is several times faster over 40 MB.
 */
export function forEachToken(text: string, onToken: (token: string) => void): void {
  const lower = text.toLowerCase();
  let start = -1;
  for (let i = 0; i <= lower.length; i++) {
    const code = i < lower.length ? lower.charCodeAt(i) : 32;
    if (isWordCode(code)) {
      if (start < 0) start = i;
    } else if (start >= 0) {
      if (i - start <= MAX_TOKEN_CHARS) onToken(lower.slice(start, i));
      start = -1;
    }
  }
}

/** The distinct tokens of `text`, in order of first appearance. */
export function distinctTokens(text: string): string[] {
  const seen = new Set<string>();
  forEachToken(text, (token) => seen.add(token));
  return [...seen];
}

function isWordCode(code: number): boolean {
  if (code < 128) return (code >= 97 && code <= 122) || (code >= 48 && code <= 57);
  if (code < 0xc0) return false;
  // General punctuation, CJK symbols and punctuation, and the surrogates' partner blocks stay separators.
  return !(code >= 0x2000 && code <= 0x206f) && !(code >= 0x3000 && code <= 0x303f) && code !== 0xfeff;
}
