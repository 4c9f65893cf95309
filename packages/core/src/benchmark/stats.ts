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
