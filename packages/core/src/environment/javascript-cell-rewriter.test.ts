import { afterEach, describe, expect, it, vi } from 'vitest';

/** A fresh copy of the module: its loaded state is per process, and each test needs a cold one. */
async function freshRewriterModule() {
  vi.resetModules();
  return import('./javascript-cell-rewriter');
}

const isPromise = (value: unknown) => typeof (value as Promise<unknown>)?.then === 'function';

describe('the lazily loaded cell rewriter', () => {
  afterEach(() => {
    vi.resetModules();
  });

  it('loads on first use, then is handed out as is', async () => {
    const { loadCellRewriter } = await freshRewriterModule();
    const first = loadCellRewriter();
    expect(isPromise(first)).toBe(true);
    const rewrite = await first;
    expect(loadCellRewriter()).toBe(rewrite);
    const cell = rewrite('const a = 1;\na + 1');
    expect(cell.ok).toBe(true);
    expect(cell.ok && cell.declaredNames).toEqual(['a']);
  });

  it('is loaded by the warm-up without anyone asking for it, and a second warm-up does nothing more', async () => {
    const { loadCellRewriter, warmUpCellRewriter } = await freshRewriterModule();
    warmUpCellRewriter();
    warmUpCellRewriter();
    // The warm-up runs in later macrotasks: give it time, without asking for the rewriter meanwhile.
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    const rewrite = loadCellRewriter();
    expect(isPromise(rewrite)).toBe(false);
    expect(typeof rewrite).toBe('function');
  });

  it('without a warm-up, is still a promise after the same wait: loading is not eager', async () => {
    const { loadCellRewriter } = await freshRewriterModule();
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(isPromise(loadCellRewriter())).toBe(true);
  });
});
