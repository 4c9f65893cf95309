import type { LimitName } from '@rlm/core';

/** The CLI flag behind each limit of the library, for messages in the CLI's terms. */
export const LIMIT_FLAGS: Readonly<Partial<Record<LimitName, string>>> = {
  maxTurns: '--max-turns',
  maxDepth: '--max-depth',
  maxSubCalls: '--max-sub-calls',
  maxTokens: '--max-tokens',
  maxCostUsd: '--max-cost',
  timeoutMs: '--timeout',
};

/** Library words that a CLI user cannot act on, and what to say instead. Order matters: longer first. */
const REWRITES: readonly (readonly [RegExp, string])[] = [
  [
    /Lower the concurrency \(maxConcurrency of createRLM\) or raise maxRetries\.?/g,
    'Lower --concurrency, or raise --max-retries.',
  ],
  [/\(maxConcurrency of createRLM\)/g, '(--concurrency)'],
  [/Pass the key it expects as createOpenAI\(\{[^}]*\}\)\.?/g, 'Set RLM_API_KEY to the key it expects.'],
  [/Pass the key it expects as createAnthropic\(\{[^}]*\}\)\.?/g, 'Set RLM_API_KEY to the key it expects.'],
  [/,? or pass create(?:OpenAI|Anthropic)\(\{ apiKey \}\)/g, ''],
  [/create(?:OpenAI|Anthropic)\(\{[^}]*\}\)/g, 'the key variable'],
  [/\bbaseURL is right\b/g, '--base-url is right'],
  [/\bmaxRetries\b/g, '--max-retries'],
  [/\(limits\.maxConsecutiveErrors\)/g, '(five failed turns in a row stop a run)'],
  [/limits\.maxSubCalls/g, '--max-sub-calls'],
  [/limits\.maxTurns/g, '--max-turns'],
  [/limits\.maxTokens/g, '--max-tokens'],
  [/limits\.maxCostUsd/g, '--max-cost'],
  [/limits\.timeoutMs/g, '--timeout'],
  [/limits\.maxDepth/g, '--max-depth'],
  [/\bcellTimeoutMs\b/g, '--cell-timeout'],
  [/\bmemoryLimitBytes\b|\bmemoryLimitMb\b/g, '--memory'],
];

/** `text` with the library's option names replaced by the CLI's flags and variables. */
export function inCliTerms(text: string): string {
  let result = text;
  for (const [pattern, replacement] of REWRITES) result = result.replace(pattern, replacement);
  return result;
}
