import type {
  ChatMessage,
  FinishReason,
  LanguageModel,
  LanguageModelCallOptions,
  LanguageModelResult,
  LanguageModelUsage,
} from '../language-model/language-model';
import { estimateTokens } from '../text/estimate-tokens';
import { abortableDelay } from '../util/abortable-sleep';

/** One scripted reply: text, or the whole result, or an error to throw. */
export type MockReply = string | MockResult | Error;

/** A scripted result; usage defaults to estimates from the characters sent and returned. */
export interface MockResult {
  readonly text: string;
  readonly usage?: Partial<LanguageModelUsage>;
  readonly costUsd?: number;
  readonly finishReason?: FinishReason;
  /** Overrides the model's latency for this reply, in milliseconds. */
  readonly latencyMs?: number;
}

/** What a scripted function receives. */
export interface MockRequest {
  readonly messages: readonly ChatMessage[];
  /** The last message's text, the usual thing to branch on. */
  readonly lastMessage: string;
  /** 0-based number of this call. */
  readonly index: number;
  readonly maxOutputTokens?: number;
  readonly providerOptions?: LanguageModelCallOptions['providerOptions'];
}

/** A recorded call. */
export interface MockCall extends MockRequest {
  readonly startedAt: number;
  endedAt?: number;
  result?: LanguageModelResult;
  error?: unknown;
}

export interface MockLanguageModelOptions {
  /** Replies in order, or a function of the request. A list that runs out throws a clear error. */
  readonly responses: readonly MockReply[] | ((request: MockRequest) => MockReply | Promise<MockReply>);
  readonly provider?: string;
  readonly modelId?: string;
  /** Default 128,000. */
  readonly contextWindow?: number;
  /** Simulated latency in milliseconds: fixed, or `[min, max]` uniformly at random. Default 0. */
  readonly latencyMs?: number | readonly [number, number];
  /** Cost of a call computed from its usage, when you want the budget exercised. */
  readonly costOf?: (usage: LanguageModelUsage) => number;
}

/**
 * A scripted `LanguageModel` for tests: replies from a list or a function, records every call,
 * simulates latency (honouring abort), and reports usage and cost.
 */
export class MockLanguageModel implements LanguageModel {
  readonly specificationVersion = 'v1' as const;
  readonly provider: string;
  readonly modelId: string;
  readonly contextWindow: number;
  /** Every call, in the order made. */
  readonly calls: MockCall[] = [];
  private inFlight = 0;
  /** The most calls that were in flight at once. */
  peakConcurrency = 0;

  constructor(private readonly options: MockLanguageModelOptions) {
    this.provider = options.provider ?? 'mock';
    this.modelId = options.modelId ?? 'mock-model';
    this.contextWindow = options.contextWindow ?? 128_000;
  }

  async doGenerate(options: LanguageModelCallOptions): Promise<LanguageModelResult> {
    const index = this.calls.length;
    const request: MockRequest = {
      // A copy: what was sent at this call, whatever the caller does with its array afterwards.
      messages: [...options.messages],
      lastMessage: options.messages.at(-1)?.content ?? '',
      index,
      ...(options.maxOutputTokens !== undefined ? { maxOutputTokens: options.maxOutputTokens } : {}),
      ...(options.providerOptions !== undefined ? { providerOptions: options.providerOptions } : {}),
    };
    const call: MockCall = { ...request, startedAt: Date.now() };
    this.calls.push(call);
    this.inFlight++;
    this.peakConcurrency = Math.max(this.peakConcurrency, this.inFlight);
    try {
      options.abortSignal?.throwIfAborted();
      const reply = await this.nextReply(request);
      const latency =
        typeof reply === 'object' && !(reply instanceof Error) && reply.latencyMs !== undefined
          ? reply.latencyMs
          : this.latency();
      if (latency > 0) await abortableDelay(latency, options.abortSignal);
      options.abortSignal?.throwIfAborted();
      if (reply instanceof Error) throw reply;
      const scripted: MockResult = typeof reply === 'string' ? { text: reply } : reply;
      const promptCharacters = options.messages.reduce((sum, message) => sum + message.content.length, 0);
      const usage: LanguageModelUsage = {
        inputTokens: Math.ceil(promptCharacters / 4),
        outputTokens: estimateTokens(scripted.text),
        ...scripted.usage,
      };
      const costUsd = scripted.costUsd ?? this.options.costOf?.(usage);
      const result: LanguageModelResult = {
        text: scripted.text,
        usage,
        finishReason: scripted.finishReason ?? 'stop',
        ...(costUsd !== undefined ? { costUsd } : {}),
      };
      call.result = result;
      return result;
    } catch (error) {
      call.error = error;
      throw error;
    } finally {
      this.inFlight--;
      call.endedAt = Date.now();
    }
  }

  private async nextReply(request: MockRequest): Promise<MockReply> {
    const { responses } = this.options;
    if (typeof responses === 'function') return responses(request);
    const reply = responses[request.index];
    if (reply === undefined) {
      throw new Error(
        `MockLanguageModel '${this.modelId}' has no scripted response for call #${request.index + 1} ` +
          `(it has ${responses.length}). Add responses, or script them with a function. Last message: ${request.lastMessage.slice(0, 300)}`,
      );
    }
    return reply;
  }

  private latency(): number {
    const { latencyMs = 0 } = this.options;
    if (typeof latencyMs === 'number') return latencyMs;
    const [min, max] = latencyMs;
    return min + Math.random() * (max - min);
  }
}
