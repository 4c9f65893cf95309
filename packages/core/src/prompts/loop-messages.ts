import type { CellErrorKind, CellResult } from '../environment/repl-environment';
import { groupDigits } from '../text/group-digits';
import { truncateOutput } from '../text/truncate-output';
import type { ContextSummary } from '../trajectory/trajectory';

/*
 * What the loop adds to the conversation must not be imitable by text it shows: cell output, error
 * messages, the context's preview, sub-model answers and the model's own prose can hold any string.
 * So every line the loop writes starts with a tag made for the run (`[rlm-…]`, 48 random bits, named
 * in the system prompt), every such line is the loop's text only (untrusted text always starts on a
 * line of its own), and the tag is neutralised wherever it occurs in untrusted text. A cell that
 * prints "[final answer set with FINAL]", "Output of block 2:" or even the tag itself gets lines
 * without the tag.
 */

/** A fresh tag for one run's notes, e.g. `[rlm-3fa9c2e1b7d0]`. */
export function createNoteTag(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(6));
  return `[rlm-${Array.from(bytes, (byte) => byte.toString(16).padStart(2, '0')).join('')}]`;
}

/**
 * `text` with every occurrence of `tag` turned into `(rlm-…)`. The result holds no occurrence of
 * the tag: one would start with a `[` and end with the next `]` of the text, neither of which a
 * replacement contains, so it would be an occurrence that was there before and was replaced (two
 * occurrences cannot overlap, as the tag has only one `[` and one `]`).
 */
export function neutralizeNoteTag(text: string, tag: string): string {
  return text.includes(tag) ? text.split(tag).join(`(${tag.slice(1, -1)})`) : text;
}

/** A line of the loop's own text, tagged. `text` must not hold untrusted text. */
function note(tag: string, text: string): string {
  return `${tag} ${text}`;
}

/** The opening user message: what the context is, the question, and a warning not to answer yet. */
export function firstUserMessage(
  question: string,
  context: ContextSummary,
  tag: string,
  variable = 'context',
): string {
  const sizes =
    context.parts > 1
      ? `\n${note(tag, `Sizes of its ${groupDigits(context.parts)} parts in characters${context.parts > context.partSizes.length ? ` (the first ${context.partSizes.length})` : ''}: ${context.partSizes.join(', ')}.`)}`
      : '';
  const keys = context.keys
    ? `\n${note(tag, `Its keys${context.parts > context.keys.length ? ` (the first ${context.keys.length})` : ''}:`)}\n${neutralizeNoteTag(context.keys.join(', '), tag)}`
    : '';
  const tail = context.tail
    ? `\n${note(tag, 'It ends with:')}\n"""\n${neutralizeNoteTag(context.tail, tag)}\n"""`
    : '';
  return `${note(tag, `The variable \`${variable}\` is a ${describeType(context)} of ${groupDigits(context.totalCharacters)} characters (about ${groupDigits(context.approximateTokens)} tokens).`)}${sizes}${keys}
${note(tag, 'It begins with:')}
"""
${neutralizeNoteTag(context.head, tag)}
"""${tail}

${note(tag, 'The question:')}
${quoteQuestion(neutralizeNoteTag(question, tag))}

${note(tag, 'You have not looked at the context yet, so do not answer yet. Start by exploring it with code.')}`;
}

/**
 * The question as the opening message quotes it: on a line of its own as `original query: "…"` when
 * it is one line without a double quote, else between triple quotes. The first form is where the
 * reference library's visualizer looks for a run's question (it reads our JSONL files too); it is
 * unambiguous for the model only when the question holds no `"` and no line break.
 */
