import type { RLMSettings } from './rlm-settings';

/** The provider options of a call: each role's own, so that the root and sub-models can differ. */
export type ProviderOptions = RLMSettings['providerOptions'];

/**
 * `providerOptions` for the root model's calls at depth 0 (its turns and its max-turns fallback);
 * `subProviderOptions` (default `providerOptions`) for every other call: sub-calls and the turns of
 * child RLMs, which are the sub-model's.
 */
export function providerOptionsFor(
  settings: Pick<RLMSettings, 'providerOptions' | 'subProviderOptions'>,
  call: { readonly depth: number; readonly role: 'root' | 'sub' },
): ProviderOptions {
  if (call.role === 'root' && call.depth === 0) return settings.providerOptions;
  return settings.subProviderOptions ?? settings.providerOptions;
}
