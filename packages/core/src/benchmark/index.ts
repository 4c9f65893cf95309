/**
 * Helpers for benchmark scripts (`@rlm/core/benchmark`), so that every package — ours and plugin
 * authors' — reports medians and spreads the same way. Plain functions, no test runner needed.
 */
export { benchContextKinds } from './bench-context-kinds';
export { type BenchEnvironmentOptions, benchEnvironment } from './bench-environment';
export { benchOnHost } from './bench-on-host';
export { type BenchSettings, benchSettings } from './bench-settings';
export {
  BENCHMARK_STRING_WORK,
  makeBenchmarkLines,
  PYTHON_BENCHMARK_STRING_WORK,
  stringWorkCells,
} from './benchmark-context';
export { benchmarkHostFunctions } from './benchmark-host-functions';
export { makeBenchmarkProse } from './benchmark-prose';
export { countingHostFunctions } from './counting-host-functions';
export { formatMilliseconds, formatStatsComparison, formatStatsTable } from './format-stats-table';
export { measure } from './measure';
export { quantile, type Stats, summarize } from './stats';
export { timeSessionStart } from './time-session-start';
export { type HostWatch, watchHost } from './watch-host';
