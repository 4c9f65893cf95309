import type { Stats } from './stats';

/** A duration in milliseconds with as many digits as its size deserves. */
export function formatMilliseconds(ms: number): string {
  if (ms < 10) return ms.toFixed(3);
  return ms < 1_000 ? ms.toFixed(1) : ms.toFixed(0);
}

/**
 * One markdown table of `rows`, a line each: runs, median, min, p25, p75, max and the note, in
 * milliseconds.
 */
export function formatStatsTable(rows: readonly Stats[]): string {
  const f = formatMilliseconds;
  return [
    '| benchmark | runs | median ms | min | p25 | p75 | max | note |',
    '|---|---|---|---|---|---|---|---|',
    ...rows.map(
      (stats) =>
        `| ${stats.name} | ${stats.runs} | ${f(stats.median)} | ${f(stats.min)} | ${f(stats.p25)} | ${f(stats.p75)} | ${f(stats.max)} | ${stats.note ?? ''} |`,
    ),
  ].join('\n');
}

/**
 * One markdown table that sets measurements side by side: a column per key of `columns` (e.g. an
 * environment), a line per row name in the order they first appear, each cell `median (p25–p75)`
 * in milliseconds, `–` where a column has no such row.
 */
export function formatStatsComparison(columns: Readonly<Record<string, readonly Stats[]>>): string {
  const names = Object.keys(columns);
  const rowNames = [...new Set(Object.values(columns).flatMap((rows) => rows.map((row) => row.name)))];
  const cell = (stats: Stats | undefined) =>
    stats
      ? `${formatMilliseconds(stats.median)} (${formatMilliseconds(stats.p25)}–${formatMilliseconds(stats.p75)})`
      : '–';
  return [
    `| measurement | ${names.join(' | ')} |`,
    `|---|${names.map(() => '---').join('|')}|`,
    ...rowNames.map(
      (row) =>
        `| ${row} | ${names.map((name) => cell(columns[name]?.find((stats) => stats.name === row))).join(' | ')} |`,
    ),
  ].join('\n');
}
