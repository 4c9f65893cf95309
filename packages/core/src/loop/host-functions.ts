import type { ContextValue, JsonValue } from '../environment/context-value';
import type { HostFunction } from '../environment/repl-environment';
import { ContextWindowExceededError } from '../errors/context-window-exceeded-error';
import { InvalidArgumentError } from '../errors/invalid-argument-error';
import { EVENT_PREVIEW_CHARS, type SubCallOutcome } from '../events/rlm-event';
import type { LanguageModel } from '../language-model/language-model';
import { estimateTokens } from '../text/estimate-tokens';
import { keepText, type Sha256 } from '../trajectory/keep-text';
import type { Trajectory, TrajectorySubCall } from '../trajectory/trajectory';
import type { FailedSubCallTracker } from '../usage/failed-sub-calls';
import { type CallingRun, callModel } from './call-model';
import { describeError } from './describe-error';
import { modelKey } from './resolve-settings';
import { isTreeFatal, type RunTree } from './run-tree';

/** What the host functions need from the run they serve. */
export interface HostFunctionRun extends CallingRun {
  /** Where sub-calls started now are recorded (the block running at the moment), if any. */
  currentSubCalls(): TrajectorySubCall[] | undefined;
  /** Runs a child RLM one level deeper and returns its answer and trajectory. */
  runChild(
    question: string,
    context: ContextValue,
    signal: AbortSignal,
  ): Promise<{ answer: string; trajectory: Trajectory }>;
  /** The user's context for this run (tools receive it). */
  readonly context: ContextValue;
  /** Hashes the prompts and answers too long for the trajectory to keep whole. */
  readonly sha256: Sha256;
  /** Counts this run's sub-calls and their failures. */
  readonly failures: FailedSubCallTracker;
  /** Sub-calls in flight; each removes itself once its record is closed. */
  readonly pendingSubCalls: Set<Promise<unknown>>;
}

/** Batch items started between two yields to the event loop. */
const BATCH_START_SLICE = 200;

function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0));
}

/** Tokens kept free in the context-window check besides the prompt, when no output cap is set. */
const DEFAULT_OUTPUT_RESERVE_TOKENS = 1_024;

/** What a sub-call is: its kind, model and prompt, and the signal of the host call that made it. */
interface SubCallDescription {
  readonly kind: 'llm' | 'rlm';
  readonly model: string;
  readonly prompt: string;
  /** Aborted when the cell that made the call ended without awaiting it (or the session went). */
  readonly signal: AbortSignal;
}

/**
 * The functions REPL code calls: `llm_query`, `llm_query_batched`, `rlm_query`, `rlm_query_batched`
 * and the tools. Arguments arrive as JSON from the sandbox, so every one is checked with a message
 * the model can act on.
 */

