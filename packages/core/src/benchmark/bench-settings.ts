/** How many runs a benchmark script makes and over which contexts: see {@link benchSettings}. */
export interface BenchSettings {
  /** Measured runs of each row. */
  readonly runs: number;
  /** Sizes of the contexts, in MB of 10^6 characters, as `benchEnvironment`'s `contextSizesMb`. */
  readonly contextSizesMb: readonly number[];
  /** The largest of `contextSizesMb`: the size of the context of the string work. */
  readonly largestMb: number;
}

/**
 * The settings of a benchmark script from its command line and environment, so that every
 * environment's benchmark is shortened the same way: `runs` from the first argument after the
 * script (`pnpm bench 2`, default 7), the context sizes from `BENCH_SIZES_MB` (comma-separated,
 * default `1,10,50`).
 */
export function benchSettings(
  argv: readonly string[] = process.argv,
  env: Readonly<Record<string, string | undefined>> = process.env,
): BenchSettings {
  const contextSizesMb = (env.BENCH_SIZES_MB ?? '1,10,50').split(',').map(Number);
  return { runs: Number(argv[2] ?? 7), contextSizesMb, largestMb: Math.max(...contextSizesMb) };
}
