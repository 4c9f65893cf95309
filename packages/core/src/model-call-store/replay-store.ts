import type { ModelCallKey, ModelCallStore, RecordedModelCall, StoredModelCall } from './model-call-store';

/** A replay store, and how many of its recorded answers were not served (yet). */
export interface ReplayStore extends ModelCallStore {
  readonly kind: 'replay';
  /** Recorded answers not served: after a run, those of calls the resumed run did not make again. */
  unserved(): number;
}

/**
 * The store a resumed run looks every model call up in first: the answers the earlier attempt
 * recorded. A key asked several times (a sampled model asked the same thing twice) gets its recorded
 * answers in the order they were recorded, each once; past them, it misses and the call is sent.
 * `put` keeps nothing: the run records its new calls itself.
 */
export function createReplayStore(calls: readonly RecordedModelCall[]): ReplayStore {
  const queues = new Map<string, StoredModelCall[]>();
  for (const { hash, provider, modelId, ...answer } of calls) {
    const id = queueId({ hash, provider, modelId });
    const queue = queues.get(id);
    if (queue) queue.push(answer);
    else queues.set(id, [answer]);
  }
  let unserved = calls.length;
  return {
    kind: 'replay',
    async get(key) {
      const answer = queues.get(queueId(key))?.shift();
      if (answer) unserved -= 1;
      return answer;
    },
    async put() {},
    unserved: () => unserved,
  };
}

function queueId(key: ModelCallKey): string {
  return `${key.provider}\u0000${key.modelId}\u0000${key.hash}`;
}