export function createHostFunctions(tree: RunTree, run: HostFunctionRun): Record<string, HostFunction> {
  const { settings } = tree;
  const recursionAvailable = run.depth + 1 < settings.limits.maxDepth;

  const pickModel = (choice: JsonValue | undefined, functionName: string): LanguageModel => {
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
  };

  /**
   * Records one sub-call around `work`: the trajectory entry, start/end events, the tree-wide
   * sub-call count, and the rule that a tree-wide limit or abort stops everything. The entry keeps
   * only the head and tail of a prompt or answer longer than `maxTrajectoryTextChars`, never the
   * string itself, so a refused 10 MB prompt is free once the call returns.
   */
  const trackSubCall = (
    call: SubCallDescription,
    work: (record: TrajectorySubCall) => Promise<string>,
  ): Promise<string> => {
    const settled = recordSubCall(call, work);
    const pending = settled.catch(() => undefined);
    run.pendingSubCalls.add(pending);
    pending.then(() => run.pendingSubCalls.delete(pending));
    return settled;
  };

  const recordSubCall = async (
    call: SubCallDescription,
    work: (record: TrajectorySubCall) => Promise<string>,
  ): Promise<string> => {
    const keptPrompt = keepText(call.prompt, settings.maxTrajectoryTextChars, run.sha256);
    const record: TrajectorySubCall = {
      kind: call.kind,
      model: call.model,
      prompt: keptPrompt.text,
      ...(keptPrompt.cut ? { promptCut: keptPrompt.cut } : {}),
    };
    run.currentSubCalls()?.push(record);
    run.failures.started();
    const callId = tree.nextId('sub');
    const started = performance.now();
    const base = { callId, kind: record.kind, model: record.model };
    run.emit({
      type: 'sub-call-start',
      ...base,
      promptCharacters: call.prompt.length,
      promptPreview: call.prompt.slice(0, EVENT_PREVIEW_CHARS),
    });
    let keptResponse: ReturnType<typeof keepText> | undefined;
    let outcome: SubCallOutcome = 'answered';
    let responsePreview: string | undefined;
    try {
      tree.budget.reserveSubCall();
      const response = await work(record);
      keptResponse = keepText(response, settings.maxTrajectoryTextChars, run.sha256);
      record.response = keptResponse.text;
      if (keptResponse.cut) record.responseCut = keptResponse.cut;
      responsePreview = response.slice(0, EVENT_PREVIEW_CHARS);
      return response;
    } catch (error) {
      record.error = describeError(tree.fatalError ?? error);
      // Dropped because the cell that made it ended (timed out, failed, or moved on without awaiting
      // it): no live code was waiting for the answer, so no answer rests on it. It stays in the
      // trajectory with its error, but is not a failed sub-call.
      const abandoned = call.signal.aborted && !tree.signal.aborted && !tree.fatalError;
      const cancelled = !abandoned && (tree.signal.aborted || isTreeFatal(error));
      outcome = abandoned ? 'abandoned' : cancelled ? 'cancelled' : 'failed';
      if (!abandoned) run.failures.failedWith(record.error);
      if (isTreeFatal(error)) tree.fail(error as Error);
      throw tree.fatalError ?? error;
    } finally {
      await keptPrompt.hashed;
      await keptResponse?.hashed;
      record.durationMs = performance.now() - started;
      run.emit({
        type: 'sub-call-end',
        ...base,
        durationMs: record.durationMs,
        ...(record.error ? { error: record.error } : {}),
        outcome,
        ...(responsePreview === undefined ? {} : { responsePreview }),
      });
    }
  };

  /** One plain model call for a sub-call. Rejects with a REPL-facing error. */
  const plainCall = (
    prompt: string,
    model: LanguageModel,
    kind: 'llm' | 'rlm',
    functionName: string,
    signal: AbortSignal,
  ): Promise<string> =>
    trackSubCall({ kind, model: modelKey(model), prompt, signal }, async (record) => {
      checkContextWindow(prompt, model, settings.subMaxOutputTokens, functionName);
      const messages = [{ role: 'user' as const, content: prompt }];
      // Deeper work first (priority depth + 1): it finishes what was started before new children start.
      const result = await callModel(tree, run, {
        model,
        messages,
        role: 'sub',
        maxOutputTokens: settings.subMaxOutputTokens,
        signal,
        priority: run.depth + 1,
      });
      record.usage = result.usage;
      if (result.costUsd !== undefined) record.costUsd = result.costUsd;
      return result.text;
    });

  /** A child RLM, or a plain call when the depth limit is reached. */
  const childCall = (
    prompt: string,
    subContext: JsonValue | undefined,
    signal: AbortSignal,
  ): Promise<string> => {
    const context: ContextValue = subContext === undefined || subContext === null ? prompt : subContext;
    if (!recursionAvailable) {
      const text =
        context === prompt
          ? prompt
          : `${prompt}\n\n${typeof context === 'string' ? context : JSON.stringify(context)}`;
      return plainCall(text, settings.subModel, 'rlm', 'rlm_query', signal);
    }
    return trackSubCall(
      { kind: 'rlm', model: modelKey(settings.subModel), prompt, signal },
      async (record) => {
        try {
          const child = await run.runChild(prompt, context, signal);
          record.child = child.trajectory;
          return child.answer;
        } catch (error) {
          // A failed child still leaves its trajectory in the parent's record.
          const trajectory = (error as { trajectory?: Trajectory }).trajectory;
          if (trajectory) record.child = trajectory;
          throw error;
        }
      },
    );
  };

  /**
   * Runs every item; a failed item becomes "Error: …" (the run counts it, and the note after the block
   * tells the model) unless the whole tree must stop. Items start in slices, yielding to the event
   * loop between them, so that fanning out 50k items never blocks it for long.
   */
  const batch = async <T>(
    items: readonly T[],
    call: (item: T, index: number) => Promise<string>,
  ): Promise<string[]> => {
    const started: Promise<string>[] = [];
    for (let index = 0; index < items.length; index++) {
      if (index > 0 && index % BATCH_START_SLICE === 0) {
        await yieldToEventLoop();
        tree.throwIfStopped();
      }
      started.push(call(items[index]!, index));
    }
    const settled = await Promise.allSettled(started);
    tree.throwIfStopped();
    return settled.map((outcome) =>
      outcome.status === 'fulfilled' ? outcome.value : `Error: ${describeError(outcome.reason).message}`,
    );
  };

  const functions: Record<string, HostFunction> = {
    llm_query: async ([prompt, model], { signal }) =>
      plainCall(
        expectString(prompt, 'llm_query', 'prompt'),
        pickModel(model, 'llm_query'),
        'llm',
        'llm_query',
        signal,
      ),
    llm_query_batched: async ([prompts, model], { signal }) => {
      const list = expectStringList(prompts, 'llm_query_batched', 'prompts');
      const chosen = pickModel(model, 'llm_query_batched');
      return batch(list, (prompt) => plainCall(prompt, chosen, 'llm', 'llm_query_batched', signal));
    },
    rlm_query: async ([prompt, subContext], { signal }) =>
      childCall(expectString(prompt, 'rlm_query', 'prompt'), subContext, signal),
    rlm_query_batched: async ([prompts, subContexts], { signal }) => {
      const list = expectStringList(prompts, 'rlm_query_batched', 'prompts');
      if (
        subContexts !== undefined &&
        subContexts !== null &&
        (!Array.isArray(subContexts) || subContexts.length !== list.length)
      ) {
        throw new InvalidArgumentError({
          argument: 'subContexts',
          message: `rlm_query_batched: subContexts must be an array with one entry per prompt (${list.length}).`,
        });
      }
      const contexts = subContexts as JsonValue[] | undefined | null;
      return batch(list, (prompt, index) => childCall(prompt, contexts?.[index], signal));
    },
  };

  for (const tool of settings.tools) {
    functions[tool.name] = async ([parameters], { signal }) => {
      const started = performance.now();
      let failure: { name: string; message: string } | undefined;
      try {
        tree.throwIfStopped();
        return await tool.execute(parameters ?? {}, {
          abortSignal: AbortSignal.any([tree.signal, signal]),
          context: run.context,
          depth: run.depth,
        });
      } catch (error) {
        failure = describeError(error);
        throw error;
      } finally {
        run.emit({
          type: 'tool-call',
          toolName: tool.name,
          durationMs: performance.now() - started,
          ...(failure ? { error: failure } : {}),
        });
      }
    };
  }
  return functions;
}

