import type { ReplEnvironment } from '../environment/repl-environment';
import { InvalidArgumentError } from '../errors/invalid-argument-error';
import { UnsupportedSpecificationError } from '../errors/unsupported-specification-error';
import type { LanguageModel } from '../language-model/language-model';
import type { ConcurrencyWindowSettings } from '../limits/concurrency-window';
import { DEFAULT_LIMITS, type RLMLimits } from '../limits/rlm-limits';
import type { ModelCallStore } from '../model-call-store/model-call-store';
import type { Tool } from '../tool/tool';
import { DEFAULT_MAX_TRAJECTORY_TEXT_CHARS } from '../trajectory/keep-text';
import { RESERVED_NAMES } from './reserved-names';
import type { RLMSettings } from './rlm-settings';

/** Settings with defaults applied and every plugin checked. */
export interface ResolvedSettings
  extends Omit<RLMSettings, 'limits' | 'subModel' | 'models' | 'tools' | 'concurrency'> {
  readonly subModel: LanguageModel;
  readonly models: Readonly<Record<string, LanguageModel>>;
  readonly tools: readonly Tool[];
  readonly limits: RLMLimits & {
    readonly maxTurns: number;
    readonly maxDepth: number;
    readonly maxConsecutiveErrors: number;
  };
  readonly maxOutputChars: number;
  readonly maxTrajectoryTextChars: number;
  readonly cellTimeoutMs: number;
  /** The hard cap: of every model's window, and of model calls and sandbox creations across the tree. */
  readonly maxConcurrency: number;
  /** Every model's concurrency window. */
  readonly concurrency: ConcurrencyWindowSettings;
  /** Where model calls are looked up before sending (after a resumed run's record): the cache. */
  readonly stores: readonly ModelCallStore[];
}

/** The window each model starts at when not given. */
export const DEFAULT_INITIAL_CONCURRENCY = 16;
/** The hard cap when not given. */
export const DEFAULT_MAX_CONCURRENCY = 64;

/** The languages core writes a system prompt for; other environments bring their own `systemPrompt`. */
const BUILT_IN_PROMPT_LANGUAGES: readonly string[] = ['javascript', 'python'];

export function resolveSettings(settings: RLMSettings, overrides?: RLMLimits): ResolvedSettings {
  if (settings === null || typeof settings !== 'object') {
    throw new InvalidArgumentError({
      argument: 'settings',
      message: 'createRLM needs a settings object: createRLM({ model, environment }).',
    });
  }
  checkModel(settings.model, 'model');
  const subModel = settings.subModel ?? settings.model;
  checkModel(subModel, 'subModel');
  for (const [name, model] of Object.entries(settings.models ?? {})) checkModel(model, `models.${name}`);
  checkEnvironment(settings.environment);
  if (!BUILT_IN_PROMPT_LANGUAGES.includes(settings.environment.language) && !settings.systemPrompt) {
    throw new InvalidArgumentError({
      argument: 'systemPrompt',
      message: `The environment '${settings.environment.environmentId}' runs ${settings.environment.language}, which has no built-in system prompt yet. Pass systemPrompt, or use a JavaScript or Python environment.`,
    });
  }
  const tools = settings.tools ?? [];
  const toolNames = new Set<string>();
  for (const tool of tools) {
    if (!tool || typeof tool.name !== 'string' || !/^[A-Za-z_$][\w$]*$/.test(tool.name)) {
      throw new InvalidArgumentError({
        argument: 'tools',
        message: `Tool name ${JSON.stringify(tool?.name)} is not a valid identifier. Use letters, digits and _ only.`,
      });
    }
    if (RESERVED_NAMES.includes(tool.name) || toolNames.has(tool.name)) {
      throw new InvalidArgumentError({
        argument: 'tools',
        message: `Tool name '${tool.name}' is ${toolNames.has(tool.name) ? 'used twice' : 'reserved by the REPL'}. Rename the tool.`,
      });
    }
    toolNames.add(tool.name);
  }
  if (settings.cache !== undefined) checkStore(settings.cache, 'cache');
  const limits = { ...DEFAULT_LIMITS, ...settings.limits, ...overrides };
  for (const [name, value] of Object.entries(limits)) {
    if (value === undefined) continue;
    const integer = name !== 'maxCostUsd';
    // 0 sub-calls is the paper's "REPL only" ablation: every sub-call fails, the code must do the work.
    const zeroAllowed = name === 'maxDepth' || name === 'maxSubCalls';
    if (
      typeof value !== 'number' ||
      !(value >= (zeroAllowed ? 0 : 1) || (name === 'maxCostUsd' && value > 0)) ||
      (integer && !Number.isInteger(value))
    ) {
      throw new InvalidArgumentError({
        argument: `limits.${name}`,
        message: `limits.${name} must be a ${integer ? 'positive whole number' : 'positive number'}${zeroAllowed ? ' (or 0)' : ''}; got ${JSON.stringify(value)}.`,
      });
    }
  }
  return {
    ...settings,
    subModel,
    models: settings.models ?? {},
    tools,
    limits,
    maxOutputChars: positive(settings.maxOutputChars, 'maxOutputChars', 20_000),
    maxTrajectoryTextChars: positive(
      settings.maxTrajectoryTextChars,
      'maxTrajectoryTextChars',
      DEFAULT_MAX_TRAJECTORY_TEXT_CHARS,
    ),
    cellTimeoutMs: positive(settings.cellTimeoutMs, 'cellTimeoutMs', 120_000),
    ...resolveConcurrency(settings),
    stores: settings.cache ? [settings.cache] : [],
  };
}

