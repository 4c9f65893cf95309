/** Strings of argument JSON at least this long are sliced out of the text instead of parsed. */
const SLICED_STRING_CHARS = 65_536;

/**
 * `JSON.parse(argsJson)`, the same value, without copying long strings through the parser: a 40 MB
 * prompt took the host's event loop 40–270 ms to parse, as each call arrived. When the text has no
 * backslash, no string in it has an escape, so every `"` opens or closes a string and a string's value
 * is exactly the text between its quotes: long ones are sliced out in place (two native scans), and
 * the rest, with a placeholder for each, is parsed as usual. The placeholders hold U+0000, which the
 * original text cannot hold in a string without a backslash. (A raw control character inside a long
 * string, which JSON.stringify never writes, is let through rather than refused.)
 */
export function parseHostCallArguments(argsJson: string): unknown {
  if (argsJson.length < SLICED_STRING_CHARS || argsJson.includes('\\')) return JSON.parse(argsJson);
  const sliced: string[] = [];
  let rest = '';
  let copiedUpTo = 0;
  let slicedChars = 0;
  let open = argsJson.indexOf('"');
  while (open !== -1) {
    const close = argsJson.indexOf('"', open + 1);
    if (close === -1) break;
    if (close - open - 1 >= SLICED_STRING_CHARS) {
      let next = close + 1;
      while (next < argsJson.length && ' \t\n\r'.includes(argsJson.charAt(next))) next++;
      // A key (`{"…": …}`) is not given to the reviver; leave such text to JSON.parse.
      if (argsJson.charAt(next) === ':') return JSON.parse(argsJson);
      rest += `${argsJson.slice(copiedUpTo, open)}"\\u0000${sliced.length}"`;
      sliced.push(argsJson.slice(open + 1, close));
      slicedChars += close - open - 1;
      copiedUpTo = close + 1;
    }
    open = argsJson.indexOf('"', close + 1);
  }
  if (sliced.length === 0 || slicedChars * 2 < argsJson.length) return JSON.parse(argsJson);
  rest += argsJson.slice(copiedUpTo);
  return JSON.parse(rest, (_key, value: unknown) =>
    typeof value === 'string' && value.charCodeAt(0) === 0 ? sliced[Number(value.slice(1))] : value,
  );
}
