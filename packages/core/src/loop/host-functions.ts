import type { ContextValue, JsonValue } from '../environment/context-value';
import type { HostFunction } from '../environment/repl-environment';
import { InvalidArgumentError } from '../errors/invalid-argument-error';
import type { LanguageModel } from '../language-model/language-model';
import type { Sha256 } from '../trajectory/keep-text';
import type { Trajectory, TrajectorySubCall } from '../trajectory/trajectory';
import type { FailedSubCallTracker } from '../usage/failed-sub-calls';
import { type CallingRun, callModel } from './call-model';
import { checkContextWindow } from './check-context-window';
import { expectString, expectStringList, pickModel } from './host-function-arguments';
import { modelKey } from './resolve-settings';
import { runBatch } from './run-batch';
import type { RunTree } from './run-tree';
import { recordSubCall } from './sub-call-record';
import { toolHostFunction } from './tool-host-function';

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
  ): Promise<string> =>
    recordSubCall(tree, run, { kind, model: modelKey(model), prompt, signal }, async (record) => {
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
      if (result.servedFrom) record.servedFrom = result.servedFrom;
      return result.text;
    });

  /** A child RLM, or a plain call when the depth limit (`limits.maxDepth`) is reached. */
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
    return recordSubCall(
      tree,
      run,
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
      return runBatch(tree, list, (prompt, index) => childCall(prompt, contexts?.[index], signal));
    },
  };

  for (const tool of settings.tools) functions[tool.name] = toolHostFunction(tree, run, tool);
  return functions;
}
