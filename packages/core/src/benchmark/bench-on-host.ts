import { measure } from './measure';
import { type Stats, summarize } from './stats';

/**
 * Times benchmark cells run directly in this process's V8, as a baseline for the same cells inside
 * an environment: each cell, an expression over `context` (as {@link BENCHMARK_STRING_WORK}'s are),
 * is compiled once as `new Function('context', 'return ' + code)` and called with `context`. The
 * rows are named `<row>, host V8`.
 */
export async function benchOnHost(
  context: string,
  cells: Readonly<Record<string, string>>,
  options: { readonly runs?: number; readonly warmup?: number } = {},
): Promise<Stats[]> {
  const rows: Stats[] = [];
  for (const [row, code] of Object.entries(cells)) {
    const run = new Function('context', `return ${code}`) as (context: string) => unknown;
    const samples = await measure(options.runs ?? 7, options.warmup ?? 1, async () => {
      const started = performance.now();
      run(context);
      return performance.now() - started;
    });
    rows.push(summarize(`${row}, host V8`, samples));
  }
  return rows;
}
