import { appendFileSync, writeFileSync } from 'node:fs';
import type { ChatMessage, LanguageModel } from '@rlm/core';
import { BudgetSpentError, type CostMeter } from '../run/cost-meter';
import { emptyUsage, type StrategyUsage } from './strategy';

/** Characters of a prompt kept at each end in the trajectory (the context itself is regenerated from the seed). */
const KEPT_PROMPT_CHARACTERS = 2_000;

/**
 * Calls a model directly (the strategies without a REPL) and keeps a trajectory of the calls as
 * JSONL: a `metadata` line, then one `model_call` line per call with the prompt's head and tail,
 * its length, the reply, usage and cost.
 */
export class DirectCallLog {
  readonly usage: StrategyUsage = emptyUsage();

  constructor(
    private readonly path: string,
    private readonly meter: CostMeter,
    private readonly signal: AbortSignal,
    metadata: Record<string, unknown>,
  ) {
    writeFileSync(path, `${JSON.stringify({ type: 'metadata', ...metadata })}\n`);
  }

  async call(
    model: LanguageModel,
    role: string,
    messages: readonly ChatMessage[],
    maxOutputTokens?: number,
  ): Promise<string> {
    if (this.meter.exhausted && this.meter.budgetUsd !== undefined)
      throw new BudgetSpentError(this.meter.budgetUsd);
    const started = Date.now();
    const result = await model.doGenerate({
      messages,
      abortSignal: this.signal,
      ...(maxOutputTokens === undefined ? {} : { maxOutputTokens }),
    });
    this.usage.calls += 1;
    this.usage.inputTokens += result.usage.inputTokens;
    this.usage.outputTokens += result.usage.outputTokens;
    if (result.costUsd === undefined) this.usage.callsWithUnknownCost += 1;
    else this.usage.costUsd += result.costUsd;
    this.meter.add(result.costUsd);
    appendFileSync(
      this.path,
      `${JSON.stringify({
        type: 'model_call',
        role,
        model: `${model.provider}:${model.modelId}`,
        messages: messages.map((message) => ({
          role: message.role,
          length: message.content.length,
          content:
            message.content.length <= 2 * KEPT_PROMPT_CHARACTERS
              ? message.content
              : `${message.content.slice(0, KEPT_PROMPT_CHARACTERS)}\n[… ${message.content.length - 2 * KEPT_PROMPT_CHARACTERS} characters left out …]\n${message.content.slice(-KEPT_PROMPT_CHARACTERS)}`,
        })),
        response: result.text,
        usage: result.usage,
        costUsd: result.costUsd ?? null,
        finishReason: result.finishReason ?? null,
        durationMs: Date.now() - started,
      })}\n`,
    );
    return result.text;
  }

  end(answer: string | undefined, error: string | undefined): void {
    appendFileSync(
      this.path,
      `${JSON.stringify({ type: 'end', answer: answer ?? null, error: error ?? null, usage: this.usage })}\n`,
    );
  }
}
