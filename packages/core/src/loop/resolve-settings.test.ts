import { describe, expect, it } from 'vitest';
import type { ReplEnvironment } from '../environment/repl-environment';
import { InvalidArgumentError } from '../errors/invalid-argument-error';
import { UnsupportedSpecificationError } from '../errors/unsupported-specification-error';
import { DEFAULT_LIMITS } from '../limits/rlm-limits';
import { MockLanguageModel } from '../testing/mock-language-model';
import { DEFAULT_MAX_TRAJECTORY_TEXT_CHARS } from '../trajectory/keep-text';
import { modelKey, resolveSettings } from './resolve-settings';
import type { RLMSettings } from './rlm-settings';

/*
 * createRLM's settings: every check on both sides of its boundary, with the exact message a user
 * reads (issue 10: mutation testing found checks whose removal no test noticed).
 */

/** An environment that is only ever validated here, never started. */
function environment(overrides: Partial<ReplEnvironment> = {}): ReplEnvironment {
  return {
    specificationVersion: 'v1',
    environmentId: 'checked-only',
    language: 'javascript',
    createSession: () => Promise.reject(new Error('not started in these tests')),
    dispose: async () => undefined,
    ...overrides,
  } as ReplEnvironment;
}

const model = new MockLanguageModel({ responses: [], modelId: 'root', contextWindow: 100_000 });

function settings(extra: Partial<RLMSettings> = {}): RLMSettings {
  return { model, environment: environment(), ...extra };
}

function errorOf(run: () => unknown): InvalidArgumentError {
  try {
    run();
  } catch (error) {
    expect(InvalidArgumentError.isInstance(error), String(error)).toBe(true);
    return error as InvalidArgumentError;
  }
  throw new Error('expected an InvalidArgumentError, nothing was thrown');
}

describe('resolveSettings: defaults', () => {
  it('fills in every default, and the sub-model is the root model when none is given', () => {
    const resolved = resolveSettings(settings());
    expect(resolved.subModel).toBe(model);
    expect(resolved.models).toEqual({});
    expect(resolved.tools).toEqual([]);
    expect(resolved.limits).toEqual(DEFAULT_LIMITS);
    expect(resolved.maxOutputChars).toBe(20_000);
    expect(resolved.maxTrajectoryTextChars).toBe(DEFAULT_MAX_TRAJECTORY_TEXT_CHARS);
    expect(resolved.cellTimeoutMs).toBe(120_000);
    expect(resolved.maxConcurrency).toBe(64);
    expect(resolved.concurrency).toEqual({ initial: 16, max: 64, adaptive: true });
  });

  it('keeps what is given, and per-call limits override the settings', () => {
    const subModel = new MockLanguageModel({ responses: [], modelId: 'sub' });
    const resolved = resolveSettings(
      settings({
        subModel,
        models: { fast: subModel },
        limits: { maxTurns: 7, maxDepth: 0 },
        maxOutputChars: 1,
        maxTrajectoryTextChars: 2,
        cellTimeoutMs: 3,
        maxConcurrency: 4,
      }),
      { maxTurns: 9 },
    );
    expect(resolved.subModel).toBe(subModel);
    expect(resolved.models).toEqual({ fast: subModel });
    expect(resolved.limits.maxTurns).toBe(9);
    expect(resolved.limits.maxDepth).toBe(0);
    expect(resolved.limits.maxConsecutiveErrors).toBe(DEFAULT_LIMITS.maxConsecutiveErrors);
    expect([
      resolved.maxOutputChars,
      resolved.maxTrajectoryTextChars,
      resolved.cellTimeoutMs,
      resolved.maxConcurrency,
    ]).toEqual([1, 2, 3, 4]);
  });

  it('modelKey is provider:modelId', () => {
    expect(modelKey(model)).toBe(`${model.provider}:root`);
  });
});

