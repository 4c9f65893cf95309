import type { ChatMessage } from '@rlm/core';
import { describe, expect, it } from 'vitest';
import { SequencePool } from './sequence-pool';

const user = (content: string): ChatMessage => ({ role: 'user', content });
const system: ChatMessage = { role: 'system', content: 'REPL rules' };

describe('SequencePool', () => {
  it('hands a free slot to the conversation that shares the most leading messages with its last one', async () => {
    const pool = new SequencePool(['a', 'b', 'c']);
    const a = await pool.acquire([system, user('root turn 1')]);
    const b = await pool.acquire([user('sub-call 1')]);
    a.lastMessages = [system, user('root turn 1')];
    b.lastMessages = [user('sub-call 1')];
    pool.release(b);
    pool.release(a);
    // The root's next turn goes back to the slot holding its history (its KV cache), whatever the order.
    const next = await pool.acquire([
      system,
      user('root turn 1'),
      { role: 'assistant', content: 'x' },
      user('turn 2'),
    ]);
    expect(next.chat).toBe('a');
    const sub = await pool.acquire([user('sub-call 1')]);
    expect(sub.chat).toBe('b');
  });

  it('queues calls beyond the slots in order, and an aborted wait leaves the queue', async () => {
    const pool = new SequencePool(['only']);
    const held = await pool.acquire([user('1')]);
    const order: string[] = [];
    const controller = new AbortController();
    const second = pool.acquire([user('2')]).then((slot) => {
      order.push('2');
      return slot;
    });
    const cancelled = pool.acquire([user('3')], controller.signal);
    const fourth = pool.acquire([user('4')]).then((slot) => {
      order.push('4');
      return slot;
    });
    expect(pool.waitingCount).toBe(3);
    controller.abort(new Error('gone'));
    await expect(cancelled).rejects.toThrow('gone');
    expect(pool.waitingCount).toBe(2);
    pool.release(held);
    pool.release(await second);
    pool.release(await fourth);
    expect(order).toEqual(['2', '4']);
    expect(pool.busyCount).toBe(0);
  });
});
