import { describe, expect, it } from 'vitest';
import { AnswerValidationError } from '../errors/answer-validation-error';
import { resolveAnswerSchema } from '../schema/answer-schema';
import { checkAnswer, TypedAnswer } from './typed-answer';

const counts = resolveAnswerSchema(
  { type: 'object', properties: { total: { type: 'integer' } }, required: ['total'] },
  undefined,
);

describe('checkAnswer', () => {
  it('reads a JSON value back and validates it', async () => {
    expect(await checkAnswer(counts, { value: '{\n  "total": 3\n}', format: 'json' })).toEqual({
      accepted: true,
      value: { total: 3 },
    });
  });

  it('keeps a string a string, unless it fails and its text is JSON (or fenced JSON)', async () => {
    const text = resolveAnswerSchema({ type: 'string' }, undefined);
    expect(await checkAnswer(text, { value: '42' })).toEqual({ accepted: true, value: '42' });
    expect(await checkAnswer(text, { value: '42', format: 'json' })).toMatchObject({ accepted: false });
    expect(await checkAnswer(counts, { value: '{"total": 3}' })).toEqual({
      accepted: true,
      value: { total: 3 },
    });
    expect(await checkAnswer(counts, { value: '```json\n{"total": 3}\n```' })).toMatchObject({
      accepted: true,
    });
  });

  it('says when text was given where data is wanted', async () => {
    const checked = await checkAnswer(counts, { value: 'There are 3.' });
    expect(checked).toMatchObject({
      accepted: false,
      value: 'There are 3.',
      gaveText: true,
      issues: [{ path: [], message: 'expected object, got a string ("There are 3.")' }],
    });
  });
});

describe('TypedAnswer', () => {
  it('gives the model maxRetries more tries, then throws with the last value and its issues', async () => {
    const typed = new TypedAnswer({ schema: counts, maxRetries: 1 });
    const first = await typed.judge({ value: '{"total": "3"}', format: 'json' }, '[tag]');
    expect(first.accepted).toBe(false);
    if (!first.accepted) {
      expect(first.note).toContain('[tag] Your FINAL answer was refused');
      expect(first.note).toContain('- answer.total: expected integer, got a string ("3")');
      expect(first.note).toContain('1 more try');
    }
    const error = await typed.judge({ value: '{"total": 2.5}', format: 'json' }, '[tag]').catch((e) => e);
    expect(AnswerValidationError.isInstance(error)).toBe(true);
    expect(error).toMatchObject({ value: { total: 2.5 }, attempts: 2, issues: [{ path: ['total'] }] });
  });

  it('fails at once when the answer is the last the run can get', async () => {
    const typed = new TypedAnswer({ schema: counts, maxRetries: 5 });
    await expect(typed.judge({ value: 'no idea' }, '[tag]', true)).rejects.toThrow(/the turns ran out/);
  });
});

describe('resolveAnswerSchema', () => {
  it('asks for jsonSchema when a Standard Schema cannot write its own', () => {
    const opaque = { '~standard': { version: 1, vendor: 'acme', validate: (value: unknown) => ({ value }) } };
    expect(() => resolveAnswerSchema(opaque, undefined)).toThrow(/Pass jsonSchema alongside it/);
    expect(resolveAnswerSchema(opaque, { type: 'string' }).jsonSchema).toEqual({ type: 'string' });
    expect(() => resolveAnswerSchema('string', undefined)).toThrow(
      /Standard Schema .* or a JSON Schema object/,
    );
  });
});
