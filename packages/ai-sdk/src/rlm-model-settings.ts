import type { ContextValue, RLM, RLMLimits } from '@rlm/core';

/** What `rlmModel({...})` is made of. */
export interface RLMModelSettings {
  /** The RLM that answers: `createRLM({ model, subModel, environment, … })`. */
  readonly rlm: RLM;
  /**
   * The context every call answers from (a string, a list of documents, JSON data). A call's
   * `providerOptions.rlm.context` replaces it; one of the two is required.
   */
  readonly context?: ContextValue;
  /** Limits for each call, over the RLM's own (a call's `providerOptions.rlm.limits` over these). */
  readonly limits?: RLMLimits;
  /** The model id the AI SDK reports (telemetry, `response.modelId`). Default `'rlm'`. */
  readonly modelId?: string;
}

/**
 * What a call may pass as `providerOptions: { rlm: { … } }` to `generateText` / `streamText`. Values
 * must be JSON (the AI SDK's rule for provider options).
 */
export interface RLMModelProviderOptions {
  /** The context of this call, instead of the factory's. */
  readonly context?: ContextValue;
  /** Limits of this call, over the factory's and the RLM's. */
  readonly limits?: RLMLimits;
}

/** The key of this model's provider options and metadata: `providerOptions.rlm`, `providerMetadata.rlm`. */
export const RLM_PROVIDER_NAME = 'rlm';
