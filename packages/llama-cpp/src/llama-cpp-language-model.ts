import { existsSync } from 'node:fs';
import { basename } from 'node:path';
import {
  ContextWindowExceededError,
  type FinishReason,
  InvalidArgumentError,
  type LanguageModel,
  type LanguageModelCallOptions,
  type LanguageModelResult,
} from '@rlm/core';
import type { ChatHistoryItem, LlamaGrammar, Token } from 'node-llama-cpp';
import { downloadModel } from './download-model';
import { createDownloadProgressReporter } from './download-progress-reporter';
import type { LlamaCppModelSettings } from './llama-cpp-model-settings';
import { type LoadedLlamaModel, loadLlamaModel } from './load-llama-model';
import { formatBytes } from './local-model-catalog';
import { defaultModelCacheDir } from './model-cache-dir';
import { type ModelReference, resolveModelReference } from './model-reference';
import { toChatHistory } from './to-chat-history';

/** The provider id, and the `providerOptions` key a call's own options go under. */
export const LLAMA_CPP_PROVIDER = 'llama-cpp';

/** The window reported before the model is loaded, when no `contextSize` was given. */
const UNLOADED_CONTEXT_WINDOW = 4096;

/**
 * The output cap when neither the call nor the settings give one. A small model that loses the
 * thread can write until the window is full (minutes on a CPU); the loop's code cells are short,
 * and long answers are built in the REPL, not written out.
 */
export const LLAMA_CPP_DEFAULT_MAX_OUTPUT_TOKENS = 4096;

/**
 * A local GGUF model run by llama.cpp in this process (through node-llama-cpp): no key, no server,
 * cost 0. Made by `llamaCpp(modelRef, settings)`; implements core's `LanguageModel` (v1).
 *
 * The model is downloaded (when named by alias or URI and not yet cached) and loaded on the first
 * call, or earlier with {@link load}. Concurrent calls share the one loaded model through the
 * sequences of one context; `dispose()` frees it.
 */
export class LlamaCppLanguageModel implements LanguageModel {
  readonly specificationVersion = 'v1' as const;
  readonly provider = LLAMA_CPP_PROVIDER;
  readonly modelId: string;
  readonly settings: LlamaCppModelSettings;
  /** Where the model comes from: a file, or a download into the cache. */
  readonly reference: ModelReference;
  private loading: Promise<LoadedLlamaModel> | undefined;
  private loaded: LoadedLlamaModel | undefined;
  private readonly grammars = new Map<string, Promise<LlamaGrammar>>();

  constructor(modelRef: string, settings: LlamaCppModelSettings = {}) {
    checkSettings(settings);
    this.settings = settings;
    this.reference = resolveModelReference(modelRef, {
      cacheDir: settings.cacheDir ?? defaultModelCacheDir(),
      ...(settings.huggingFaceEndpoint === undefined
        ? {}
        : { huggingFaceEndpoint: settings.huggingFaceEndpoint }),
    });
    this.modelId = settings.modelId ?? modelIdOf(this.reference);
  }

  /**
   * Tokens per call (prompt plus output): the loaded context's size per sequence, which is the
   * model's trained window (or `contextSize`) lowered to what fits in memory. Before loading, the
   * `contextSize` asked for (or 4096); call {@link load} first to know the real figure.
   */
  get contextWindow(): number {
    return this.loaded?.contextSize ?? this.settings.contextSize ?? UNLOADED_CONTEXT_WINDOW;
  }

  /** The settings that change answers, for the keys of cached calls: the file and the sampling. */
  get answerSettings(): string {
    const { temperature, seed, maxOutputTokens, grammar } = this.settings;
    return JSON.stringify({
      model: this.reference.kind === 'file' ? this.reference.path : this.reference.url,
      temperature: temperature ?? 0,
      seed: seed ?? null,
      maxOutputTokens: maxOutputTokens ?? null,
      grammar: grammar ?? null,
    });
  }

  /** The GPU backend in use (`'cuda'`, `'vulkan'`, `'metal'`), `false` on the CPU, `undefined` before loading. */
  get gpu(): string | false | undefined {
    return this.loaded?.gpu;
  }

  /** The loaded model's sequences: how many there are, run a call, and calls waiting for one. */
  get activity(): { sequences: number; busy: number; waiting: number } | undefined {
    const pool = this.loaded?.pool;
    return pool && { sequences: pool.size, busy: pool.busyCount, waiting: pool.waitingCount };
  }

