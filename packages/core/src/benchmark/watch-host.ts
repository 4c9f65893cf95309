/** What {@link watchHost} saw between its start and `stop()`. */
export interface HostWatch {
  /** The longest the host's event loop was blocked, in ms (gap between 1 ms ticks, less the tick). */
  readonly worstLagMs: number;
  /** Peak resident set size above the start, in MiB. */
  readonly peakRssDeltaMb: number;
  /** Peak V8 heap used plus external memory above the start, in MiB. */
  readonly peakHeapDeltaMb: number;
}

/**
 * Watches this process while an attack or workload runs: a 1 ms ticker records the worst event-loop
 * lag and the peaks of RSS and heap (used + external). Call `stop()` when the workload is done.
 */
export function watchHost(): { stop(): HostWatch } {
  const base = process.memoryUsage();
  let peakRss = base.rss;
  let peakHeap = base.heapUsed + base.external;
  let worstLag = 0;
  let last = performance.now();
  const sample = () => {
    const usage = process.memoryUsage();
    peakRss = Math.max(peakRss, usage.rss);
    peakHeap = Math.max(peakHeap, usage.heapUsed + usage.external);
  };
  const ticker = setInterval(() => {
    const now = performance.now();
    worstLag = Math.max(worstLag, now - last - 1);
    last = now;
    sample();
  }, 1);
  return {
    stop() {
      clearInterval(ticker);
      sample();
      return {
        worstLagMs: worstLag,
        peakRssDeltaMb: (peakRss - base.rss) / 2 ** 20,
        peakHeapDeltaMb: (peakHeap - base.heapUsed - base.external) / 2 ** 20,
      };
    },
  };
}
