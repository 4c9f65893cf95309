import type { ChatMessage } from '@rlm/core';

/** One slot of the pool: a sequence's chat, and the messages it last held (its KV cache). */
export interface PooledSlot<Chat> {
  readonly chat: Chat;
  lastMessages: readonly ChatMessage[];
}

/**
 * Hands the sequences of one context to concurrent calls: each call takes a free slot, the others
 * wait in order. Among free slots it picks the one whose last conversation shares the most leading
 * messages with the new one, so the loop's growing history reuses its KV cache instead of
 * evaluating the whole prompt again.
 */
export class SequencePool<Chat> {
  private readonly free: PooledSlot<Chat>[];
  private readonly waiting: {
    messages: readonly ChatMessage[];
    resolve: (slot: PooledSlot<Chat>) => void;
  }[] = [];

  /** The number of slots. */
  readonly size: number;

  constructor(chats: readonly Chat[]) {
    this.free = chats.map((chat) => ({ chat, lastMessages: [] }));
    this.size = chats.length;
  }

  /** The number of slots running a call. */
  get busyCount(): number {
    return this.size - this.free.length;
  }

  /** The number of calls waiting for a slot. */
  get waitingCount(): number {
    return this.waiting.length;
  }

  /** Takes a slot for `messages`; waits (abortably) while all are busy. */
  acquire(messages: readonly ChatMessage[], signal?: AbortSignal): Promise<PooledSlot<Chat>> {
    signal?.throwIfAborted();
    const slot = this.takeBest(messages);
    if (slot) return Promise.resolve(slot);
    return new Promise((resolve, reject) => {
      const entry = {
        messages,
        resolve: (taken: PooledSlot<Chat>) => {
          signal?.removeEventListener('abort', onAbort);
          resolve(taken);
        },
      };
      const onAbort = () => {
        const index = this.waiting.indexOf(entry);
        if (index >= 0) this.waiting.splice(index, 1);
        reject(signal?.reason);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.waiting.push(entry);
    });
  }

  /** Gives a slot back; the first waiting call takes it. */
  release(slot: PooledSlot<Chat>): void {
    const next = this.waiting.shift();
    if (next) next.resolve(slot);
    else this.free.push(slot);
  }

  private takeBest(messages: readonly ChatMessage[]): PooledSlot<Chat> | undefined {
    if (this.free.length === 0) return undefined;
    let best = 0;
    let bestShared = -1;
    for (const [index, slot] of this.free.entries()) {
      const shared = sharedLeadingMessages(slot.lastMessages, messages);
      if (shared > bestShared) {
        best = index;
        bestShared = shared;
      }
    }
    return this.free.splice(best, 1)[0];
  }
}

function sharedLeadingMessages(a: readonly ChatMessage[], b: readonly ChatMessage[]): number {
  let count = 0;
  while (
    count < a.length &&
    count < b.length &&
    a[count]!.role === b[count]!.role &&
    a[count]!.content === b[count]!.content
  ) {
    count++;
  }
  return count;
}
