import { AnswerValidationError, type JsonSchema, LimitExceededError } from '@rlm/core';
import { MockLanguageModel } from '@rlm/core/testing';
import { toJsonSchema, toStandardJsonSchema } from '@valibot/to-json-schema';
import * as v from 'valibot';
import { describe, expect, expectTypeOf, it } from 'vitest';
import * as z from 'zod';
import { code, quickjsRLM, scriptedModels } from './fixtures';

/*
 * Typed answers (issue 15): completion's `schema` — zod 4, valibot or a JSON Schema — is shown to
 * the model, FINAL's value is validated, a refused one goes back with its issues, and `answer` is
 * the validated value. rlm_query's `{ schema }` gives a parent data from a child.
 */

const Person = z.object({ name: z.string(), age: z.number().int() });

const personJsonSchema: JsonSchema = {
  type: 'object',
  properties: { name: { type: 'string' }, age: { type: 'integer', minimum: 0 } },
  required: ['name', 'age'],
  additionalProperties: false,
};

describe('completion with a schema', () => {
  it('zod: the schema is in the prompt, FINAL(object) is validated, answer is the typed value', async () => {
    const model = new MockLanguageModel({ responses: [code('FINAL({ name: "Ada", age: 36 })')] });
    const result = await quickjsRLM({ model }).completion('Who?', { context: 'Ada is 36.', schema: Person });
    expect(result.answer).toEqual({ name: 'Ada', age: 36 });
    expectTypeOf(result.answer).toEqualTypeOf<{ name: string; age: number }>();
    const system = model.calls[0]!.messages[0]!.content;
    expect(system).toContain('The answer must be data that matches this JSON Schema');
    expect(system).toContain('"required": [\n    "name",\n    "age"\n  ]');
    expect(system).not.toContain('$schema');
    // The trajectory keeps the answer as text.
    expect(JSON.parse(result.trajectory.answer!)).toEqual({ name: 'Ada', age: 36 });
  });

  it('without a schema the prompt and the answer are as before', async () => {
    const model = new MockLanguageModel({ responses: [code('FINAL({ name: "Ada" })')] });
    const result = await quickjsRLM({ model }).completion('Who?', { context: 'c' });
    expectTypeOf(result.answer).toEqualTypeOf<string>();
    expect(result.answer).toBe('{\n  "name": "Ada"\n}');
    expect(model.calls[0]!.messages[0]!.content).not.toContain('JSON Schema');
  });

  it('an invalid FINAL is sent back with its issues, and the fixed one is accepted', async () => {
    const model = new MockLanguageModel({
      responses: [
        code('const person = { name: "Ada", age: "36" };\nFINAL_VAR("person")'),
        code('FINAL({ name: "Ada", age: 36 })'),
      ],
    });
    const events: string[] = [];
    const result = await quickjsRLM({ model }).completion('Who?', {
      context: 'c',
      schema: Person,
      onEvent: (event) => {
        if (event.type === 'turn-end') events.push(event.finalAnswer === undefined ? 'no answer' : 'answer');
      },
    });
    expect(result.answer).toEqual({ name: 'Ada', age: 36 });
    expect(result.turns).toBe(2);
    expect(events).toEqual(['no answer', 'answer']);
    const feedback = model.calls[1]!.messages.at(-1)!.content;
    expect(feedback).toContain('Your FINAL answer was refused');
    expect(feedback).toMatch(/- answer\.age: Invalid input: expected number, received string/);
    expect(feedback).toContain('2 more tries');
  });

  it('when the tries run out: AnswerValidationError with the last value and its issues', async () => {
    const model = new MockLanguageModel({ responses: () => code('FINAL({ name: "Ada", age: -1 })') });
    const error = await quickjsRLM({ model })
      .completion('Who?', { context: 'c', schema: personJsonSchema, maxSchemaRetries: 1 })
      .catch((e: unknown) => e);
    expect(AnswerValidationError.isInstance(error)).toBe(true);
    const failure = error as AnswerValidationError;
    expect(failure.value).toEqual({ name: 'Ada', age: -1 });
    expect(failure.issues).toEqual([{ path: ['age'], message: 'must be at least 0, got -1' }]);
    expect(failure.attempts).toBe(2);
    expect(failure.message).toContain('- answer.age: must be at least 0, got -1');
    expect(failure.partialAnswer).toBe('{\n  "name": "Ada",\n  "age": -1\n}');
    expect(failure.trajectory?.iterations).toHaveLength(2);
    expect(model.calls).toHaveLength(2);
  });

  it('FINAL of text when an object is required: the model is told it gave text, and what shape is wanted', async () => {
    const model = new MockLanguageModel({
      responses: [code('FINAL("Ada, aged 36")'), code('FINAL(JSON.stringify({ name: "Ada", age: 36 }))')],
    });
    const result = await quickjsRLM({ model }).completion('Who?', { context: 'c', schema: personJsonSchema });
    const feedback = model.calls[1]!.messages.at(-1)!.content;
    expect(feedback).toContain('- answer: expected object, got a string ("Ada, aged 36")');
    expect(feedback).toContain('FINAL was given text, but the answer must be data');
    // A stringified object is read back as the object.
    expect(result.answer).toEqual({ name: 'Ada', age: 36 });
  });

  it('JSON Schema: answer is unknown to TypeScript, and a string schema keeps a string', async () => {
    const model = new MockLanguageModel({ responses: [code('FINAL(42)'), code('FINAL("42")')] });
    const result = await quickjsRLM({ model }).completion('n?', { context: 'c', schema: { type: 'string' } });
    expectTypeOf(result.answer).toEqualTypeOf<unknown>();
    expect(model.calls[1]!.messages.at(-1)!.content).toContain(
      '- answer: expected string, got an integer (42)',
    );
    expect(result.answer).toBe('42');
  });

  it('a FINAL written as prose is validated as the value it gives in the REPL', async () => {
    const model = new MockLanguageModel({
      responses: [code('globalThis.person = { name: "Ada", age: 36 }'), 'Done.\nFINAL_VAR(person)'],
    });
    const result = await quickjsRLM({ model }).completion('Who?', { context: 'c', schema: Person });
    expect(result.answer).toEqual({ name: 'Ada', age: 36 });
    expect(result.answerSource).toBe('text');
    const refused = new MockLanguageModel({ responses: ['FINAL(42)', 'FINAL("forty-two")'] });
    const text = await quickjsRLM({ model: refused }).completion('n?', {
      context: 'c',
      schema: { type: 'string' },
    });
    expect(refused.calls[1]!.messages.at(-1)!.content).toContain('expected string, got an integer (42)');
    expect(text.answer).toBe('forty-two');
  });

  it('valibot: with jsonSchema alongside, or wrapped by toStandardJsonSchema; alone, a clear error', async () => {
    const Schema = v.object({ total: v.pipe(v.number(), v.integer()) });
    const finishing = () => new MockLanguageModel({ responses: [code('FINAL({ total: 7 })')] });
    const withJson = await quickjsRLM({ model: finishing() }).completion('n?', {
      context: 'c',
      schema: Schema,
      jsonSchema: toJsonSchema(Schema),
    });
    expectTypeOf(withJson.answer).toEqualTypeOf<{ total: number }>();
    expect(withJson.answer).toEqual({ total: 7 });
    const wrapped = await quickjsRLM({ model: finishing() }).completion('n?', {
      context: 'c',
      schema: toStandardJsonSchema(Schema),
    });
    expect(wrapped.answer).toEqual({ total: 7 });
    await expect(
      quickjsRLM({ model: finishing() }).completion('n?', { context: 'c', schema: Schema }),
    ).rejects.toThrow(/cannot write itself as JSON Schema .* Pass jsonSchema alongside it/);
  });

  it('the max-turns fallback answer is validated too, with no turn left to fix it', async () => {
    const model = new MockLanguageModel({ responses: [code('console.log(1)'), 'The answer is Ada.'] });
    const error = await quickjsRLM({ model, limits: { maxTurns: 1 } })
      .completion('Who?', { context: 'c', schema: Person })
      .catch((e: unknown) => e);
    expect(AnswerValidationError.isInstance(error)).toBe(true);
    expect((error as Error).message).toContain('the turns ran out');
    expect(LimitExceededError.isInstance(error)).toBe(false);
  });

  it('resume with the same schema: the recorded turns replay, and the answer is typed', async () => {
    const script = () =>
      new MockLanguageModel({
        responses: (request) =>
          request.messages.some((message) => message.role === 'assistant')
            ? code('FINAL({ name: "Ada", age: n })')
            : code('globalThis.n = 36'),
        costOf: () => 0.01,
      });
    const stopped = await quickjsRLM({ model: script() })
      .completion('Who?', { context: 'c', schema: Person, limits: { maxCostUsd: 0.01 } })
      .catch((e: unknown) => e);
    expect(LimitExceededError.isInstance(stopped)).toBe(true);
    const model = script();
    const resumed = await quickjsRLM({ model }).resume((stopped as LimitExceededError).trajectory!, {
      context: 'c',
      schema: Person,
    });
    expectTypeOf(resumed.answer).toEqualTypeOf<{ name: string; age: number }>();
    expect(resumed.answer).toEqual({ name: 'Ada', age: 36 });
    expect(resumed.resumed?.recordedCalls).toBe(1);
    expect(model.calls).toHaveLength(1);
  });

  it('checks its options', async () => {
    const rlm = quickjsRLM({ model: new MockLanguageModel({ responses: [] }) });
    await expect(rlm.completion('q', { context: 'c', schema: 'string' as never })).rejects.toThrow(
      /options\.schema must be a Standard Schema/,
    );
    await expect(rlm.completion('q', { context: 'c', maxSchemaRetries: 1 })).rejects.toThrow(
      /go with a schema/,
    );
    await expect(rlm.completion('q', { context: 'c', schema: Person, maxSchemaRetries: -1 })).rejects.toThrow(
      /maxSchemaRetries must be a whole number/,
    );
  });
});