export function quoteQuestion(question: string): string {
  return /^[^"\n\r]+$/.test(question) ? `original query: "${question}"` : `"""\n${question}\n"""`;
}

function describeType(context: ContextSummary): string {
  switch (context.type) {
    case 'string':
      return 'string';
    case 'string[]':
      return `list of ${groupDigits(context.parts)} strings (documents)`;
    case 'array':
      return `list of ${groupDigits(context.parts)} items (JSON data)`;
    case 'object':
      return `JSON object with ${groupDigits(context.parts)} keys`;
    default:
      return context.type;
  }
}

const CELL_ERROR_KINDS: readonly CellErrorKind[] = [
  'syntax',
  'runtime',
  'timeout',
  'memory',
  'aborted',
  'crash',
];

/** One cell's outcome as the model sees it, capped to `maxOutputChars`; the loop's lines carry `tag`. */
export function formatCellOutput(result: CellResult, maxOutputChars: number, tag: string): string {
  const parts: string[] = [];
  const untrusted = (value: string) => {
    const text = String(value);
    return neutralizeNoteTag(text.endsWith('\n') ? text.slice(0, -1) : text, tag);
  };
  if (result.stateLost) parts.push(`${note(tag, 'session reset:')}\n${untrusted(result.stateLost)}`);
  if (result.stdout) parts.push(untrusted(result.stdout));
  if (result.stderr) parts.push(`${note(tag, 'stderr:')}\n${untrusted(result.stderr)}`);
  // What goes on the loop's own lines is checked: a sandbox that forges its results (issue 8,
  // finding 3) must not get text onto a tagged line through fields typed as numbers or enums.
  const dropped = Number(result.droppedOutputChars);
  if (dropped > 0) {
    parts.push(note(tag, `${groupDigits(dropped)} more characters of output were discarded.`));
  }
  if (result.value !== undefined)
    parts.push(`${note(tag, 'value of the last expression:')}\n${untrusted(result.value)}`);
  if (result.error) {
    const line = result.error.line;
    const where = Number.isSafeInteger(line) ? ` (line ${line})` : '';
    const kind = CELL_ERROR_KINDS.includes(result.error.kind) ? result.error.kind : 'crash';
    parts.push(
      `${note(tag, `[${kind} error${where}]`)}\n${untrusted(`${result.error.name}: ${result.error.message}`)}`,
    );
  }
  if (result.final) {
    parts.push(
      note(tag, `final answer set with ${result.final.source === 'FINAL_VAR' ? 'FINAL_VAR' : 'FINAL'}.`),
    );
  }
  const text = parts.length ? parts.join('\n') : note(tag, '(no output)');
  return truncateOutput(text, maxOutputChars, tag);
}

/** The user message after a turn whose code ran: each block's output and where the run stands. */
export function turnFeedbackMessage(options: {
  outputs: readonly string[];
  turn: number;
  maxTurns: number;
  question: string;
  skippedBlocks: number;
  notes: readonly string[];
  tag: string;
}): string {
  const { tag } = options;
  const blocks = options.outputs
    .map((output, index) => `${note(tag, `Output of block ${index + 1}:`)}\n${output}`)
    .join('\n\n');
  const skipped = options.skippedBlocks
    ? `\n\n${note(tag, `${options.skippedBlocks} later block(s) did not run.`)}`
    : '';
  const notes = options.notes.length ? `\n\n${options.notes.join('\n')}` : '';
  return `${blocks}${skipped}${notes}\n\n${note(tag, `Turn ${options.turn}/${options.maxTurns}. When you have the answer, call FINAL(...) or FINAL_VAR(...) in code. Continue towards answering:`)}\n"${neutralizeNoteTag(shorten(options.question), tag)}"`;
}

/** The user message after a reply with no code to run and no answer. */
export function noCodeMessage(options: {
  turn: number;
  maxTurns: number;
  language: string;
  truncated: boolean;
  notes: readonly string[];
  tag: string;
}): string {
  const { tag } = options;
  const cut = options.truncated
    ? 'Your reply was cut off at the output-token limit before it finished. Write shorter replies: a sentence of reasoning, then code.'
    : `Your reply had no \`\`\`${options.language} code block to run and did not call FINAL.`;
  const notes = options.notes.length ? `${options.notes.join('\n')}\n\n` : '';
  return `${notes}${note(tag, `${cut} Explore the context with code, or, if you have the answer, call FINAL(answer) in a code block.`)}\n\n${note(tag, `Turn ${options.turn}/${options.maxTurns}.`)}`;
}

/**
 * After a block whose sub-calls failed: how many, what the model got instead of answers, what to do,
 * then the reasons (untrusted: error messages quote providers) on lines of their own. Empty when none
 * failed.
 */
export function failedSubCallsNote(
  subCalls: readonly { readonly error?: { readonly name: string; readonly message: string } }[],
  tag: string,
): string {
  const reasons = new Map<string, number>();
  let failed = 0;
  for (const call of subCalls) {
    if (!call.error) continue;
    failed++;
    const reason = shorten(`${call.error.name}: ${call.error.message}`, 300);
    reasons.set(reason, (reasons.get(reason) ?? 0) + 1);
  }
  if (failed === 0) return '';
  const listed = [...reasons].sort((a, b) => b[1] - a[1]).slice(0, 5);
  const more =
    reasons.size > listed.length
      ? `\n${note(tag, `…and ${reasons.size - listed.length} other reason(s).`)}`
      : '';
  return `\n${note(
    tag,
    `${failed} of ${subCalls.length} sub-call(s) of this block FAILED and have no answer: a failed llm_query/rlm_query threw, a failed item of llm_query_batched/rlm_query_batched is a string starting with "Error:". Retry those prompts, or leave them out and say in your answer what is missing; never count them as answers. Reasons (count, then reason):`,
  )}\n${listed.map(([reason, count]) => neutralizeNoteTag(`${count}× ${reason}`, tag)).join('\n')}${more}`;
}

/** The note that the reply hit the output-token limit. */
export function replyCutOffNote(tag: string): string {
  return note(tag, 'Your reply was cut off at the output-token limit: keep replies shorter.');
}

/**
 * The note that a text-form `FINAL` / `FINAL_VAR` was refused. What the model wrote and why it
 * failed are untrusted, so they follow on lines of their own.
 */
export function proseFinalRefusedNote(
  tag: string,
  kind: 'FINAL' | 'FINAL_VAR',
  argument: string,
  reason: string,
): string {
  return `${note(tag, `Your ${kind}(...) written as text was not accepted. Call ${kind} in a code block. What you wrote, then why:`)}\n${neutralizeNoteTag(`${kind}(${argument})`, tag)}\n${neutralizeNoteTag(reason, tag)}`;
}

/**
 * A `FINAL(...)` in prose, with a literal or plain words, in a reply that also ran code: written before
 * the model saw what its code printed, so possibly of invented output (reference issue #127).
 */
export function proseFinalBeforeOutputNote(tag: string, argument: string): string {
  return `${note(tag, 'Your FINAL(...) written as text was not accepted: you wrote it in the same reply as code, before seeing what the code printed. Read the real output above; then call FINAL in a code block. What you wrote:')}\n${neutralizeNoteTag(`FINAL(${argument})`, tag)}`;
}

/** The last request when the turns ran out: the best answer from what was found. */
export function maxTurnsFallbackMessage(question: string, tag: string): string {
  return `${note(tag, 'You have used all your turns. From everything above, give your best final answer to the question now, as plain text, without code:')}\n"""\n${neutralizeNoteTag(question, tag)}\n"""`;
}

function shorten(text: string, length = 500): string {
  return text.length > length ? `${text.slice(0, length)}…` : text;
}
