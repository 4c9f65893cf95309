import { createHash } from 'node:crypto';
import type { ModelCallKey, ModelCallStore } from '@rlm/core';

/**
 * The store with keys that also name the server the requests go to. Core's key holds the provider
 * and the model id, not the address: `openai:qwen3` on one `--base-url` server (an Ollama build, a
 * quantisation) need not answer as `openai:qwen3` on another, so their answers are kept apart. Without
 * a base URL (the provider's own API) the keys are core's.
 */
export function cachePerServer(store: ModelCallStore, baseUrl: string | undefined): ModelCallStore {
  if (baseUrl === undefined) return store;
  const server = baseUrl.replace(/\/+$/, '');
  const keyFor = (key: ModelCallKey): ModelCallKey => ({
    ...key,
    hash: createHash('sha256').update(`${server}\n${key.hash}`).digest('hex'),
  });
  return {
    kind: store.kind,
    get: (key) => store.get(keyFor(key)),
    put: (key, call) => store.put(keyFor(key), call),
  };
}
