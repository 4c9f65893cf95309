/** Median and spread of repeated measurements, for benchmark tables. */
export interface Summary {
  readonly median: number;
  readonly p10: number;
  readonly p90: number;
  readonly min: number;
  readonly max: number;
  readonly runs: number;
}

export function summarize(samples: readonly number[]): Summary {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * (sorted.length - 1)))]!;
  return {
    median: at(0.5),
    p10: at(0.1),
    p90: at(0.9),
    min: sorted[0]!,
    max: sorted.at(-1)!,
    runs: sorted.length,
  };
}

export function formatRow(name: string, summary: Summary, unit = 'ms', digits = 3): string {
  const f = (value: number) => value.toFixed(digits);
  return `| ${name} | ${f(summary.median)} ${unit} | ${f(summary.p10)}–${f(summary.p90)} | ${f(summary.min)}–${f(summary.max)} | ${summary.runs} |`;
}

export const TABLE_HEADER = '| measurement | median | p10–p90 | min–max | runs |\n|---|---|---|---|---|';
