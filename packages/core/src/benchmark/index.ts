/**
 * Helpers for benchmark scripts (`@rlm/core/benchmark`), so that every package — ours and plugin
 * authors' — reports medians and spreads the same way. Plain functions, no test runner needed.
 */

/** The median and spread of repeated measurements. */
export interface Stats {
  readonly name: string;
  readonly runs: number;
  readonly median: number;
  readonly min: number;
  readonly p25: number;
  readonly p75: number;
  readonly max: number;
  readonly note?: string;
}

/** The `q` quantile (0–1) of ascending `sorted` samples, interpolated between neighbours. */
export function quantile(sorted: readonly number[], q: number): number {
  const position = (sorted.length - 1) * q;
  const lower = Math.floor(position);
  const upper = Math.ceil(position);
  return sorted[lower]! + (sorted[upper]! - sorted[lower]!) * (position - lower);
}

/** Median, quartiles and extremes of `samples`, labelled `name`. */
export function summarize(name: string, samples: readonly number[], note?: string): Stats {
  const sorted = [...samples].sort((a, b) => a - b);
  return {
    name,
    runs: samples.length,
    median: quantile(sorted, 0.5),
    min: sorted[0]!,
    p25: quantile(sorted, 0.25),
    p75: quantile(sorted, 0.75),
    max: sorted[sorted.length - 1]!,
    ...(note ? { note } : {}),
  };
}

/** Runs `once` `warmup` times unmeasured, then `runs` times, returning what each run reported. */
export async function measure(runs: number, warmup: number, once: () => Promise<number>): Promise<number[]> {
  for (let i = 0; i < warmup; i++) await once();
  const samples: number[] = [];
  for (let i = 0; i < runs; i++) samples.push(await once());
  return samples;
}

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
