import type { ReplSession } from '../environment/repl-environment';
import { proseFinalRefusedNote } from '../prompts/loop-messages';
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
 */
export async function resolveFinalFromProse(
  session: ReplSession,
  found: ProseFinal,
  options: { replyHasCode: boolean; timeoutMs: number; signal: AbortSignal; tag: string },
): Promise<{ answer?: string; note?: string }> {
  const cell = { timeoutMs: options.timeoutMs, maxOutputChars: 10_000, signal: options.signal };
  if (found.kind === 'FINAL_VAR') {
    if (!found.atLineStart && options.replyHasCode) return {};
    const name = unquote(found.argument);
    const result = await session.runCell(`FINAL_VAR(${JSON.stringify(name)})`, cell);
    if (result.final) return { answer: result.final.value };
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
  const result = await session.runCell(`FINAL(${found.argument})`, cell);
  if (result.final) return { answer: result.final.value };
  if (result.error?.kind === 'syntax') return { answer: unquote(found.argument) };
  return {
    note: proseFinalRefusedNote(
      options.tag,
      'FINAL',
      found.argument,
      result.error?.message ?? 'it gave no value',
    ),
  };
}