  /**
   * Downloads (if needed and allowed) and loads the model now; later calls reuse it. `signal`
   * stops the waiting; the download itself goes on for the other callers and the next call.
   */
  async load(options: { readonly signal?: AbortSignal } = {}): Promise<void> {
    await this.ready(options.signal);
  }

  /** Frees the model's memory. A later call loads it again. */
  async dispose(): Promise<void> {
    const loading = this.loading;
    this.loading = undefined;
    this.loaded = undefined;
    this.grammars.clear();
    if (!loading) return;
    const loaded = await loading.catch(() => undefined);
    await loaded?.context.dispose();
    await loaded?.model.dispose();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.dispose();
  }

  /**
   * The prompt exactly as the model reads it: the messages rendered by the GGUF's chat template
   * (with the opening of the assistant's turn), and its length in the model's tokens.
   */
  async renderPrompt(
    messages: LanguageModelCallOptions['messages'],
  ): Promise<{ text: string; tokens: number }> {
    const loaded = await this.ready();
    const { text, tokens } = renderHistory(loaded, toChatHistory(messages));
    return { text, tokens };
  }

  async doGenerate(options: LanguageModelCallOptions): Promise<LanguageModelResult> {
    const signal = options.abortSignal;
    signal?.throwIfAborted();
    const loaded = await this.ready(signal);
    const history = toChatHistory(options.messages);
    const prompt = renderHistory(loaded, history);
    if (prompt.tokens >= loaded.contextSize) {
      throw new ContextWindowExceededError({
        modelId: this.modelId,
        contextWindow: loaded.contextSize,
        promptTokens: prompt.tokens,
      });
    }
    const grammar = await this.grammarFor(options, loaded);
    const cap =
      options.maxOutputTokens ?? this.settings.maxOutputTokens ?? LLAMA_CPP_DEFAULT_MAX_OUTPUT_TOKENS;
    // Never past the window: node-llama-cpp would otherwise shift the context, silently dropping
    // the start of the conversation.
    const maxTokens = Math.min(cap, loaded.contextSize - prompt.tokens);

    const slot = await loaded.pool.acquire(options.messages, signal);
    try {
      // The KV cache keeps the prefix this sequence already evaluated; llama.cpp re-reads only the rest.
      const cachedInputTokens = Math.min(
        sharedPrefixLength(slot.chat.sequence.contextTokens, prompt.tokenIds),
        prompt.tokens - 1,
      );
      const meterBefore = slot.chat.sequence.tokenMeter.getState();
      let response: Awaited<ReturnType<typeof slot.chat.generateResponse>>;
      try {
        response = await slot.chat.generateResponse(history, {
          maxTokens,
          temperature: this.settings.temperature ?? 0,
          ...(this.settings.seed === undefined ? {} : { seed: this.settings.seed }),
          ...(grammar ? { grammar } : {}),
          ...(signal ? { signal, stopOnAbortSignal: false } : {}),
        });
      } catch (error) {
        slot.lastMessages = [];
        if (signal?.aborted) throw signal.reason;
        throw error;
      }
      slot.lastMessages = options.messages;
      if (signal?.aborted) throw signal.reason;
      // Generated tokens as the sequence's meter counted them (the end-of-turn token included).
      const outputTokens = slot.chat.sequence.tokenMeter.diff(meterBefore).usedOutputTokens;
      return {
        text: response.response,
        usage: {
          inputTokens: prompt.tokens,
          outputTokens,
          cachedInputTokens: Math.max(0, cachedInputTokens),
        },
        costUsd: 0,
        finishReason: finishReasonOf(response.metadata.stopReason),
        response: { modelId: this.modelId },
      };
    } finally {
      loaded.pool.release(slot);
    }
  }

  /**
   * The loaded model, loading it on first use. One load serves every caller, so a caller's abort
   * stops only its own wait (a download shared by concurrent calls must not die with the first).
   */
  private ready(signal?: AbortSignal): Promise<LoadedLlamaModel> {
    signal?.throwIfAborted();
    if (!this.loading) {
      const loading = this.locate().then((path) =>
        loadLlamaModel({
          path,
          gpu: this.settings.gpu ?? 'auto',
          sequences: this.settings.sequences ?? 4,
          ...(this.settings.contextSize === undefined ? {} : { contextSize: this.settings.contextSize }),
          ...(this.settings.threads === undefined ? {} : { threads: this.settings.threads }),
        }),
      );
      this.loading = loading;
      loading.then(
        (loaded) => {
          if (this.loading === loading) this.loaded = loaded;
        },
        () => {
          if (this.loading === loading) this.loading = undefined;
        },
      );
    }
    if (!signal || this.loaded) return this.loading;
    return untilAborted(this.loading, signal);
  }

