import type { SchemaIssue } from '../schema/validate-json-schema';
import { RLMError } from './rlm-error';

/**
 * The run's answer did not match the `schema` of the completion, and the model did not fix it in the
 * turns it was given (`maxSchemaRetries`). `value` is the last answer it gave, `issues` what is wrong
 * with it; `partialAnswer` holds it as text.
 */
export class AnswerValidationError extends RLMError {
  /** The last answer the model gave: the value it passed to FINAL (parsed when it was JSON). */
  readonly value: unknown;
  /** What is wrong with `value`, each with its path inside it (`[]`: the value itself). */
  readonly issues: readonly SchemaIssue[];
  /** How many answers were refused. */
  readonly attempts: number;

  constructor(options: {
    value: unknown;
    issues: readonly SchemaIssue[];
    attempts: number;
    message: string;
  }) {
    super({ name: 'AnswerValidationError', message: options.message });
    this.value = options.value;
    this.issues = options.issues;
    this.attempts = options.attempts;
  }

  static override isInstance(error: unknown): error is AnswerValidationError {
    return RLMError.hasName(error, 'AnswerValidationError');
  }
}
