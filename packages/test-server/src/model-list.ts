import type { WireProtocolName } from './recorded-request';

const openaiModels = ['gpt-4o', 'gpt-4o-mini', 'gpt-5', 'gpt-5-mini'];
const anthropicModels = [
  ['claude-sonnet-4-5', 'Claude Sonnet 4.5'],
  ['claude-haiku-4-5', 'Claude Haiku 4.5'],
  ['claude-opus-4-1', 'Claude Opus 4.1'],
] as const;

/** The body of `GET /v1/models`: a short fixed list in the provider's own shape. */
export function modelList(protocol: WireProtocolName): unknown {
  if (protocol === 'openai') {
    return {
      object: 'list',
      data: openaiModels.map((id) => ({ id, object: 'model', created: 1_715_367_049, owned_by: 'system' })),
    };
  }
  return {
    data: anthropicModels.map(([id, displayName]) => ({
      type: 'model',
      id,
      display_name: displayName,
      created_at: '2025-09-29T00:00:00Z',
    })),
    has_more: false,
    first_id: anthropicModels[0][0],
    last_id: anthropicModels[anthropicModels.length - 1]![0],
  };
}
