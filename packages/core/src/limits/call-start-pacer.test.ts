import { describe, expect, it } from 'vitest';
import { CallStartPacer } from './call-start-pacer';

const nextMacrotask = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('CallStartPacer', () => {
  it('lets a call alone in its macrotask begin at once', async () => {
    const pacer = new CallStartPacer();
    expect(pacer.turn()).toBeUndefined();
    await nextMacrotask();
    await nextMacrotask();
    expect(pacer.turn()).toBeUndefined();
  });

  it('lets calls that come together begin one per macrotask, in the order they came', async () => {
    const pacer = new CallStartPacer();
    const begun: number[] = [];
    const macrotaskOf: number[] = [];
    let macrotask = 0;
    let counting = true;
    const count = () => {
      if (!counting) return;
      macrotask++;
      setImmediate(count);
    };
    setImmediate(count);
    for (let index = 0; index < 8; index++) {
      const turn = pacer.turn();
      const begin = () => {
        begun.push(index);
        macrotaskOf.push(macrotask);
      };
      if (turn === undefined) begin();
      else void turn.then(begin);
    }
    expect(begun).toEqual([0]);
    while (begun.length < 8) await nextMacrotask();
    counting = false;
    expect(begun).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    // Never two in one macrotask.
    expect(new Set(macrotaskOf).size).toBe(8);
  });

  it('queues a call that comes in a later macrotask behind those still waiting', async () => {
    const pacer = new CallStartPacer();
    const begun: string[] = [];
    pacer.turn();
    void pacer.turn()?.then(() => begun.push('second'));
    void pacer.turn()?.then(() => begun.push('third'));
    await nextMacrotask();
    const late = pacer.turn();
    expect(late).toBeDefined();
    void late?.then(() => begun.push('late'));
    while (begun.length < 3) await nextMacrotask();
    expect(begun).toEqual(['second', 'third', 'late']);
  });
});
