import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ResultRecord } from '../run/result-record';
import { aggregateResults } from './aggregate-results';
import { harnessCheckTitle, type RunDescription, resultsCsv, resultsMarkdown } from './results-table';
import { scoreChartSvg } from './score-chart';

/** Writes results.md, results.csv and chart.svg for `records`; returns their paths. */
export function writeOutputs(out: string, records: readonly ResultRecord[], run: RunDescription): string[] {
  const cells = aggregateResults(records);
  const paths = [join(out, 'results.md'), join(out, 'results.csv'), join(out, 'chart.svg')];
  writeFileSync(paths[0] as string, resultsMarkdown(cells, run));
  writeFileSync(paths[1] as string, resultsCsv(cells, run));
  writeFileSync(
    paths[2] as string,
    scoreChartSvg(
      cells,
      harnessCheckTitle(run.offline, run.title),
      `root ${run.model}, sub-model ${run.subModel}; mean score per task, context length and strategy (${records.length} runs)`,
    ),
  );
  return paths;
}
