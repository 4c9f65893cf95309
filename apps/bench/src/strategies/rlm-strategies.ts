import {
  type ContextValue,
  createRLM,
  openTrajectoryJsonlWriter,
  type RLMLimits,
  type RLMSettings,
  type Tool,
  type Trajectory,
} from '@rlm/core';
import { createSearchTool } from '@rlm/tool-search';
import { contextToText } from '../tasks/bench-instance';
import { codeActTurnTokens, contextCharactersThatFit, cutToWindow } from './fit-to-window';
import { describeRunError, partialAnswerOf } from './outcome-of-error';
import {
  emptyUsage,
  type Strategy,
  type StrategyName,
  type StrategyOutcome,
  type StrategyRun,
} from './strategy';
import { codeActQuestion, codeActSystemPrompt, replOnlySystemPrompt } from './strategy-prompts';

/** Root turns of every REPL strategy (core's default, the reference's). */
const MAX_TURNS = 30;
/** What the CodeAct agent's REPL holds instead of the context. */
const CODEACT_REPL_CONTEXT =
  'The context is in your first message (cut to your window if long); search the whole of it with `await search({ query, k })`.';

interface RLMStrategyShape {
  readonly name: StrategyName;
  readonly limits: RLMLimits;
  readonly systemPrompt?: RLMSettings['systemPrompt'];
  /** CodeAct: the context goes in the prompt and to the search tool, not into the REPL. */
  readonly codeAct?: boolean;
}

async function runWithLoop(shape: RLMStrategyShape, run: StrategyRun): Promise<StrategyOutcome> {
  const budgetLimited = Number.isFinite(run.meter.remainingUsd);
  const limits: RLMLimits = {
    maxTurns: MAX_TURNS,
    ...shape.limits,
    ...(budgetLimited ? { maxCostUsd: Math.max(run.meter.remainingUsd, 1e-9) } : {}),
  };
  let question = run.question;
  let context = run.instance.context as unknown as ContextValue;
  const tools: Tool[] = [];
  if (shape.codeAct) {
    const text = contextToText(run.instance.context);
    const prompt = codeActQuestion(
      '',
      ' (cut to fit your context window: the first 0,000,000 of 0,000,000 characters)',
      run.question,
    );
    const cut = cutToWindow(
      text,
      contextCharactersThatFit(run.model, prompt, codeActTurnTokens(run.model.contextWindow)),
    );
    question = codeActQuestion(cut.text, cut.note, run.question);
    // BM25 over the whole context, however much of it the prompt holds.
    const search = createSearchTool();
    const whole = run.instance.context;
    tools.push({
      ...search,
      execute: (parameters, options) =>
        search.execute(parameters, { ...options, context: whole as unknown as ContextValue }),
    });
    context = CODEACT_REPL_CONTEXT;
  }
  const rlm = createRLM({
    model: run.model,
    subModel: run.subModel,
    environment: run.environment,
    tools,
    limits,
    ...(shape.systemPrompt ? { systemPrompt: shape.systemPrompt } : {}),
    onEvent: (event) => {
      if (event.type === 'model-call-end') run.meter.add(event.costUsd);
    },
  });
  const trajectoryWriter = await openTrajectoryJsonlWriter(run.trajectoryPath);
  try {
    const result = await rlm.completion(question, { context, trajectoryWriter, signal: run.signal });
    return {
      answer: result.answer,
      usage: {
        calls: result.usage.total.calls,
        subCalls: result.failedSubCalls.total,
        failedSubCalls: result.failedSubCalls.count,
        inputTokens: result.usage.total.inputTokens,
        outputTokens: result.usage.total.outputTokens,
        costUsd: result.usage.total.costUsd,
        callsWithUnknownCost: result.usage.total.callsWithUnknownCost,
      },
    };
  } catch (error) {
    const trajectory = (error as { trajectory?: Trajectory }).trajectory;
    const total = trajectory?.usage?.total;
    const usage = emptyUsage();
    if (total) {
      usage.calls = total.calls;
      usage.inputTokens = total.inputTokens;
      usage.outputTokens = total.outputTokens;
      usage.costUsd = total.costUsd;
      usage.callsWithUnknownCost = total.callsWithUnknownCost;
    }
    usage.subCalls = trajectory?.failedSubCalls?.total ?? 0;
    usage.failedSubCalls = trajectory?.failedSubCalls?.count ?? 0;
    return { answer: partialAnswerOf(error), usage, ...describeRunError(error, budgetLimited) };
  }
}

function loopStrategy(shape: RLMStrategyShape): Strategy {
  return { name: shape.name, run: (run) => runWithLoop(shape, run) };
}

export const codeActStrategy = loopStrategy({
  name: 'codeact-bm25',
  limits: { maxSubCalls: 0, maxDepth: 1 },
  systemPrompt: codeActSystemPrompt,
  codeAct: true,
});

export const rlmNoSubCallsStrategy = loopStrategy({
  name: 'rlm-no-sub-calls',
  limits: { maxSubCalls: 0, maxDepth: 1 },
  systemPrompt: replOnlySystemPrompt,
});

export const rlmDepthOneStrategy = loopStrategy({ name: 'rlm-depth-1', limits: { maxDepth: 1 } });

export const rlmDepthTwoStrategy = loopStrategy({ name: 'rlm-depth-2', limits: { maxDepth: 2 } });
