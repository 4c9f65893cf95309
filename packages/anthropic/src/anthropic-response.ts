import type { AnthropicWireUsage } from './convert-anthropic-usage';

/** What the provider keeps of one Messages API response, JSON or streamed. */
export interface AnthropicResponse {
  /** The text blocks joined; thinking and redacted thinking blocks left out. */
  readonly text: string;
  readonly usage: AnthropicWireUsage;
  readonly stopReason: string | null;
  readonly id?: string;
  readonly model?: string;
}