function checkContextWindow(
  prompt: string,
  model: LanguageModel,
  maxOutputTokens: number | undefined,
  functionName: string,
): void {
  const promptTokens = estimateTokens(prompt);
  const available =
    model.contextWindow -
    (maxOutputTokens ?? Math.min(DEFAULT_OUTPUT_RESERVE_TOKENS, Math.floor(model.contextWindow / 4)));
  if (promptTokens > available) {
    const fits = Math.max(0, available * 4);
    throw new ContextWindowExceededError({
      modelId: model.modelId,
      contextWindow: model.contextWindow,
      promptTokens,
      message:
        `${functionName}: the prompt is ${prompt.length.toLocaleString('en-US')} characters (~${promptTokens.toLocaleString('en-US')} tokens), ` +
        `but '${model.modelId}' takes at most ${model.contextWindow.toLocaleString('en-US')} tokens. Nothing was sent. ` +
        `Split the text into pieces of at most ~${Math.floor(fits * 0.9).toLocaleString('en-US')} characters and use llm_query_batched.`,
    });
  }
}

function expectString(value: JsonValue | undefined, functionName: string, argument: string): string {
  if (typeof value !== 'string') {
    throw new InvalidArgumentError({
      argument,
      message: `${functionName}: ${argument} must be a string; got ${value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value}. Build the text first (e.g. with JSON.stringify or join).`,
    });
  }
  return value;
}

function expectStringList(value: JsonValue | undefined, functionName: string, argument: string): string[] {
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

function isRecord(value: unknown): value is Record<string, JsonValue> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
