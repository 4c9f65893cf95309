import { createHash } from 'node:crypto';
import { appendFileSync, mkdirSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import type { LanguageModel, ReplEnvironment } from '@rlm/core';
import { estimateTokens as estimateTokensOf } from '@rlm/core';
import { scoreAnswer } from '../scoring/score-answer';
import { STRATEGIES } from '../strategies/all-strategies';
import type { StrategyName } from '../strategies/strategy';
import { type BenchInstance, contextToText } from '../tasks/bench-instance';
import { CostMeter } from './cost-meter';
import { ProgressLine } from './progress-line';
import { type ResultRecord, readResults, runKey } from './result-record';

/** SHA-256 of what a model is given: the question and the context's text. */
export function instanceSha256(instance: BenchInstance): string {
  return createHash('sha256')
    .update(instance.question)
    .update('\u0000')
    .update(contextToText(instance.context))
    .digest('hex');
}

/** One instance under one strategy, to run. */
export interface PlannedRun {
  readonly instance: BenchInstance;
  readonly strategy: StrategyName;
}

/** What a benchmark run needs, made ready by the command. */
export interface BenchmarkSetup {
  readonly runs: readonly PlannedRun[];
  readonly config: string;
  readonly out: string;
  readonly model: LanguageModel;
  readonly subModel: LanguageModel;
  readonly environment: ReplEnvironment;
  readonly concurrency: number;
  readonly budgetUsd: number | undefined;
  readonly offline: boolean;
  /** The question as sent: offline runs tag it for the scripted models. */
  readonly questionFor: (instance: BenchInstance) => string;
  readonly signal: AbortSignal;
  readonly progressStream: NodeJS.WriteStream;
}

/** How the run ended. */
export interface BenchmarkSummary {
  readonly finished: number;
  readonly skipped: number;
  /** Runs not done: the budget was spent, or the run was stopped. */
  readonly notDone: number;
  readonly budgetStopped: boolean;
  readonly spentUsd: number;
  readonly records: readonly ResultRecord[];
}

/** The results file in the output folder. */
export function resultsPath(out: string): string {
  return join(out, 'results.jsonl');
}

/**
 * Runs every planned run not already in results.jsonl with the same config, `concurrency` at a
 * time, appending each finished one to results.jsonl as it ends (so an interrupted benchmark
 * resumes where it stopped). Stops starting new runs once the budget is spent or `signal` aborts;
 * a run the budget stopped midway is not recorded, so a rerun with more budget does it again.
 */
export async function runBenchmark(setup: BenchmarkSetup): Promise<BenchmarkSummary> {
  mkdirSync(setup.out, { recursive: true });
  const path = resultsPath(setup.out);
  const earlier = readResults(path).filter((record) => record.config === setup.config);
  const hashes = new Map(setup.runs.map((run) => [run.instance, instanceSha256(run.instance)]));
  const keyOf = (run: PlannedRun) =>
    runKey(run.instance.id, hashes.get(run.instance) as string, run.strategy);
  const planned = new Set(setup.runs.map(keyOf));
  const done = new Set(
    earlier.map((record) => runKey(record.instance, record.instanceSha256, record.strategy)),
  );
  const pending = setup.runs.filter((run) => !done.has(keyOf(run)));
  const meter = new CostMeter(setup.budgetUsd);
  const progress = new ProgressLine(pending.length, setup.progressStream, () => meter.spentUsd);
  meter.onChange(() => progress.costChanged());
  const records: ResultRecord[] = [];
  let next = 0;
  let budgetStopped = false;
  const worker = async () => {
    while (next < pending.length && !setup.signal.aborted) {
      if (meter.exhausted) {
        budgetStopped = true;
        return;
      }
      const planned = pending[next++] as PlannedRun;
      const { instance, strategy } = planned;
      const trajectory = join(
        setup.out,
        'trajectories',
        instance.family,
        String(instance.sizeTokens),
        `${instance.index}-${strategy}.jsonl`,
      );
      mkdirSync(dirname(trajectory), { recursive: true });
      const started = Date.now();
      const outcome = await STRATEGIES[strategy].run({
        instance,
        question: setup.questionFor(instance),
        model: setup.model,
        subModel: setup.subModel,
        environment: setup.environment,
        trajectoryPath: trajectory,
        meter,
        signal: setup.signal,
      });
      if (outcome.budgetStopped) {
        budgetStopped = true;
        continue;
      }
      if (setup.signal.aborted) return;
      const score = scoreAnswer(instance.gold, outcome.answer);
      const record: ResultRecord = {
        config: setup.config,
        instance: instance.id,
        instanceSha256: hashes.get(instance) as string,
        family: instance.family,
        sizeTokens: instance.sizeTokens,
        contextTokens: estimateTokensOf(contextToText(instance.context)),
        index: instance.index,
        strategy,
        model: `${setup.model.provider}:${setup.model.modelId}`,
        subModel: `${setup.subModel.provider}:${setup.subModel.modelId}`,
        question: instance.question,
        gold: instance.gold,
        answer: outcome.answer ?? null,
        score,
        usage: outcome.usage,
        wallMs: Date.now() - started,
        error: outcome.error ?? null,
        trajectory: relative(setup.out, trajectory),
        offline: setup.offline,
        finishedAt: new Date().toISOString(),
      };
      appendFileSync(path, `${JSON.stringify(record)}\n`);
      records.push(record);
      progress.finished(
        `${instance.id} ${strategy} score ${(score * 100).toFixed(0)}${outcome.error ? ' (error)' : ''}`,
      );
    }
  };
  await Promise.all(Array.from({ length: Math.min(setup.concurrency, Math.max(1, pending.length)) }, worker));
  progress.close();
  return {
    finished: records.length,
    skipped: setup.runs.length - pending.length,
    notDone: pending.length - records.length,
    budgetStopped,
    spentUsd: meter.spentUsd,
    records: [
      ...earlier.filter((record) =>
        planned.has(runKey(record.instance, record.instanceSha256, record.strategy)),
      ),
      ...records,
    ],
  };
}
