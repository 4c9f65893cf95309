import { formatPath, type SchemaIssue } from '../schema/validate-json-schema';
import type { JsonSchema } from '../tool/tool';
import { neutralizeNoteTag } from './loop-messages';

/** Issues listed in a note or an error; the rest are counted. */
const MAX_LISTED_ISSUES = 10;

/** What is wrong with an answer, one issue a line: `- answer.items[0].age: expected integer, got …`. */
export function formatSchemaIssues(issues: readonly SchemaIssue[]): string {
  const lines = issues
    .slice(0, MAX_LISTED_ISSUES)
    .map((issue) => `- ${formatPath(issue.path) || 'answer: '}${issue.message}`);
  if (issues.length > MAX_LISTED_ISSUES) lines.push(`- … and ${issues.length - MAX_LISTED_ISSUES} more`);
  return lines.join('\n');
}

/**
 * The note after a FINAL whose value the schema refused: what is wrong (untrusted: messages may quote
 * the value, so on lines of their own with the tag neutralised), and how many tries are left.
 */
export function answerRefusedNote(options: {
  tag: string;
  issues: readonly SchemaIssue[];
  gaveText: boolean;
  triesLeft: number;
}): string {
  const { tag } = options;
  const text = options.gaveText
    ? `\n${tag} FINAL was given text, but the answer must be data of the schema's shape: build the value in code and pass the value itself, e.g. FINAL(result), not a sentence about it.`
    : '';
  return `${tag} Your FINAL answer was refused: it does not match the schema the answer must follow. What is wrong:\n${neutralizeNoteTag(formatSchemaIssues(options.issues), tag)}${text}\n${tag} Fix the value and call FINAL again (${options.triesLeft} more ${options.triesLeft === 1 ? 'try' : 'tries'} before the run fails).`;
}

/** The system prompt's section on the shape of the answer, when the run has an answer schema. */
export function answerSchemaSection(
  schema: JsonSchema,
  language: 'javascript' | 'python' = 'javascript',
): string {
  const python = language === 'python';
  const children = python
    ? '\n`await rlm_query(prompt, sub_context, schema=schema)` takes a JSON Schema the same way: it returns the parsed, validated value instead of a string (or raises, saying what was wrong).'
    : '\n`await rlm_query(prompt, subContext, { schema })` takes a JSON Schema the same way: it returns the parsed, validated value instead of a string (or throws, saying what was wrong).';
  const shapes = python ? 'a dict, list, number, …' : 'an object, array, number, …';
  const notText = python ? 'json.dumps(result)' : 'JSON.stringify(result)';
  return `\n\nThe answer must be data that matches this JSON Schema:\n${JSON.stringify(schema, null, 2)}\nBuild the value in code and pass it itself to FINAL (${shapes}, as the schema says), e.g. FINAL(result): not a sentence, not ${notText}. If it does not match, you are told what is wrong and may fix it.${children}`;
}
