/**
 * Whether a model id names one of OpenAI's reasoning models (`o1`, `o3-mini`, `o4-mini`, `gpt-5*`,
 * `gpt-6.1-sol`, …). A router prefix such as OpenRouter's `openai/` is ignored. Chat variants
 * (`gpt-5-chat-latest`) are not reasoning models. Unknown families are assumed not to be.
 */
export function isReasoningModel(modelId: string): boolean {
  const id = modelId.slice(modelId.lastIndexOf('/') + 1).toLowerCase();
  if (/^o\d/.test(id)) return true;
  const generation = /^gpt-(\d+)/.exec(id);
  return generation !== null && Number(generation[1]) >= 5 && !id.includes('-chat');
}
