import type { FinalAnswer } from '../environment/repl-environment';
import { AnswerValidationError } from '../errors/answer-validation-error';
import { answerRefusedNote, formatSchemaIssues } from '../prompts/answer-schema-messages';
import type { ResolvedAnswerSchema } from '../schema/answer-schema';
import type { SchemaIssue } from '../schema/validate-json-schema';

/** How many refused answers the model may fix by default before the run fails. */
export const DEFAULT_MAX_SCHEMA_RETRIES = 2;

/** What a run's answer must match, and how many refused answers the model may fix. */
export interface AnswerSchemaRequest {
  readonly schema: ResolvedAnswerSchema;
  readonly maxRetries: number;
}

/** The verdict on one FINAL: its validated value, or the note that tells the model what to fix. */
export type AnswerVerdict =
  | { readonly accepted: true; readonly value: unknown }
  | { readonly accepted: false; readonly note: string };

/**
 * The answer schema of one run: validates each FINAL, counts refusals, and throws
 * `AnswerValidationError` when the model has used up its tries (`maxRetries`), or when the answer
 * is the last the run can get (the turns ran out).
 */
export class TypedAnswer {
  private refused = 0;

  constructor(private readonly request: AnswerSchemaRequest) {}

  /** Judges a FINAL. `last`: no turn follows, so a refused answer fails the run at once. */
  async judge(
    final: Pick<FinalAnswer, 'value' | 'format'>,
    tag: string,
    last = false,
  ): Promise<AnswerVerdict> {
    const checked = await checkAnswer(this.request.schema, final);
    if (checked.accepted) return checked;
    this.refused++;
    const triesLeft = this.request.maxRetries - this.refused + 1;
    if (last || triesLeft <= 0) {
      throw new AnswerValidationError({
        value: checked.value,
        issues: checked.issues,
        attempts: this.refused,
        message: `The answer does not match the schema after ${this.refused} ${this.refused === 1 ? 'try' : 'tries'} (maxSchemaRetries: ${this.request.maxRetries}${last ? '; the turns ran out' : ''}). What is wrong with the last one:\n${formatSchemaIssues(checked.issues)}`,
      });
    }
    return {
      accepted: false,
      note: answerRefusedNote({ tag, issues: checked.issues, gaveText: checked.gaveText, triesLeft }),
    };
  }
}

/** A checked answer: the schema's value, or the value that failed and why. */
type AnswerCheck =
  | { readonly accepted: true; readonly value: unknown }
  | {
      readonly accepted: false;
      readonly value: unknown;
      readonly issues: readonly SchemaIssue[];
      /** The model passed text where the schema wants other data. */
      readonly gaveText: boolean;
    };

/**
 * Validates a FINAL's value. A value that was not a string (`format: 'json'`) is validated as the
 * data it was. A string is validated as it is, and, when that fails and the text is JSON (a model
 * that wrote `FINAL(JSON.stringify(result))`, or an environment that does not mark JSON), as the
 * data the JSON holds.
 */
export async function checkAnswer(
  schema: ResolvedAnswerSchema,
  final: Pick<FinalAnswer, 'value' | 'format'>,
): Promise<AnswerCheck> {
  if (final.format === 'json') {
    const data = parseJson(final.value);
    if (data.parsed) {
      const validation = await schema.validate(data.value);
      if (!validation.issues) return { accepted: true, value: validation.value };
      return { accepted: false, value: data.value, issues: validation.issues, gaveText: false };
    }
  }
  const asText = await schema.validate(final.value);
  if (!asText.issues) return { accepted: true, value: asText.value };
  const data = parseJson(stripJsonFence(final.value));
  if (data.parsed && typeof data.value !== 'string') {
    const validation = await schema.validate(data.value);
    if (!validation.issues) return { accepted: true, value: validation.value };
    if (typeof data.value === 'object' && data.value !== null) {
      return { accepted: false, value: data.value, issues: validation.issues, gaveText: false };
    }
  }
  return {
    accepted: false,
    value: final.value,
    issues: asText.issues,
    gaveText: asText.issues.some((issue) => issue.path.length === 0),
  };
}

function parseJson(text: string): { parsed: true; value: unknown } | { parsed: false } {
  try {
    return { parsed: true, value: JSON.parse(text) };
  } catch {
    return { parsed: false };
  }
}

/** The text inside a ```json fence, if the whole text is one; else the text, trimmed. */
function stripJsonFence(text: string): string {
  const fenced = /^\s*```(?:json)?\s*\n([\s\S]*?)\n\s*```\s*$/.exec(text);
  return (fenced ? fenced[1]! : text).trim();
}
