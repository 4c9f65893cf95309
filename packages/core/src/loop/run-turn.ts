import type { CellResult, FinalAnswer } from '../environment/repl-environment';
import type { LanguageModelResult } from '../language-model/language-model';
import {
  failedSubCallsNote,
  formatCellOutput,
  noCodeMessage,
  replyCutOffNote,
  turnFeedbackMessage,
} from '../prompts/loop-messages';
import { type CodeBlock, extractRunnableCodeBlocks } from '../text/extract-code-blocks';
import { findFinalInProse } from '../text/find-final-in-prose';
import type { AnswerSource, TrajectoryCodeBlock, TrajectoryIteration } from '../trajectory/trajectory';
import { nextMacrotask } from '../util/next-macrotask';
import { type CalledModelResult, callModel } from './call-model';
import type { FirstCallGuard } from './first-call-guard';
import { providerOptionsFor } from './provider-options-for';
import { resolveFinalFromProse } from './resolve-final-from-prose';
import type { RunSession } from './run-session';
import type { RunState } from './run-state';
import type { RunTree } from './run-tree';

/** How a turn ended: with the run's answer, or with feedback sent and the run going on. */
export type TurnOutcome =
  | { readonly final: TurnFinal }
  | {
      readonly final?: undefined;
      /** Every code block of the turn failed (a turn without code is not a failure). */
      readonly allCellsFailed: boolean;
      /** The message of the turn's last failed cell, for the consecutive-errors limit. */
      readonly lastError: string | undefined;
    };

/** The answer a turn gave: its text, where it came from, and, with an answer schema, the validated data. */
export interface TurnFinal {
  readonly value: string;
  readonly source: AnswerSource;
  /** Set when the run has an answer schema: the value as the schema validated it. */
  readonly typed?: { readonly value: unknown };
}

/** The turn's place in the run, and what it runs in. */
export interface TurnInputs {
  readonly turn: number;
  readonly session: RunSession;
  readonly firstCall: FirstCallGuard;
}

/**
 * One turn of a run: call the root model, run its code blocks in order in the run's one session,
 * resolve FINAL (called by the code, or written as prose), and, unless that answered, add the
 * reply and the feedback (capped outputs, notes, `Turn i/N`) to the conversation.
 */
export async function runTurn(tree: RunTree, run: RunState, inputs: TurnInputs): Promise<TurnOutcome> {
  const { turn } = inputs;
  const { maxTurns } = tree.settings.limits;
  const turnStarted = performance.now();
  const startedAt = new Date().toISOString();
  run.emit({ type: 'turn-start', turn, maxTurns });
  const { reply, iteration } = await callRootModel(tree, run, inputs, startedAt);
  const blocks = runnableBlocks(reply.text, tree.settings.environment.language);
  const cells = await runCodeBlocks(tree, run, inputs, blocks, iteration);
  const resolved = await resolveFinal(tree, run, inputs, reply.text, blocks, cells);
  const { answerSource, notes } = resolved;
  let { final } = resolved;
  let typed: { value: unknown } | undefined;
  if (final && run.typedAnswer) {
    // A FINAL the answer schema refuses does not end the run: the model is told what to fix.
    const verdict = await run.typedAnswer.judge(final, run.tag);
    if (verdict.accepted) typed = { value: verdict.value };
    else {
      notes.push(verdict.note);
      final = undefined;
    }
  }

  if (final) {
    iteration.finalAnswer = final.value;
    iteration.durationMs = performance.now() - turnStarted;
    run.emit({ type: 'turn-end', turn, finalAnswer: final.value });
    return {
      final: { value: final.value, source: answerSource ?? final.source, ...(typed ? { typed } : {}) },
    };
  }

  const feedback = feedbackMessage(tree, run, turn, reply, blocks, cells, notes);
  iteration.feedback = feedback;
  iteration.durationMs = performance.now() - turnStarted;
  run.messages.push({ role: 'assistant', content: reply.text }, { role: 'user', content: feedback });
  run.emit({ type: 'turn-end', turn });
  return {
    allCellsFailed: cells.results.length > 0 && cells.results.every((result) => result.error !== undefined),
    lastError: cells.results.at(-1)?.error?.message,
  };
}

/** The code blocks of a reply that the environment's language can run, in order. */
export function runnableBlocks(text: string, language: string): CodeBlock[] {
  return language === 'javascript' || language === 'python' ? extractRunnableCodeBlocks(text, language) : [];
}

