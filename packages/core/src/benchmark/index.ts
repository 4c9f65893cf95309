/**
 * Helpers for benchmark scripts (`@rlm/core/benchmark`), so that every package — ours and plugin
 * authors' — reports medians and spreads the same way. Plain functions, no test runner needed.
 */
export { type BenchEnvironmentOptions, benchEnvironment } from './bench-environment';
export { BENCHMARK_STRING_WORK, makeBenchmarkLines } from './benchmark-context';
export { formatMilliseconds, formatStatsComparison, formatStatsTable } from './format-stats-table';
export { measure } from './measure';
export { quantile, type Stats, summarize } from './stats';
export { type HostWatch, watchHost } from './watch-host';