describe("rlm_query's schema", () => {
  const childSchema = { type: 'object', properties: { count: { type: 'integer' } }, required: ['count'] };

  it("a child RLM validates its FINAL and the parent's cell gets the parsed object", async () => {
    const { model, subModel } = scriptedModels([
      code(
        `const part = await rlm_query("count the a's", "a a b", { schema: ${JSON.stringify(childSchema)} });\nconsole.log(typeof part, part.count + 1)`,
      ),
      code('FINAL("done")'),
    ]);
    const child = new MockLanguageModel({
      responses: [code('FINAL({ count: "2" })'), code('FINAL({ count: 2 })')],
      modelId: 'sub',
    });
    const result = await quickjsRLM({ model, subModel: child, limits: { maxDepth: 2 } }).completion('q', {
      context: 'c',
    });
    expect(result.answer).toBe('done');
    expect(model.calls[1]!.messages.at(-1)!.content).toContain('object 3');
    // The child was shown the schema and told what was wrong with its first answer.
    expect(child.calls[0]!.messages[0]!.content).toContain('"count"');
    expect(child.calls[1]!.messages.at(-1)!.content).toContain('- answer.count: expected integer');
    expect(subModel.calls).toHaveLength(0);
  });

  it('at the depth limit the plain call is asked for JSON, and its reply is parsed and validated', async () => {
    const { model, subModel } = scriptedModels(
      [
        code(
          `const ok = await rlm_query("count", "a a", { schema: ${JSON.stringify(childSchema)} });\nconsole.log(ok.count);\ntry { await rlm_query("bad", null, { schema: ${JSON.stringify(childSchema)} }) } catch (e) { console.log(e.message) }`,
        ),
        code('FINAL("done")'),
      ],
      (prompt) => (prompt.startsWith('bad') ? 'about three' : '```json\n{ "count": 2 }\n```'),
    );
    await quickjsRLM({ model, subModel }).completion('q', { context: 'c' });
    expect(subModel.calls[0]!.lastMessage).toContain('Answer with JSON only');
    const output = model.calls[1]!.messages.at(-1)!.content;
    expect(output).toContain('2');
    expect(output).toContain("rlm_query: the sub-model's answer does not match the schema");
    expect(output).toContain('- answer: expected object, got a string ("about three")');
  });

  it('rlm_query_batched: parsed values, and a child that never matches is an "Error:" item', async () => {
    const { model } = scriptedModels([
      code(
        `const parts = await rlm_query_batched(["good", "bad"], ["x", "y"], { schema: ${JSON.stringify(childSchema)} });\nconsole.log(JSON.stringify(parts))`,
      ),
      code('FINAL("done")'),
    ]);
    const child = new MockLanguageModel({
      responses: (request) =>
        code(request.messages[1]!.content.includes('good') ? 'FINAL({ count: 1 })' : 'FINAL("many")'),
      modelId: 'sub',
    });
    const result = await quickjsRLM({ model, subModel: child, limits: { maxDepth: 2 } }).completion('q', {
      context: 'c',
    });
    const output = model.calls[1]!.messages.at(-1)!.content;
    expect(output).toContain('[{"count":1},"Error: The answer does not match the schema after 3 tries');
    expect(result.failedSubCalls.count).toBe(1);
  });

  it('stream() gives the typed answer too', async () => {
    const model = new MockLanguageModel({ responses: [code('FINAL({ name: "Ada", age: 36 })')] });
    const stream = quickjsRLM({ model }).stream('Who?', { context: 'c', schema: Person });
    const types: string[] = [];
    for await (const event of stream) types.push(event.type);
    const result = await stream.result;
    expectTypeOf(result.answer).toEqualTypeOf<{ name: string; age: number }>();
    expect(result.answer).toEqual({ name: 'Ada', age: 36 });
    expect(types).toContain('run-end');
  });

  it('a wrong options argument is an error the model can act on', async () => {
    const { model } = scriptedModels([
      code('try { await rlm_query("x", null, { schema: "object" }) } catch (e) { console.log(e.message) }'),
      code('FINAL("done")'),
    ]);
    await quickjsRLM({ model }).completion('q', { context: 'c' });
    expect(model.calls[1]!.messages.at(-1)!.content).toContain('options.schema must be a JSON Schema object');
  });
});