describe('resolveSettings: what is wrong, said precisely', () => {
  it('a missing or non-object settings', () => {
    for (const bad of [undefined, null, 'x']) {
      const error = errorOf(() => resolveSettings(bad as never));
      expect(error.argument).toBe('settings');
      expect(error.message).toBe('createRLM needs a settings object: createRLM({ model, environment }).');
    }
  });

  it('a model that is not a LanguageModel, by where it was given', () => {
    expect(errorOf(() => resolveSettings(settings({ model: undefined as never }))).message).toBe(
      "model must be a LanguageModel (e.g. openai('gpt-5-mini') from @rlm/openai); got undefined.",
    );
    expect(errorOf(() => resolveSettings(settings({ model: 'gpt-5' as never }))).message).toMatch(
      /^model must be a LanguageModel .*; got string\.$/,
    );
    expect(errorOf(() => resolveSettings(settings({ model: { doGenerate: 'no' } as never }))).argument).toBe(
      'model',
    );
    expect(errorOf(() => resolveSettings(settings({ subModel: {} as never }))).argument).toBe('subModel');
    expect(errorOf(() => resolveSettings(settings({ models: { fast: null as never } }))).message).toMatch(
      /^models\.fast must be a LanguageModel/,
    );
  });

  it('a model of another specification version', () => {
    const v2 = Object.assign(Object.create(model), { specificationVersion: 'v2' });
    const thrown = (() => {
      try {
        resolveSettings(settings({ subModel: v2 }));
      } catch (error) {
        return error;
      }
    })();
    expect(UnsupportedSpecificationError.isInstance(thrown)).toBe(true);
    expect((thrown as Error).message).toContain(`${model.provider}:root`);
  });

  it('a model without a positive context window; a window of 1 is enough', () => {
    for (const contextWindow of [0, -1, Number.NaN]) {
      const windowless = new MockLanguageModel({ responses: [], modelId: 'w', contextWindow });
      const error = errorOf(() => resolveSettings(settings({ subModel: windowless })));
      expect(error.argument).toBe('subModel');
      expect(error.message).toBe(
        "subModel 'w' reports no positive contextWindow; set one in the provider's settings.",
      );
    }
    const tiny = new MockLanguageModel({ responses: [], modelId: 'w', contextWindow: 1 });
    expect(resolveSettings(settings({ subModel: tiny })).subModel).toBe(tiny);
  });

  it('an environment that is not a ReplEnvironment, or of another version', () => {
    for (const bad of [undefined, {}, { createSession: 'no' }]) {
      const error = errorOf(() => resolveSettings(settings({ environment: bad as never })));
      expect(error.argument).toBe('environment');
      expect(error.message).toBe(
        'environment must be a ReplEnvironment, e.g. createQuickJSEnvironment() from @rlm/env-quickjs.',
      );
    }
    expect(() =>
      resolveSettings(settings({ environment: environment({ specificationVersion: 'v0' as never }) })),
    ).toThrow(UnsupportedSpecificationError);
  });

  it('a Python environment needs no system prompt; an environment of another language does', () => {
    const python = environment({ language: 'python', environmentId: 'py' });
    expect(resolveSettings(settings({ environment: python })).environment).toBe(python);
    const ruby = environment({ language: 'ruby' as never, environmentId: 'rb' });
    const error = errorOf(() => resolveSettings(settings({ environment: ruby })));
    expect(error.argument).toBe('systemPrompt');
    expect(error.message).toBe(
      "The environment 'rb' runs ruby, which has no built-in system prompt yet. Pass systemPrompt, or use a JavaScript or Python environment.",
    );
    expect(resolveSettings(settings({ environment: ruby, systemPrompt: () => 'p' })).environment).toBe(ruby);
  });

  it('tool names: identifiers only, none reserved, none twice', () => {
    const tool = (name: unknown) =>
      ({ name, description: '', parameters: {}, execute: async () => null }) as never;
    for (const name of ['1st', 'a-b', '', undefined, 'a b']) {
      const error = errorOf(() => resolveSettings(settings({ tools: [tool(name)] })));
      expect(error.argument).toBe('tools');
      expect(error.message).toBe(
        `Tool name ${JSON.stringify(name)} is not a valid identifier. Use letters, digits and _ only.`,
      );
    }
    expect(errorOf(() => resolveSettings(settings({ tools: [null as never] }))).argument).toBe('tools');
    expect(errorOf(() => resolveSettings(settings({ tools: [tool('FINAL')] }))).message).toBe(
      "Tool name 'FINAL' is reserved by the REPL. Rename the tool.",
    );
    expect(errorOf(() => resolveSettings(settings({ tools: [tool('find'), tool('find')] }))).message).toBe(
      "Tool name 'find' is used twice. Rename the tool.",
    );
    const valid = ['_private', '$dollar', 'camelCase9'].map(tool);
    expect(resolveSettings(settings({ tools: valid })).tools).toHaveLength(3);
  });

  it('limits: whole numbers from 1 (maxDepth and maxSubCalls from 0), maxCostUsd any positive number', () => {
    const cases: [string, unknown, string][] = [
      ['maxTurns', 0, 'limits.maxTurns must be a positive whole number; got 0.'],
      ['maxTurns', 1.5, 'limits.maxTurns must be a positive whole number; got 1.5.'],
      ['maxTurns', '3', 'limits.maxTurns must be a positive whole number; got "3".'],
      ['maxDepth', -1, 'limits.maxDepth must be a positive whole number (or 0); got -1.'],
      ['maxSubCalls', -1, 'limits.maxSubCalls must be a positive whole number (or 0); got -1.'],
      ['maxSubCalls', 0.5, 'limits.maxSubCalls must be a positive whole number (or 0); got 0.5.'],
      ['maxTokens', 0, 'limits.maxTokens must be a positive whole number; got 0.'],
      ['maxCostUsd', 0, 'limits.maxCostUsd must be a positive number; got 0.'],
      ['maxCostUsd', -0.5, 'limits.maxCostUsd must be a positive number; got -0.5.'],
      ['timeoutMs', Number.NaN, 'limits.timeoutMs must be a positive whole number; got null.'],
    ];
    for (const [name, value, message] of cases) {
      const error = errorOf(() => resolveSettings(settings({ limits: { [name]: value } as never })));
      expect(error.argument, name).toBe(`limits.${name}`);
      expect(error.message, name).toBe(message);
    }
    const edges = resolveSettings(
      settings({ limits: { maxTurns: 1, maxDepth: 0, maxTokens: 1, maxCostUsd: 0.0001, maxSubCalls: 0 } }),
    );
    expect(edges.limits).toMatchObject({
      maxTurns: 1,
      maxDepth: 0,
      maxTokens: 1,
      maxCostUsd: 0.0001,
      maxSubCalls: 0,
    });
    expect(resolveSettings(settings({ limits: { maxCostUsd: 2.5 } })).limits.maxCostUsd).toBe(2.5);
    expect(resolveSettings(settings({ limits: { maxTokens: undefined } })).limits.maxTokens).toBeUndefined();
  });

  it('sizes and counts: positive whole numbers, 1 included', () => {
    for (const name of [
      'maxOutputChars',
      'maxTrajectoryTextChars',
      'cellTimeoutMs',
      'maxConcurrency',
    ] as const) {
      for (const value of [0, -1, 2.5]) {
        const error = errorOf(() => resolveSettings(settings({ [name]: value })));
        expect(error.argument).toBe(name);
        expect(error.message).toBe(`${name} must be a positive whole number; got ${JSON.stringify(value)}.`);
      }
      expect(resolveSettings(settings({ [name]: 1 }))[name]).toBe(1);
    }
  });
});