/** Calls the root model on the conversation so far and opens the turn's trajectory entry. */
async function callRootModel(
  tree: RunTree,
  run: RunState,
  { turn, session, firstCall }: TurnInputs,
  startedAt: string,
): Promise<{ reply: LanguageModelResult; iteration: TrajectoryIteration }> {
  const modelStarted = performance.now();
  let reply: CalledModelResult;
  try {
    const replied = callModel(tree, run, {
      model: run.rootModel,
      // A copy per call: the history grows after it, and a provider may keep what it was sent.
      messages: [...run.messages],
      role: 'root',
      maxOutputTokens: tree.settings.maxOutputTokens,
      providerOptions: providerOptionsFor(tree.settings, { depth: run.depth, role: 'root' }),
      signal: turn === 1 ? firstCall.signal : run.signal,
    });
    // The root's sandbox readies itself for the first cell while the model writes it. After this
    // macrotask, by which the request is built and on its way: the thread is then idle.
    if (turn === 1 && run.depth === 0) nextMacrotask(() => session.warmUp());
    reply = await replied;
  } catch (error) {
    throw firstCall.reasonFor(error);
  } finally {
    if (turn === 1) firstCall.release();
  }
  run.lastReply = reply.text;
  const iteration: TrajectoryIteration = {
    turn,
    startedAt,
    response: reply.text,
    usage: reply.usage,
    ...(reply.costUsd !== undefined ? { costUsd: reply.costUsd } : {}),
    ...(reply.finishReason !== undefined ? { finishReason: reply.finishReason } : {}),
    modelDurationMs: performance.now() - modelStarted,
    ...(reply.servedFrom ? { servedFrom: reply.servedFrom } : {}),
    codeBlocks: [],
  };
  run.trajectory.iterations.push(iteration);
  return { reply, iteration };
}

/** What the turn's cells gave: their results, their outputs as the model sees them, and FINAL. */
interface CellsRun {
  readonly results: CellResult[];
  readonly outputs: string[];
  readonly final: FinalAnswer | undefined;
  /** Blocks after the one that called FINAL: recorded, not run. */
  readonly skippedBlocks: number;
}

/** Runs the blocks in order until one calls FINAL; the rest are recorded but not run. */
async function runCodeBlocks(
  tree: RunTree,
  run: RunState,
  { turn, session }: TurnInputs,
  blocks: readonly CodeBlock[],
  iteration: TrajectoryIteration,
): Promise<CellsRun> {
  const { maxOutputChars } = tree.settings;
  const outputs: string[] = [];
  const results: CellResult[] = [];
  let final: FinalAnswer | undefined;
  let skippedBlocks = 0;
  for (const [index, block] of blocks.entries()) {
    const record: TrajectoryCodeBlock = { code: block.code, subCalls: [] };
    iteration.codeBlocks.push(record);
    if (final) {
      skippedBlocks++;
      continue;
    }
    run.currentBlock = record;
    run.emit({ type: 'cell-start', turn, index, code: block.code });
    const result = await session.runCell(block.code);
    run.currentBlock = undefined;
    record.result = result;
    results.push(result);
    run.emit({ type: 'cell-end', turn, index, result });
    // Kept before the stop check: a cell that called FINAL and was then stopped (a limit, an
    // abort) still said what its answer is, and that is the run's partial answer.
    if (result.final) run.recordedFinal = result.final;
    tree.throwIfStopped();
    outputs.push(
      formatCellOutput(result, maxOutputChars, run.tag) + failedSubCallsNote(record.subCalls, run.tag),
    );
    if (result.final) final = result.final;
  }
  return { results, outputs, final, skippedBlocks };
}

/**
 * The turn's answer: the FINAL its code called; else a `FINAL(...)` / `FINAL_VAR(...)` written in
 * the reply's prose, when no cell failed and the REPL accepts it (see resolve-final-from-prose);
 * else none, with the note that says why a prose FINAL was refused, if one was.
 */
async function resolveFinal(
  tree: RunTree,
  run: RunState,
  { session }: TurnInputs,
  replyText: string,
  blocks: readonly CodeBlock[],
  cells: CellsRun,
): Promise<{ final: FinalAnswer | undefined; answerSource: AnswerSource | undefined; notes: string[] }> {
  const notes: string[] = [];
  if (cells.final) return { final: cells.final, answerSource: cells.final.source, notes };
  const proseFinal = findFinalInProse(replyText);
  const anyCellFailed = cells.results.some((result) => result.error !== undefined);
  if (!proseFinal || anyCellFailed) return { final: undefined, answerSource: undefined, notes };
  const resolved = await resolveFinalFromProse(await session.open(), proseFinal, {
    replyHasCode: blocks.length > 0,
    tag: run.tag,
    timeoutMs: tree.settings.cellTimeoutMs,
    signal: run.signal,
  });
  tree.throwIfStopped();
  if (resolved.answer !== undefined) {
    const final: FinalAnswer = {
      source: proseFinal.kind,
      value: resolved.answer,
      ...(resolved.format ? { format: resolved.format } : {}),
    };
    return { final, answerSource: 'text', notes };
  }
  if (resolved.note) notes.push(resolved.note);
  return { final: undefined, answerSource: undefined, notes };
}

/** What the model sees before its next turn: the capped outputs and notes, or why there were none. */
function feedbackMessage(
  tree: RunTree,
  run: RunState,
  turn: number,
  reply: LanguageModelResult,
  blocks: readonly CodeBlock[],
  cells: CellsRun,
  notes: readonly string[],
): string {
  const { maxTurns } = tree.settings.limits;
  const truncated = reply.finishReason === 'length';
  if (blocks.length === 0) {
    return noCodeMessage({
      turn,
      maxTurns,
      language: tree.settings.environment.language,
      truncated,
      notes,
      tag: run.tag,
    });
  }
  return turnFeedbackMessage({
    outputs: cells.outputs,
    turn,
    maxTurns,
    question: run.question,
    skippedBlocks: cells.skippedBlocks,
    notes: truncated ? [...notes, replyCutOffNote(run.tag)] : notes,
    tag: run.tag,
  });
}
