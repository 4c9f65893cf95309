import { removeFencedBlocks } from './extract-code-blocks';

/** A `FINAL(...)` or `FINAL_VAR(...)` the model wrote as text outside its code. */
export interface ProseFinal {
  readonly kind: 'FINAL' | 'FINAL_VAR';
  /** What stood between the parentheses, trimmed. */
  readonly argument: string;
  /**
   * Whether it opened a line (after optional markdown emphasis or a list marker). A `FINAL(...)`
   * mid-sentence is usually a plan ("then I will call FINAL(answer)"), not an answer.
   */
  readonly atLineStart: boolean;
}

/** A `FINAL(` / `FINAL_VAR(` in the prose: where it starts and where its argument starts. */
interface Call {
  readonly kind: 'FINAL' | 'FINAL_VAR';
  readonly index: number;
  readonly argumentStart: number;
}

/**
 * The last text-form final call in the prose of `reply` (code blocks are ignored: those run as real
 * code). This is only a fallback for models that write the call as text instead of code; the loop
 * decides whether to trust it.
 *
 * Calls are taken left to right; an unclosed one is skipped, and the search goes on after the `)`
 * of a closed one, so a call inside another's argument is part of that argument. The time is linear
 * in the reply's length (plus a logarithmic factor in the number of calls), whatever the reply: a
 * reply is untrusted text, and thousands of unclosed `FINAL(` must not each scan to its end.
 */
export function findFinalInProse(reply: string): ProseFinal | undefined {
  const prose = removeFencedBlocks(reply);
  const calls = findCalls(prose);
  if (calls.length === 0) return undefined;
  const closes = findClosingParentheses(
    prose,
    calls.map((call) => call.argumentStart),
  );
  let found: { call: Call; end: number } | undefined;
  let next = 0;
  calls.forEach((call, index) => {
    const end = closes[index]!;
    if (call.index < next || end === -1) return;
    found = { call, end };
    next = end + 1;
  });
  if (!found) return undefined;
  const { call, end } = found;
  const lineStart = prose.lastIndexOf('\n', call.index) + 1;
  return {
    kind: call.kind,
    argument: prose.slice(call.argumentStart, end).trim(),
    atLineStart: onlyLineStartPrefix(prose, lineStart, call.index),
  };
}

/** Every `FINAL(` / `FINAL_VAR(` (whitespace allowed before the parenthesis, a word boundary before the name), in order. */
function findCalls(prose: string): Call[] {
  const calls: Call[] = [];
  let from = 0;
  for (;;) {
    const index = prose.indexOf('FINAL', from);
    if (index === -1) return calls;
    from = index + 5;
    if (index > 0 && isWordCharacter(prose.charCodeAt(index - 1))) continue;
    let position = index + 5;
    let kind: Call['kind'] = 'FINAL';
    if (prose.startsWith('_VAR', position)) {
      kind = 'FINAL_VAR';
      position += 4;
    }
    while (position < prose.length && isWhitespace(prose.charCodeAt(position))) position++;
    from = position;
    if (prose.charCodeAt(position) === OPEN) {
      calls.push({ kind, index, argumentStart: position + 1 });
      from = position + 1;
    }
  }
}

const OPEN = 0x28;
const CLOSE = 0x29;
const BACKSLASH = 0x5c;
/** Lexical states of a scan: outside quotes, inside one of three quotes, or just after a `\` inside one. */
const QUOTES = [0x22, 0x27, 0x60] as const;
const OUTSIDE = 0;
const inQuote = (quote: number) => 1 + quote;
const escaped = (quote: number) => 4 + quote;

/** One scan, or several (most depths hold one: no array for those). */
type Scans = number | number[];

const countOf = (scans: Scans) => (typeof scans === 'number' ? 1 : scans.length);

/** Scans that share a lexical state: their depths differ by constants, so they move together. */
interface Group {
  /** depth of a scan = key + offset. */
  offset: number;
  /** key → the scan (an index into `starts`) or scans at that depth. */
  readonly byKey: Map<number, Scans>;
  size: number;
}

/**
 * For each start (just after a `(`), the index of the `)` that closes it, skipping quoted strings
 * (`"…"`, `'…'`, `` `…` ``, with `\` escapes), or -1 if none does. Equivalent to scanning from each
 * start in turn, but all scans run together in one pass: at any position there are at most seven
 * lexical states, and scans in the same state see the same characters, so they are kept in one group
 * per state and only their depths are tracked. Groups that reach the same state merge, smaller into
 * larger, so each scan moves O(log n) times.
 */
