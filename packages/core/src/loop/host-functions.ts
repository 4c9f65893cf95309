import type { ContextValue, JsonValue } from '../environment/context-value';
import type { HostFunction } from '../environment/repl-environment';
import { InvalidArgumentError } from '../errors/invalid-argument-error';
import type { LanguageModel } from '../language-model/language-model';
import type { ResolvedAnswerSchema } from '../schema/answer-schema';
import type { Sha256 } from '../trajectory/keep-text';
import type { Trajectory, TrajectorySubCall } from '../trajectory/trajectory';
import type { FailedSubCallTracker } from '../usage/failed-sub-calls';
import { type CallingRun, callModel } from './call-model';
import { checkContextWindow } from './check-context-window';
import { expectString, expectStringList, pickModel } from './host-function-arguments';
import { providerOptionsFor } from './provider-options-for';
import { modelKey } from './resolve-settings';
import { runBatch } from './run-batch';
import type { RunTree } from './run-tree';
import { recordSubCall } from './sub-call-record';
import { toolHostFunction } from './tool-host-function';
import { type AnswerSchemaRequest, DEFAULT_MAX_SCHEMA_RETRIES } from './typed-answer';
import { checkPlainAnswer, plainAnswerSchemaInstruction, readAnswerSchemaOption } from './typed-sub-answer';

/** What the host functions need from the run they serve. */
export interface HostFunctionRun extends CallingRun {
  /** Where sub-calls started now are recorded (the block running at the moment), if any. */
  currentSubCalls(): TrajectorySubCall[] | undefined;
  /** Runs a child RLM one level deeper and returns its answer and trajectory. */
  runChild(
    question: string,
    context: ContextValue,
    signal: AbortSignal,
    answerSchema?: AnswerSchemaRequest,
    /** The sub-call's `callId`, which the child's `run-start` carries as `parentCallId`. */
    parentCallId?: string,
  ): Promise<{ answer: string; trajectory: Trajectory; typed?: { readonly value: unknown } }>;
  /** The user's context for this run (tools receive it). */
  readonly context: ContextValue;
  /** Hashes the prompts and answers too long for the trajectory to keep whole. */
  readonly sha256: Sha256;
  /** Counts this run's sub-calls and their failures. */
  readonly failures: FailedSubCallTracker;
  /** Sub-calls in flight; each removes itself once its record is closed. */
  readonly pendingSubCalls: Set<Promise<unknown>>;
}

/**
 * The functions REPL code calls: `llm_query`, `llm_query_batched`, `rlm_query`, `rlm_query_batched`
 * and the tools. Arguments arrive as JSON from the sandbox, so every one is checked with a message
 * the model can act on (see host-function-arguments).
 *
 * None of them holds a slot of the tree's limiter: only the model calls they lead to do (see
 * callModel), so a cell or a parent waiting on its children never keeps a child from running.
 */
export function createHostFunctions(tree: RunTree, run: HostFunctionRun): Record<string, HostFunction> {
  const { settings } = tree;
  const recursionAvailable = run.depth + 1 < settings.limits.maxDepth;

  /** One plain model call for a sub-call. Rejects with a REPL-facing error. */
  const plainCall = (
    prompt: string,
    model: LanguageModel,
    kind: 'llm' | 'rlm',
    functionName: string,
    signal: AbortSignal,
    checkAnswer?: (answer: string) => Promise<void>,
  ): Promise<string> =>
    recordSubCall(tree, run, { kind, model: modelKey(model), prompt, signal }, async (record, subCallId) => {
      checkContextWindow(prompt, model, settings.subMaxOutputTokens, functionName);
      const messages = [{ role: 'user' as const, content: prompt }];
      // Deeper work first (priority depth + 1): it finishes what was started before new children start.
      const result = await callModel(tree, run, {
        model,
        messages,
        role: 'sub',
        maxOutputTokens: settings.subMaxOutputTokens,
        providerOptions: providerOptionsFor(settings, { depth: run.depth, role: 'sub' }),
        signal,
        priority: run.depth + 1,
        subCallId,
      });
      record.usage = result.usage;
      if (result.costUsd !== undefined) record.costUsd = result.costUsd;
      if (result.servedFrom) record.servedFrom = result.servedFrom;
      await checkAnswer?.(result.text);
      return result.text;
    });

  /**
   * A child RLM, or a plain call when the depth limit (`limits.maxDepth`) is reached. With an answer
   * schema it gives the validated data, not the text: the child's FINAL value, or the plain call's
   * reply read as JSON.
   */
  const childCall = async (
    prompt: string,
    subContext: JsonValue | undefined,
    signal: AbortSignal,
    answerSchema?: ResolvedAnswerSchema,
  ): Promise<JsonValue> => {
    const context: ContextValue = subContext === undefined || subContext === null ? prompt : subContext;
    let typed: { readonly value: unknown } | undefined;
    if (!recursionAvailable) {
      const text =
        context === prompt
          ? prompt
          : `${prompt}\n\n${typeof context === 'string' ? context : JSON.stringify(context)}`;
      if (!answerSchema) return plainCall(text, settings.subModel, 'rlm', 'rlm_query', signal);
      await plainCall(
        `${text}\n\n${plainAnswerSchemaInstruction(answerSchema.jsonSchema)}`,
        settings.subModel,
        'rlm',
        'rlm_query',
        signal,
        async (answer) => {
          typed = await checkPlainAnswer(answerSchema, answer);
        },
      );
      return typed!.value as JsonValue;
    }
    const answer = await recordSubCall(
      tree,
      run,
      { kind: 'rlm', model: modelKey(settings.subModel), prompt, signal },
      async (record, callId) => {
        try {
          const child = await run.runChild(
            prompt,
            context,
            signal,
            answerSchema ? { schema: answerSchema, maxRetries: DEFAULT_MAX_SCHEMA_RETRIES } : undefined,
            callId,
          );
          record.child = child.trajectory;
          typed = child.typed;
          return child.answer;
        } catch (error) {
          // A failed child still leaves its trajectory in the parent's record.
          const trajectory = (error as { trajectory?: Trajectory }).trajectory;
          if (trajectory) record.child = trajectory;
          throw error;
        }
      },
    );
    return typed ? (typed.value as JsonValue) : answer;
  };

  const functions: Record<string, HostFunction> = {
    llm_query: async ([prompt, model], { signal }) =>
      plainCall(
        expectString(prompt, 'llm_query', 'prompt'),
        pickModel(settings, model, 'llm_query'),
        'llm',
        'llm_query',
        signal,
      ),
    llm_query_batched: async ([prompts, model], { signal }) => {
      const list = expectStringList(prompts, 'llm_query_batched', 'prompts');
      const chosen = pickModel(settings, model, 'llm_query_batched');
      return runBatch(tree, list, (prompt) => plainCall(prompt, chosen, 'llm', 'llm_query_batched', signal));
    },
    rlm_query: async ([prompt, subContext, options], { signal }) =>
      childCall(
        expectString(prompt, 'rlm_query', 'prompt'),
        subContext,
        signal,
        readAnswerSchemaOption(options, 'rlm_query'),
      ),
    rlm_query_batched: async ([prompts, subContexts, options], { signal }) => {
      const list = expectStringList(prompts, 'rlm_query_batched', 'prompts');
      const answerSchema = readAnswerSchemaOption(options, 'rlm_query_batched');
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
      return runBatch(tree, list, (prompt, index) =>
        childCall(prompt, contexts?.[index], signal, answerSchema),
      );
    },
  };

  for (const tool of settings.tools) functions[tool.name] = toolHostFunction(tree, run, tool);
  return functions;
}
