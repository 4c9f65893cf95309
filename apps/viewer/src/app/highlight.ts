/** A piece of code with its token class (`''` for plain text). */
export interface CodeToken {
  readonly text: string;
  readonly kind: '' | 'comment' | 'string' | 'number' | 'keyword' | 'call' | 'builtin';
}

const KEYWORDS = new Set(
  (
    'await async break case catch class const continue default delete do else export extends finally for ' +
    'function if import in instanceof let new of return static super switch this throw try typeof var void ' +
    'while yield true false null undefined def elif except lambda pass raise with as from is not and or None True False print'
  ).split(' '),
);

/** The functions of the REPL the model calls: shown apart, they are where the recursion happens. */
const BUILTINS = new Set([
  'llm_query',
  'llm_query_batched',
  'rlm_query',
  'rlm_query_batched',
  'FINAL',
  'FINAL_VAR',
  'SHOW_VARS',
  'context',
  'console',
]);

// One pass, one alternation: comments, strings (three quote kinds, Python's triple quotes), numbers,
// words. Linear in the code's length; whatever matches nothing stays plain.
const TOKEN =
  /(\/\/[^\n]*|\/\*[\s\S]*?(?:\*\/|$)|#[^\n]*)|("""[\s\S]*?(?:"""|$)|'''[\s\S]*?(?:'''|$)|"(?:[^"\\\n]|\\.)*"?|'(?:[^'\\\n]|\\.)*'?|`(?:[^`\\]|\\[\s\S])*`?)|(\b\d[\d_]*(?:\.\d+)?(?:e[+-]?\d+)?n?\b)|([A-Za-z_$][\w$]*)/g;

/** Splits code (JavaScript or Python) into tokens for highlighting; at most `limit` characters are tokenised. */
export function highlightCode(code: string, limit = 20_000): CodeToken[] {
  const text = code.length > limit ? code.slice(0, limit) : code;
  const tokens: CodeToken[] = [];
  let last = 0;
  TOKEN.lastIndex = 0;
  for (let match = TOKEN.exec(text); match !== null; match = TOKEN.exec(text)) {
    if (match.index > last) tokens.push({ text: text.slice(last, match.index), kind: '' });
    const [whole, comment, string, number, word] = match;
    let kind: CodeToken['kind'] = '';
    if (comment) kind = 'comment';
    else if (string) kind = 'string';
    else if (number) kind = 'number';
    else if (word) {
      if (BUILTINS.has(word)) kind = 'builtin';
      else if (KEYWORDS.has(word)) kind = 'keyword';
      else if (text[TOKEN.lastIndex] === '(') kind = 'call';
    }
    tokens.push({ text: whole, kind });
    last = TOKEN.lastIndex;
  }
  if (last < text.length) tokens.push({ text: text.slice(last), kind: '' });
  if (code.length > limit) tokens.push({ text: code.slice(limit), kind: '' });
  return tokens;
}
