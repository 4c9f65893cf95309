import type { RLMLimits, RLMSettings } from '@rlm/core';
import { createFileCache } from '@rlm/core/cache';
import type { CliSettings } from '../options/cli-settings';

/** The limits the CLI's options set (`--max-depth`, `--max-turns`, …), only those given. */
export function cliLimits(settings: CliSettings): RLMLimits {
  return {
    ...(settings.maxDepth === undefined ? {} : { maxDepth: settings.maxDepth }),
    ...(settings.maxTurns === undefined ? {} : { maxTurns: settings.maxTurns }),
    ...(settings.maxSubCalls === undefined ? {} : { maxSubCalls: settings.maxSubCalls }),
    ...(settings.maxTokens === undefined ? {} : { maxTokens: settings.maxTokens }),
    ...(settings.maxCost === undefined ? {} : { maxCostUsd: settings.maxCost }),
    ...(settings.timeout === undefined ? {} : { timeoutMs: settings.timeout }),
  };
}

/**
 * The `createRLM` settings the CLI's options set beyond the models, sandbox, tools and limits: output
 * cap, cell timeout, concurrency and the cache. The providers' models name their server in their
 * keys (answerSettings), so answers of different --base-url servers are kept apart in one cache.
 */
export function cliRunSettings(
  settings: CliSettings,
  cacheDirectory: string | undefined,
): Pick<RLMSettings, 'maxOutputChars' | 'cellTimeoutMs' | 'concurrency' | 'cache'> {
  return {
    ...(settings.outputCap === undefined ? {} : { maxOutputChars: settings.outputCap }),
    ...(settings.cellTimeout === undefined ? {} : { cellTimeoutMs: settings.cellTimeout }),
    ...(settings.concurrency === undefined ? {} : { concurrency: settings.concurrency }),
    ...(cacheDirectory === undefined ? {} : { cache: createFileCache(cacheDirectory) }),
  };
}
