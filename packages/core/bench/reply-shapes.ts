/**
 * Adversarial shapes of model replies for the reply parsers (finding 7 of issue 8), each built to a
 * given number of characters. Shared by the benchmark and the tests.
 */

/** Repeats `unit` to about `size` characters, between an optional prefix and suffix. */
const fill = (size: number, unit: string, prefix = '', suffix = '') =>
  prefix +
  unit.repeat(Math.max(0, Math.floor((size - prefix.length - suffix.length) / unit.length))) +
  suffix;

export const REPLY_SHAPES: Readonly<Record<string, (size: number) => string>> = {
  'unclosed fence + letters + backtick': (size) => fill(size, 'a', '```', '`'),
  'fence + spaces + backtick': (size) => fill(size, ' ', '```', 'x`'),
  'backticks only': (size) => fill(size, '`'),
  'backtick lines': (size) => fill(size, '```\n'),
  'alternating fence lengths': (size) => fill(size, '````\n```\n'),
  'nested fences, never closed': (size) => fill(size, '```javascript\n````js\n'),
  'closed javascript blocks': (size) => fill(size, '```javascript\nx = 1\n```\n'),
  'long language tag': (size) => fill(size, 'javascript', '```', ' `'),
  'CRLF fences': (size) => fill(size, '```js\r\nx\r\n```\r\n'),
  'tilde fences': (size) => fill(size, '~~~js\nx\n'),
  'whitespace run': (size) => fill(size, ' \t'),
  'unclosed FINAL(': (size) => fill(size, 'FINAL('),
  'unclosed FINAL_VAR(': (size) => fill(size, 'FINAL_VAR('),
  'FINAL + spaces, no paren': (size) => fill(size, ' ', 'FINAL'),
  'FINAL(" unclosed quotes': (size) => fill(size, 'FINAL("'),
  'FINAL( with escapes': (size) => fill(size, 'FINAL("\\'),
  'FINAL( quotes of every kind': (size) => fill(size, 'FINAL(\'"`\\'),
  'FINAL(FINAL( nested, closed once': (size) => fill(size, 'FINAL(', '', ')'),
  'closed FINAL(1) on one line': (size) => fill(size, 'FINAL(1)'),
  'FINAL( inside unclosed fence': (size) => fill(size, 'FINAL(', '```javascript\n'),
};