describe('resolveSettings: concurrency', () => {
  const resolveConcurrency = (given: Partial<RLMSettings>) => {
    const { concurrency, maxConcurrency } = resolveSettings(settings(given));
    return { ...concurrency, cap: maxConcurrency };
  };

  it('adaptive by default; maxConcurrency alone (a configuration of before) is the hard cap, the start at most 16', () => {
    expect(resolveConcurrency({})).toEqual({ initial: 16, max: 64, adaptive: true, cap: 64 });
    expect(resolveConcurrency({ maxConcurrency: 4 })).toEqual({ initial: 4, max: 4, adaptive: true, cap: 4 });
    expect(resolveConcurrency({ maxConcurrency: 200 })).toEqual({
      initial: 16,
      max: 200,
      adaptive: true,
      cap: 200,
    });
    expect(resolveConcurrency({ concurrency: { initial: 2, max: 8 } })).toEqual({
      initial: 2,
      max: 8,
      adaptive: true,
      cap: 8,
    });
    expect(resolveConcurrency({ concurrency: { initial: 32 } })).toMatchObject({ initial: 32, max: 64 });
    expect(resolveConcurrency({ concurrency: { max: 8 }, maxConcurrency: 8 })).toMatchObject({
      max: 8,
      cap: 8,
    });
  });

  it('a number fixes the window (no adaptation); maxConcurrency may only be above it', () => {
    expect(resolveConcurrency({ concurrency: 5 })).toEqual({ initial: 5, max: 5, adaptive: false, cap: 5 });
    expect(resolveConcurrency({ concurrency: 5, maxConcurrency: 9 })).toEqual({
      initial: 5,
      max: 5,
      adaptive: false,
      cap: 9,
    });
  });

  it('what is wrong, said precisely', () => {
    const cases: Array<[Partial<RLMSettings>, string, string]> = [
      [{ concurrency: 0 }, 'concurrency', 'concurrency must be a positive whole number; got 0.'],
      [{ concurrency: 2.5 }, 'concurrency', 'concurrency must be a positive whole number; got 2.5.'],
      [
        { concurrency: 8, maxConcurrency: 4 },
        'concurrency',
        'concurrency 8 is above maxConcurrency 4, the hard cap. Lower concurrency, or raise or drop maxConcurrency.',
      ],
      [
        { concurrency: 'fast' as never },
        'concurrency',
        'concurrency must be a positive whole number (a fixed window) or { initial, max } (adaptive); got "fast".',
      ],
      [
        { concurrency: { start: 4 } as never },
        'concurrency.start',
        'concurrency.start is not a setting; concurrency takes { initial, max }.',
      ],
      [
        { concurrency: { initial: -1 } },
        'concurrency.initial',
        'concurrency.initial must be a positive whole number; got -1.',
      ],
      [
        { concurrency: { max: 0 } },
        'concurrency.max',
        'concurrency.max must be a positive whole number; got 0.',
      ],
      [
        { concurrency: { max: 8 }, maxConcurrency: 16 },
        'concurrency.max',
        'concurrency.max 8 and maxConcurrency 16 both set the hard cap, differently. Give one of them.',
      ],
      [
        { concurrency: { initial: 100 } },
        'concurrency.initial',
        'concurrency.initial 100 is above the hard cap 64 (the default maxConcurrency). Lower initial, or raise the cap.',
      ],
      [
        { concurrency: { initial: 10, max: 5 } },
        'concurrency.initial',
        'concurrency.initial 10 is above the hard cap 5 (concurrency.max). Lower initial, or raise the cap.',
      ],
      [
        { concurrency: { initial: 10 }, maxConcurrency: 5 },
        'concurrency.initial',
        'concurrency.initial 10 is above the hard cap 5 (maxConcurrency). Lower initial, or raise the cap.',
      ],
    ];
    for (const [given, argument, message] of cases) {
      const error = errorOf(() => resolveSettings(settings(given)));
      expect([error.argument, error.message]).toEqual([argument, message]);
    }
  });
});