function findClosingParentheses(text: string, starts: readonly number[]): Int32Array {
  const closes = new Int32Array(starts.length).fill(-1);
  const groups: Array<Group | undefined> = new Array(7).fill(undefined);
  let nextStart = 0;
  let active = 0;
  for (let index = starts[0] ?? text.length; index < text.length; index++) {
    while (nextStart < starts.length && starts[nextStart] === index) {
      const none = groups[OUTSIDE] ?? { offset: 0, byKey: new Map(), size: 0 };
      groups[OUTSIDE] = none;
      add(none, 1 - none.offset, nextStart);
      nextStart++;
      active++;
    }
    if (active === 0) {
      if (nextStart >= starts.length) break;
      index = starts[nextStart]! - 1;
      continue;
    }
    const character = text.charCodeAt(index);
    const none = groups[OUTSIDE];
    if (character === OPEN || character === CLOSE) {
      if (none) {
        if (character === OPEN) none.offset++;
        else {
          none.offset--;
          const closing = none.byKey.get(-none.offset);
          if (closing !== undefined) {
            if (typeof closing === 'number') closes[closing] = index;
            else for (const scan of closing) closes[scan] = index;
            none.byKey.delete(-none.offset);
            none.size -= countOf(closing);
            active -= countOf(closing);
            if (none.size === 0) groups[OUTSIDE] = undefined;
          }
        }
      }
      settleEscapes(groups, -1);
    } else if (character === BACKSLASH) {
      for (let quote = 0; quote < 3; quote++) {
        const inside = groups[inQuote(quote)];
        groups[inQuote(quote)] = groups[escaped(quote)];
        groups[escaped(quote)] = inside;
      }
    } else {
      const quote = QUOTES.indexOf(character as (typeof QUOTES)[number]);
      if (quote === -1) settleEscapes(groups, -1);
      else {
        // Outside → inside this quote; inside it → outside; escaped → inside (merging).
        const closing = groups[inQuote(quote)];
        groups[inQuote(quote)] = merge(none, groups[escaped(quote)]);
        groups[escaped(quote)] = undefined;
        groups[OUTSIDE] = closing;
        settleEscapes(groups, quote);
      }
    }
  }
  return closes;
}

/** After any character but `\`, scans just after an escape go back inside their quote. */
function settleEscapes(groups: Array<Group | undefined>, except: number): void {
  for (let quote = 0; quote < 3; quote++) {
    if (quote === except) continue;
    const pending = groups[escaped(quote)];
    if (!pending) continue;
    groups[inQuote(quote)] = merge(groups[inQuote(quote)], pending);
    groups[escaped(quote)] = undefined;
  }
}

function add(group: Group, key: number, scan: number): void {
  const scans = group.byKey.get(key);
  if (scans === undefined) group.byKey.set(key, scan);
  else if (typeof scans === 'number') group.byKey.set(key, [scans, scan]);
  else scans.push(scan);
  group.size++;
}

/** One group of both, the smaller moved into the larger (keys rebased to the larger's offset). */
function merge(a: Group | undefined, b: Group | undefined): Group | undefined {
  if (!a) return b;
  if (!b) return a;
  const [large, small] = a.size >= b.size ? [a, b] : [b, a];
  for (const [key, scans] of small.byKey) {
    const rebased = key + small.offset - large.offset;
    const existing = large.byKey.get(rebased);
    if (existing === undefined) large.byKey.set(rebased, scans);
    else large.byKey.set(rebased, join(existing, scans));
  }
  large.size += small.size;
  return large;
}

/** Both lists as one, the shorter appended to the longer (so a scan is copied O(log n) times). */
function join(a: Scans, b: Scans): Scans {
  if (typeof a === 'number' && typeof b === 'number') return [a, b];
  const [long, short] = countOf(a) >= countOf(b) ? [a as number[], b] : [b as number[], a];
  if (typeof short === 'number') long.push(short);
  else for (const scan of short) long.push(scan);
  return long;
}

function isWordCharacter(code: number): boolean {
  return (
    (code >= 0x30 && code <= 0x39) ||
    (code >= 0x41 && code <= 0x5a) ||
    (code >= 0x61 && code <= 0x7a) ||
    code === 0x5f
  );
}

/** `\s` of a regular expression. */
function isWhitespace(code: number): boolean {
  return (
    (code >= 0x09 && code <= 0x0d) ||
    code === 0x20 ||
    code === 0xa0 ||
    code === 0x1680 ||
    (code >= 0x2000 && code <= 0x200a) ||
    code === 0x2028 ||
    code === 0x2029 ||
    code === 0x202f ||
    code === 0x205f ||
    code === 0x3000 ||
    code === 0xfeff
  );
}

/** Whether `text[from, to)` is only spaces, tabs and markdown (`>`, `*`, `_`, `` ` ``, `#`, `-`). */
function onlyLineStartPrefix(text: string, from: number, to: number): boolean {
  for (let index = from; index < to; index++) if (!' \t>*_`#-'.includes(text[index]!)) return false;
  return true;
}

/** One string literal `"x"`, `'x'` or `` `x` `` → `x`; anything else (`"a" + "b"`) unchanged. One pass. */
export function unquote(text: string): string {
  const quote = text[0];
  const last = text.length - 1;
  if (last < 1 || (quote !== '"' && quote !== "'" && quote !== '`') || text[last] !== quote) return text;
  let index = 1;
  while (index < last) {
    const character = text[index];
    if (character === quote) return text;
    index += character === '\\' ? 2 : 1;
  }
  // Past `last`: an escape swallowed the closing quote.
  return index === last ? text.slice(1, last) : text;
}
