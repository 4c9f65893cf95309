import type { CellResult } from '../environment/repl-environment';
import { truncateOutput } from '../text/truncate-output';
import type { ContextSummary } from '../trajectory/trajectory';

/** The opening user message: what the context is, the question, and a warning not to answer yet. */
export function firstUserMessage(question: string, context: ContextSummary): string {
  const sizes =
    context.parts > 1
      ? `\nSizes of its ${context.parts.toLocaleString('en-US')} parts in characters${context.parts > context.partSizes.length ? ` (the first ${context.partSizes.length})` : ''}: ${context.partSizes.join(', ')}.`
      : '';
  const keys = context.keys
    ? `\nIts keys${context.parts > context.keys.length ? ` (the first ${context.keys.length})` : ''}: ${context.keys.join(', ')}.`
    : '';
  const tail = context.tail ? `\nIt ends with:\n"""\n${context.tail}\n"""` : '';
  return `The variable \`context\` is a ${describeType(context)} of ${context.totalCharacters.toLocaleString('en-US')} characters (about ${context.approximateTokens.toLocaleString('en-US')} tokens).${sizes}${keys}
It begins with:
"""
${context.head}
"""${tail}

The question:
"""
${question}
"""

You have not looked at the context yet, so do not answer yet. Start by exploring it with code.`;
}

function describeType(context: ContextSummary): string {
  switch (context.type) {
    case 'string':
      return 'string';
    case 'string[]':
      return `list of ${context.parts.toLocaleString('en-US')} strings (documents)`;
    case 'array':
      return `list of ${context.parts.toLocaleString('en-US')} items (JSON data)`;
    case 'object':
      return `JSON object with ${context.parts.toLocaleString('en-US')} keys`;
    default:
      return context.type;
  }
}

/** One cell's outcome as the model sees it, capped to `maxOutputChars`. */
export function formatCellOutput(result: CellResult, maxOutputChars: number): string {
  const parts: string[] = [];
  if (result.stateLost) parts.push(`[session reset] ${result.stateLost}`);
  if (result.stdout) parts.push(result.stdout.replace(/\n$/, ''));
  if (result.stderr) parts.push(`[stderr]\n${result.stderr.replace(/\n$/, '')}`);
  if (result.droppedOutputChars > 0) {
    parts.push(
      `[${result.droppedOutputChars.toLocaleString('en-US')} more characters of output were discarded]`,
    );
  }
  if (result.value !== undefined) parts.push(`=> ${result.value}`);
  if (result.error) {
    const where = result.error.line !== undefined ? ` (line ${result.error.line})` : '';
    parts.push(`[${result.error.kind} error${where}] ${result.error.name}: ${result.error.message}`);
  }
  if (result.final) parts.push(`[final answer set with ${result.final.source}]`);
  const text = parts.length ? parts.join('\n') : '(no output)';
  return truncateOutput(text, maxOutputChars);
}

/** The user message after a turn whose code ran: each block's output and where the run stands. */
export function turnFeedbackMessage(options: {
  outputs: readonly string[];
  turn: number;
  maxTurns: number;
  question: string;
  skippedBlocks: number;
  notes: readonly string[];
}): string {
  const blocks = options.outputs
    .map((output, index) => `Output of block ${index + 1}:\n${output}`)
    .join('\n\n');
  const skipped = options.skippedBlocks ? `\n\n${options.skippedBlocks} later block(s) did not run.` : '';
  const notes = options.notes.length ? `\n\n${options.notes.join('\n')}` : '';
  return `${blocks}${skipped}${notes}\n\nTurn ${options.turn}/${options.maxTurns}. Continue towards answering: "${shorten(options.question)}". When you have the answer, call FINAL(...) or FINAL_VAR(...) in code.`;
}

/** The user message after a reply with no code to run and no answer. */
export function noCodeMessage(options: {
  turn: number;
  maxTurns: number;
  language: string;
  truncated: boolean;
}): string {
  const cut = options.truncated
    ? 'Your reply was cut off at the output-token limit before it finished. Write shorter replies: a sentence of reasoning, then code.'
    : `Your reply had no \`\`\`${options.language} code block to run and did not call FINAL.`;
  return `${cut} Explore the context with code, or, if you have the answer, call FINAL(answer) in a code block.\n\nTurn ${options.turn}/${options.maxTurns}.`;
}

/** The last request when the turns ran out: the best answer from what was found. */
export function maxTurnsFallbackMessage(question: string): string {
  return `You have used all your turns. From everything above, give your best final answer to the question now, as plain text, without code:\n"""\n${question}\n"""`;
}

function shorten(text: string): string {
  return text.length > 500 ? `${text.slice(0, 500)}…` : text;
}
