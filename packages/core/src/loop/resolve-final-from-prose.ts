import type { FinalAnswer, ReplSession } from '../environment/repl-environment';
import { proseFinalBeforeOutputNote, proseFinalRefusedNote } from '../prompts/loop-messages';
import type { ProseFinal } from '../text/find-final-in-prose';
import { unquote } from '../text/find-final-in-prose';

/**
 * Decides whether a `FINAL(...)` / `FINAL_VAR(...)` written as prose (not code) is the answer, using
 * the REPL's real functions so that a variable name gives the variable's value, never the name.
 *
 * - `FINAL_VAR(name)`: accepted at the start of a line, or anywhere in a reply that has no code to
 *   run (the model is done exploring), when the REPL has the variable.
 * - `FINAL(x)`: accepted only at the start of a line (mid-sentence it is usually a plan). If `x` is
 *   code, its value is the answer; if it is not (plain words), the words are. A bare name of a
 *   variable that does not exist is refused, so a plan like "FINAL(answer)" is never the answer.
 * - In a reply that ran code, `FINAL(x)` is accepted only when `x` reads the REPL (a variable): the
 *   reply was written before its code ran, so a literal or plain words there were written without
 *   seeing the output, and are often output the model invented and then "answered" (the reference's
 *   issue #127). The model is told so and answers on the next turn, after seeing the real output.
 */
export async function resolveFinalFromProse(
  session: ReplSession,
  found: ProseFinal,
  options: { replyHasCode: boolean; timeoutMs: number; signal: AbortSignal; tag: string },
): Promise<{ answer?: string; format?: 'json'; note?: string }> {
  const cell = { timeoutMs: options.timeoutMs, maxOutputChars: 10_000, signal: options.signal };
  if (found.kind === 'FINAL_VAR') {
    if (!found.atLineStart && options.replyHasCode) return {};
    const name = unquote(found.argument);
    const result = await session.runCell(`FINAL_VAR(${JSON.stringify(name)})`, cell);
    if (result.final) return answerOf(result.final);
    return {
      note: proseFinalRefusedNote(
        options.tag,
        'FINAL_VAR',
        found.argument,
        result.error?.message ?? 'no such variable',
      ),
    };
  }
  if (!found.atLineStart || found.argument === '') return {};
  if (options.replyHasCode && !readsVariables(found.argument)) {
    return { note: proseFinalBeforeOutputNote(options.tag, found.argument) };
  }
  const result = await session.runCell(`FINAL(${found.argument})`, cell);
  if (result.final) return answerOf(result.final);
  if (result.error?.kind === 'syntax') {
    if (options.replyHasCode) return { note: proseFinalBeforeOutputNote(options.tag, found.argument) };
    return { answer: unquote(found.argument) };
  }
  return {
    note: proseFinalRefusedNote(
      options.tag,
      'FINAL',
      found.argument,
      result.error?.message ?? 'it gave no value',
    ),
  };
}

/** Names that are values, not variables of the REPL. */
const LITERAL_NAMES = new Set(['true', 'false', 'null', 'undefined', 'NaN', 'Infinity']);

/**
 * Whether a FINAL argument names anything but literals: an identifier outside string literals
 * (template literals' `${…}` parts included). `42`, `"42 errors"`, `-1.5e3`, `` `x` `` read nothing;
 * `total`, `"n=" + n`, `` `${n} errors` ``, `answer.trim()` do. Plain words (`The answer is 42`) have
 * identifiers but are not code: the cell's syntax error tells those apart.
 */
export function readsVariables(argument: string): boolean {
  let code = '';
  let index = 0;
  const templateDepth: number[] = [];
  let braces = 0;
  while (index < argument.length) {
    const char = argument[index]!;
    if (char === '"' || char === "'") {
      index = skipQuoted(argument, index, char);
      code += ' ';
      continue;
    }
    if (char === '`' || (char === '}' && templateDepth.at(-1) === braces)) {
      if (char === '}') templateDepth.pop();
      // Inside a template literal: skip to its end or to the next `${`.
      index++;
      while (index < argument.length && argument[index] !== '`') {
        if (argument[index] === '\\') index += 2;
        else if (argument[index] === '$' && argument[index + 1] === '{') {
          templateDepth.push(braces);
          index += 2;
          break;
        } else index++;
      }
      if (argument[index] === '`') index++;
      code += ' ';
      continue;
    }
    if (char === '{') braces++;
    if (char === '}') braces--;
    code += char;
    index++;
  }
  // Numbers (1e3, 0x1f, 1_000n) are not names: drop them before looking for identifiers.
  const names = code.replace(/\b\d[\w.]*/g, ' ').match(/[A-Za-z_$][\w$]*/g) ?? [];
  return names.some((name) => !LITERAL_NAMES.has(name));
}

/** The index after the string literal that opens at `start` with `quote`. */
function skipQuoted(text: string, start: number, quote: string): number {
  let index = start + 1;
  while (index < text.length && text[index] !== quote) index += text[index] === '\\' ? 2 : 1;
  return index + 1;
}

/** The answer of a FINAL the REPL recorded, marked as JSON when its value was data. */
function answerOf(final: FinalAnswer): { answer: string; format?: 'json' } {
  return final.format ? { answer: final.value, format: final.format } : { answer: final.value };
}