  /** The model's file on disk, downloading it first when it was named by alias or URI. */
  private async locate(): Promise<string> {
    const reference = this.reference;
    if (reference.kind === 'file') return reference.path;
    if (existsSync(reference.path)) return reference.path;
    if (this.settings.download === false) {
      throw new InvalidArgumentError({
        argument: 'download',
        message:
          `The model ${reference.name} is not in the cache (${reference.path}) and downloads are off. ` +
          `Allow the download${reference.approximateBytes ? ` (about ${formatBytes(reference.approximateBytes)})` : ''} or give the path of a GGUF file.`,
      });
    }
    const onDownload = this.settings.onDownload;
    return downloadModel({
      name: reference.name,
      url: reference.url,
      path: reference.path,
      ...(reference.sha256 === undefined ? {} : { sha256: reference.sha256 }),
      ...(onDownload === false ? {} : { onEvent: onDownload ?? createDownloadProgressReporter() }),
      ...(this.settings.downloadHeaders ? { headers: this.settings.downloadHeaders } : {}),
    });
  }

  private async grammarFor(
    options: LanguageModelCallOptions,
    loaded: LoadedLlamaModel,
  ): Promise<LlamaGrammar | undefined> {
    const own = options.providerOptions?.[LLAMA_CPP_PROVIDER]?.grammar;
    if (own !== undefined && typeof own !== 'string') {
      throw new InvalidArgumentError({
        argument: `providerOptions.${LLAMA_CPP_PROVIDER}.grammar`,
        message: `providerOptions['${LLAMA_CPP_PROVIDER}'].grammar must be a GBNF grammar as a string.`,
      });
    }
    const text = own ?? this.settings.grammar;
    if (text === undefined) return undefined;
    let grammar = this.grammars.get(text);
    if (!grammar) {
      grammar = loaded.llama.createGrammar({ grammar: text }).catch((error: unknown) => {
        this.grammars.delete(text);
        throw new InvalidArgumentError({
          argument: 'grammar',
          message: `The GBNF grammar does not parse: ${error instanceof Error ? error.message : String(error)}.`,
          cause: error,
        });
      });
      this.grammars.set(text, grammar);
    }
    return grammar;
  }
}

/** `promise`, or the signal's reason as soon as it aborts. */
function untilAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}

function renderHistory(
  loaded: LoadedLlamaModel,
  history: ChatHistoryItem[],
): { text: string; tokens: number; tokenIds: readonly Token[] } {
  const { contextText } = loaded.chatWrapper.generateContextState({ chatHistory: history });
  const tokenIds = contextText.tokenize(loaded.model.tokenizer);
  // Special tokens written out (`<s>`, `<|im_start|>`): the text as the model reads it.
  return { text: loaded.model.detokenize(tokenIds, true), tokens: tokenIds.length, tokenIds };
}

function sharedPrefixLength(a: readonly Token[], b: readonly Token[]): number {
  let length = 0;
  while (length < a.length && length < b.length && a[length] === b[length]) length++;
  return length;
}

function finishReasonOf(stopReason: string): FinishReason {
  if (stopReason === 'maxTokens') return 'length';
  if (
    stopReason === 'eogToken' ||
    stopReason === 'stopGenerationTrigger' ||
    stopReason === 'customStopTrigger'
  )
    return 'stop';
  return 'other';
}

function modelIdOf(reference: ModelReference): string {
  if (reference.kind === 'download' && !reference.name.includes(':') && !reference.name.includes('/'))
    return reference.name;
  return basename(reference.path).replace(/\.gguf$/i, '');
}

function checkSettings(settings: LlamaCppModelSettings): void {
  const positive = (name: keyof LlamaCppModelSettings, value: number | undefined) => {
    if (value !== undefined && (!Number.isInteger(value) || value < 1)) {
      throw new InvalidArgumentError({
        argument: name,
        message: `llamaCpp: ${name} must be a whole number of at least 1, got ${value}.`,
      });
    }
  };
  positive('sequences', settings.sequences);
  positive('contextSize', settings.contextSize);
  positive('threads', settings.threads);
  positive('maxOutputTokens', settings.maxOutputTokens);
  if (settings.temperature !== undefined && !(settings.temperature >= 0)) {
    throw new InvalidArgumentError({
      argument: 'temperature',
      message: `llamaCpp: temperature must be 0 or more, got ${settings.temperature}.`,
    });
  }
}