/** A store must say its kind and have `get` and `put`. */
export function checkStore(store: ModelCallStore, argument: string): void {
  if (
    !store ||
    typeof store !== 'object' ||
    typeof store.get !== 'function' ||
    typeof store.put !== 'function' ||
    (store.kind !== 'cache' && store.kind !== 'replay')
  ) {
    throw new InvalidArgumentError({
      argument,
      message: `${argument} must be a ModelCallStore ({ kind: 'cache', get(key), put(key, call) }), e.g. createFileCache(dir) from @rlm/core/cache; got ${store === null ? 'null' : typeof store}.`,
    });
  }
}

/**
 * `concurrency` and `maxConcurrency` → the window and the hard cap. A configuration of before
 * (`maxConcurrency` alone) keeps its cap, and its window now adapts under it.
 */
function resolveConcurrency(settings: RLMSettings): Pick<ResolvedSettings, 'concurrency' | 'maxConcurrency'> {
  const cap =
    settings.maxConcurrency === undefined
      ? undefined
      : positive(settings.maxConcurrency, 'maxConcurrency', DEFAULT_MAX_CONCURRENCY);
  const { concurrency } = settings;
  if (typeof concurrency === 'number') {
    const fixed = positive(concurrency, 'concurrency', DEFAULT_INITIAL_CONCURRENCY);
    if (cap !== undefined && fixed > cap) {
      throw new InvalidArgumentError({
        argument: 'concurrency',
        message: `concurrency ${fixed} is above maxConcurrency ${cap}, the hard cap. Lower concurrency, or raise or drop maxConcurrency.`,
      });
    }
    return { concurrency: { initial: fixed, max: fixed, adaptive: false }, maxConcurrency: cap ?? fixed };
  }
  if (concurrency !== undefined && (concurrency === null || typeof concurrency !== 'object')) {
    throw new InvalidArgumentError({
      argument: 'concurrency',
      message: `concurrency must be a positive whole number (a fixed window) or { initial, max } (adaptive); got ${JSON.stringify(concurrency)}.`,
    });
  }
  for (const key of Object.keys(concurrency ?? {})) {
    if (key !== 'initial' && key !== 'max') {
      throw new InvalidArgumentError({
        argument: `concurrency.${key}`,
        message: `concurrency.${key} is not a setting; concurrency takes { initial, max }.`,
      });
    }
  }
  const maxGiven =
    concurrency?.max === undefined ? undefined : positive(concurrency.max, 'concurrency.max', 1);
  if (maxGiven !== undefined && cap !== undefined && maxGiven !== cap) {
    throw new InvalidArgumentError({
      argument: 'concurrency.max',
      message: `concurrency.max ${maxGiven} and maxConcurrency ${cap} both set the hard cap, differently. Give one of them.`,
    });
  }
  const max = maxGiven ?? cap ?? DEFAULT_MAX_CONCURRENCY;
  const initial =
    concurrency?.initial === undefined
      ? Math.min(DEFAULT_INITIAL_CONCURRENCY, max)
      : positive(concurrency.initial, 'concurrency.initial', 1);
  if (initial > max) {
    throw new InvalidArgumentError({
      argument: 'concurrency.initial',
      message: `concurrency.initial ${initial} is above the hard cap ${max} (${maxGiven === undefined && cap === undefined ? 'the default maxConcurrency' : maxGiven === undefined ? 'maxConcurrency' : 'concurrency.max'}). Lower initial, or raise the cap.`,
    });
  }
  return { concurrency: { initial, max, adaptive: true }, maxConcurrency: max };
}

function positive(value: number | undefined, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < 1) {
    throw new InvalidArgumentError({
      argument: name,
      message: `${name} must be a positive whole number; got ${JSON.stringify(value)}.`,
    });
  }
  return value;
}

function checkModel(model: LanguageModel | undefined, argument: string): void {
  if (!model || typeof model !== 'object' || typeof model.doGenerate !== 'function') {
    throw new InvalidArgumentError({
      argument,
      message: `${argument} must be a LanguageModel (e.g. openai('gpt-5-mini') from @rlm/openai); got ${model === undefined ? 'undefined' : typeof model}.`,
    });
  }
  if (model.specificationVersion !== 'v1') {
    throw new UnsupportedSpecificationError({
      kind: 'model',
      id: `${model.provider}:${model.modelId}`,
      version: model.specificationVersion,
    });
  }
  if (!(model.contextWindow > 0)) {
    throw new InvalidArgumentError({
      argument,
      message: `${argument} '${model.modelId}' reports no positive contextWindow; set one in the provider's settings.`,
    });
  }
}

function checkEnvironment(environment: ReplEnvironment | undefined): void {
  if (!environment || typeof environment !== 'object' || typeof environment.createSession !== 'function') {
    throw new InvalidArgumentError({
      argument: 'environment',
      message:
        'environment must be a ReplEnvironment, e.g. createQuickJSEnvironment() from @rlm/env-quickjs.',
    });
  }
  if (environment.specificationVersion !== 'v1') {
    throw new UnsupportedSpecificationError({
      kind: 'environment',
      id: environment.environmentId,
      version: environment.specificationVersion,
    });
  }
}

/** `provider:modelId`, the key used in usage reports and trajectories. */
export function modelKey(model: LanguageModel): string {
  return `${model.provider}:${model.modelId}`;
}
