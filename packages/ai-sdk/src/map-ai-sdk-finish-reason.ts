import type { FinishReason } from '@rlm/core';
import type { AISDKFinishReason } from './ai-sdk-language-model';

/**
 * An AI SDK finish reason (a V2 string, or V3/V4's `{ unified, raw }`) as core's. Tool calls never
 * happen here (the bridge sends no tools), so they and `'unknown'` become `'other'`; V4's
 * `'interrupted'` (the stream ended without saying why, the output may be cut) is an `'error'`.
 */
export function mapAISDKFinishReason(reason: AISDKFinishReason | undefined): FinishReason | undefined {
  const unified = typeof reason === 'string' ? reason : reason?.unified;
  switch (unified) {
    case undefined:
      return undefined;
    case 'stop':
    case 'length':
    case 'content-filter':
    case 'error':
      return unified;
    case 'interrupted':
      return 'error';
    default:
      return 'other';
  }
}
