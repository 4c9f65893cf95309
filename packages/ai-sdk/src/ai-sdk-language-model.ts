/**
 * The parts of the AI SDK's language-model specification that `fromAISDK` uses, written as plain
 * structural types so that a model from any installed AI SDK major fits without this package pinning
 * `@ai-sdk/provider`: `LanguageModelV2` (AI SDK 5), `LanguageModelV3` (AI SDK 6) and
 * `LanguageModelV4` (AI SDK 7). Fields the bridge does not read are left out.
 */

/** A language model of one of the AI SDK specification versions this bridge supports. */
export type AISDKLanguageModel = AISDKLanguageModelV2 | AISDKLanguageModelV3 | AISDKLanguageModelV4;

/** The specification versions `fromAISDK` accepts. */
export const SUPPORTED_AI_SDK_SPECIFICATION_VERSIONS = ['v2', 'v3', 'v4'] as const;

/** One of {@link SUPPORTED_AI_SDK_SPECIFICATION_VERSIONS}. */
export type AISDKSpecificationVersion = (typeof SUPPORTED_AI_SDK_SPECIFICATION_VERSIONS)[number];

/** A JSON value, as the AI SDK types provider options. */
export type AISDKJSONValue =
  | null
  | string
  | number
  | boolean
  | { [key: string]: AISDKJSONValue }
  | AISDKJSONValue[];

/** Options keyed by provider name, passed through to the model (`{ openai: { reasoningEffort: 'low' } }`). */
export type AISDKProviderOptions = Record<string, { [key: string]: AISDKJSONValue }>;

/** A text-only prompt message, the same shape in V2, V3 and V4. */
export type AISDKPromptMessage =
  | { role: 'system'; content: string }
  | { role: 'user'; content: Array<{ type: 'text'; text: string }> }
  | { role: 'assistant'; content: Array<{ type: 'text'; text: string }> };

/** The call options this bridge sends; every version accepts this subset. */
export interface AISDKCallOptions {
  prompt: AISDKPromptMessage[];
  maxOutputTokens?: number;
  temperature?: number;
  topP?: number;
  topK?: number;
  presencePenalty?: number;
  frequencyPenalty?: number;
  stopSequences?: string[];
  seed?: number;
  abortSignal?: AbortSignal;
  headers?: Record<string, string | undefined>;
  providerOptions?: AISDKProviderOptions;
}

/** Generated content: text parts are read, the rest (reasoning, tool calls, files, sources) is not. */
export interface AISDKContentPart {
  readonly type: string;
  readonly text?: string;
}

/** Response metadata every version may report. */
export interface AISDKResponseMetadata {
  readonly id?: string;
  readonly modelId?: string;
}

/** V2 usage: flat counts, each possibly missing. */
export interface AISDKUsageV2 {
  readonly inputTokens: number | undefined;
  readonly outputTokens: number | undefined;
  readonly totalTokens?: number | undefined;
  readonly reasoningTokens?: number | undefined;
  readonly cachedInputTokens?: number | undefined;
}

/** V3 and V4 usage: input split into cached and uncached, output into text and reasoning. */
export interface AISDKUsageV3 {
  readonly inputTokens: {
    readonly total: number | undefined;
    readonly noCache?: number | undefined;
    readonly cacheRead?: number | undefined;
    readonly cacheWrite?: number | undefined;
  };
  readonly outputTokens: {
    readonly total: number | undefined;
    readonly text?: number | undefined;
    readonly reasoning?: number | undefined;
  };
}

/** V2 finish reasons are strings; V3 and V4 give `{ unified, raw }` (V4 adds `'interrupted'`). */
export type AISDKFinishReason = string | { readonly unified: string; readonly raw?: string | undefined };

/** What `doGenerate` returns, in the fields read here. */
export interface AISDKGenerateResult {
  readonly content: readonly AISDKContentPart[];
  readonly finishReason: AISDKFinishReason;
  readonly usage: AISDKUsageV2 | AISDKUsageV3;
  readonly response?: AISDKResponseMetadata;
}

/** One part of a `doStream` stream, in the fields read here. */
export interface AISDKStreamPart {
  readonly type: string;
  readonly delta?: string;
  readonly id?: string;
  readonly modelId?: string;
  readonly usage?: AISDKUsageV2 | AISDKUsageV3;
  readonly finishReason?: AISDKFinishReason;
  readonly error?: unknown;
}

/** What `doStream` returns, in the fields read here. */
export interface AISDKStreamResult {
  readonly stream: ReadableStream<AISDKStreamPart>;
}

interface AISDKLanguageModelBase {
  readonly provider: string;
  readonly modelId: string;
  // Method syntax on purpose: parameters are then compared bivariantly, so each version's own, wider
  // call-options type is accepted where this subset is declared.
  doGenerate(options: AISDKCallOptions): PromiseLike<AISDKGenerateResult>;
  doStream(options: AISDKCallOptions): PromiseLike<AISDKStreamResult>;
}

/** `LanguageModelV2` (AI SDK 5, `@ai-sdk/provider` 2.x). */
export interface AISDKLanguageModelV2 extends AISDKLanguageModelBase {
  readonly specificationVersion: 'v2';
}

/** `LanguageModelV3` (AI SDK 6, `@ai-sdk/provider` 3.x). */
export interface AISDKLanguageModelV3 extends AISDKLanguageModelBase {
  readonly specificationVersion: 'v3';
}

/** `LanguageModelV4` (AI SDK 7, `@ai-sdk/provider` 4.x). */
export interface AISDKLanguageModelV4 extends AISDKLanguageModelBase {
  readonly specificationVersion: 'v4';
}
