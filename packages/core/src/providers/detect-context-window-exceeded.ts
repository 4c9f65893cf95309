/** What a server's "prompt too long" error said, when it was one. */
export interface ContextWindowExceededDetails {
  /** The window the server stated, when it did. */
  readonly contextWindow?: number;
  /** The prompt size the server stated, when it did. */
  readonly promptTokens?: number;
}

/*
 * The phrasings servers use, collected from their sources and issue trackers:
 *   OpenAI      code 'context_length_exceeded': "This model's maximum context length is 128000 tokens. However, your messages resulted in 130415 tokens. …"
 *   vLLM        "This model's maximum context length is 4096 tokens. However, you requested 5000 tokens (4000 in the messages, 1000 in the completion). …"
 *               "… maximum context length is 4096 tokens and your request has 3500 input tokens (1000 > 4096 - 3500)."
 *               "The decoder prompt (length 5000) is longer than the maximum model length of 4096. …"
 *   llama.cpp   type 'exceed_context_size_error': "the request exceeds the available context size, try increasing it"
 *   Ollama      "input length exceeds maximum context length" / "prompt too long; exceeded max context length by N tokens"
 *   LM Studio   "… the model is loaded with context length of only 4096 tokens, which is not enough. …"
 *   OpenRouter  "This endpoint's maximum context length is 131072 tokens. However, you requested about 150000 tokens …"
 *   Anthropic   type 'invalid_request_error': "prompt is too long: 210000 tokens > 200000 maximum"
 */
const CONTEXT_PHRASES = [
  /context_length_exceeded/i,
  /exceed_context_size/i,
  /maximum context length/i,
  /max(imum)? model length/i,
  /exceeds? (the )?(available |maximum )?context( size| length| window)?/i,
  /context length of only/i,
  /prompt (is )?too long/i,
  /too many (input )?tokens/i,
];

function toNumber(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const value = Number(text.replace(/,/g, ''));
  return Number.isFinite(value) ? value : undefined;
}

/**
 * Whether a 4xx error (its code, type and message) says the prompt does not fit the model's
 * window, and the numbers it gave. `undefined` when it is some other error.
 */
export function detectContextWindowExceeded(
  statusCode: number,
  fields: { code?: unknown; type?: unknown; message: string },
): ContextWindowExceededDetails | undefined {
  if (statusCode !== 400 && statusCode !== 413 && statusCode !== 422) return undefined;
  const haystack = `${String(fields.code ?? '')} ${String(fields.type ?? '')} ${fields.message}`;
  if (!CONTEXT_PHRASES.some((phrase) => phrase.test(haystack))) return undefined;
  // Anthropic states both numbers in one phrase: "N tokens > M maximum".
  const anthropic = /([\d,]+)\s+tokens\s*>\s*([\d,]+)\s+maximum/i.exec(fields.message);
  const contextWindow = toNumber(
    anthropic?.[2] ??
      /(?:maximum context length is|maximum model length of|context length of only)\s+(?:about\s+)?([\d,]+)/i.exec(
        fields.message,
      )?.[1],
  );
  const promptTokens = toNumber(
    anthropic?.[1] ??
      /(?:resulted in|you requested|request has|prompt \(length)\s+(?:about\s+)?([\d,]+)/i.exec(
        fields.message,
      )?.[1],
  );
  return {
    ...(contextWindow === undefined ? {} : { contextWindow }),
    ...(promptTokens === undefined ? {} : { promptTokens }),
  };
}
