/**
 * A GBNF rule body that matches exactly `text` (quotes, backslashes and control characters
 * escaped; other characters, emoji included, as they are). Used to force a model's answer
 * token by token, which is how the tests make random weights say something exact.
 */
export function gbnfLiteral(text: string): string {
  if (text === '') return '""';
  let escaped = '';
  for (const character of text) {
    const code = character.codePointAt(0)!;
    if (character === '"' || character === '\\') escaped += `\\${character}`;
    else if (character === '\n') escaped += '\\n';
    else if (character === '\r') escaped += '\\r';
    else if (character === '\t') escaped += '\\t';
    else if (code < 0x20 || code === 0x7f) escaped += `\\x${code.toString(16).padStart(2, '0')}`;
    else escaped += character;
  }
  return `"${escaped}"`;
}
