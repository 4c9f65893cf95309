import type { JsonValue } from '../environment/context-value';
import { InvalidArgumentError } from '../errors/invalid-argument-error';
import type { LanguageModel } from '../language-model/language-model';
import type { ResolvedSettings } from './resolve-settings';

/*
 * Arguments of the host functions arrive as JSON from the sandbox, written by a model: each is
 * checked here with a message the model can act on.
 */

/** `value` if it is a string; else an error that says how to build one. */
export function expectString(value: JsonValue | undefined, functionName: string, argument: string): string {
  if (typeof value !== 'string') {
    throw new InvalidArgumentError({
      argument,
      message: `${functionName}: ${argument} must be a string; got ${value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value}. Build the text first (e.g. with JSON.stringify or join).`,
    });
  }
  return value;
}

/** `value` if it is an array of strings; else an error naming the first item that is not. */
export function expectStringList(
  value: JsonValue | undefined,
  functionName: string,
  argument: string,
): string[] {
  if (!Array.isArray(value)) {
    throw new InvalidArgumentError({
      argument,
      message: `${functionName}: ${argument} must be an array of strings.`,
    });
  }
  value.forEach((item, index) => {
    if (typeof item !== 'string') {
      throw new InvalidArgumentError({
        argument,
        message: `${functionName}: ${argument}[${index}] must be a string; got ${item === null ? 'null' : typeof item}.`,
      });
    }
  });
  return value as string[];
}

/**
 * The model a sub-call names (`'fast'` or `{ model: 'fast' }`) among `settings.models`; the
 * sub-model when it names none.
 */
export function pickModel(
  settings: ResolvedSettings,
  choice: JsonValue | undefined,
  functionName: string,
): LanguageModel {
  const name =
    typeof choice === 'string'
      ? choice
      : isRecord(choice) && typeof choice.model === 'string'
        ? choice.model
        : undefined;
  if (choice === undefined || choice === null || name === undefined) {
    if (choice !== undefined && choice !== null) {
      throw new InvalidArgumentError({
        argument: 'model',
        message: `${functionName}: the second argument must be a model name (a string).`,
      });
    }
    return settings.subModel;
  }
  const model = settings.models[name];
  if (!model) {
    const known = Object.keys(settings.models);
    throw new InvalidArgumentError({
      argument: 'model',
      message: `${functionName}: no model named '${name}'. ${known.length ? `Available: ${known.map((k) => `'${k}'`).join(', ')}.` : 'Only the default model is available: leave the argument out.'}`,
    });
  }
  return model;
}

function isRecord(value: unknown): value is Record<string, JsonValue> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
