import { STRATEGY_DESCRIPTIONS, STRATEGY_NAMES } from '../strategies/strategy';
import { TASK_FAMILIES } from '../tasks/bench-instance';
import { formatCount, formatTokens, type ResultCell } from './aggregate-results';

/** What the outputs say about the run that made them. */
export interface RunDescription {
  readonly title: string;
  readonly offline: boolean;
  readonly model: string;
  readonly subModel: string;
  readonly command: string;
  readonly machine: string;
}

export function harnessCheckTitle(offline: boolean, title: string): string {
  return offline ? `HARNESS CHECK, not results: ${title} (offline scripted models)` : title;
}

function usd(value: number): string {
  return value === 0 ? '0' : value < 0.0001 ? value.toExponential(1) : value.toFixed(4);
}

/** The markdown report: the run, then one row per task × size × strategy. */
export function resultsMarkdown(cells: readonly ResultCell[], run: RunDescription): string {
  const lines = [
    `# ${harnessCheckTitle(run.offline, run.title)}`,
    '',
    ...(run.offline
      ? [
          '> These numbers come from scripted models on a local test server (an oracle that reads the gold answer, and a',
          '> model that answers only from what fits its window). They check that the harness runs end to end; they say',
          '> nothing about any real model.',
          '',
        ]
      : []),
    `Model \`${run.model}\`, sub-model \`${run.subModel}\`. Command: \`${run.command}\`. Machine: ${run.machine}.`,
    '',
    'Score: mean over the instances, 0–100 (OOLONG counts 0.75^|error|, OOLONG-Pairs F1 over pairs, the others exact match), with min–max. ' +
      'USD and tokens: mean per instance. Wall: median seconds per instance. Calls and sub-calls: mean per instance.',
    '',
    '| task | context | strategy | n | score | min–max | USD | tokens | wall s | calls | sub-calls | errors |',
    '|---|---|---|---|---|---|---|---|---|---|---|---|',
    ...cells.map(
      (cell) =>
        `| ${cell.family} | ${formatTokens(cell.sizeTokens)} | ${cell.strategy} | ${cell.instances} | ${cell.score.toFixed(1)} | ${cell.minScore.toFixed(0)}–${cell.maxScore.toFixed(0)} | ${usd(cell.costUsd)}${cell.callsWithUnknownCost ? ' (+unpriced)' : ''} | ${formatCount(cell.tokens)} | ${cell.wallSeconds.toFixed(1)} | ${cell.calls.toFixed(1)} | ${cell.subCalls.toFixed(1)}${cell.failedSubCalls ? ` (${cell.failedSubCalls} failed)` : ''} | ${cell.errors} |`,
    ),
    '',
    ...table1Shape(cells),
    'Strategies:',
    '',
    ...Object.entries(STRATEGY_DESCRIPTIONS).map(([name, description]) => `- \`${name}\`: ${description}`),
    '',
  ];
  return lines.join('\n');
}

/** Mean scores with strategies as rows and tasks as columns, one table per size: the layout of the paper's Table 1. */
function table1Shape(cells: readonly ResultCell[]): string[] {
  const families = TASK_FAMILIES.filter((family) => cells.some((cell) => cell.family === family));
  const strategies = STRATEGY_NAMES.filter((strategy) => cells.some((cell) => cell.strategy === strategy));
  const sizes = [...new Set(cells.map((cell) => cell.sizeTokens))].sort((a, b) => a - b);
  const lines: string[] = [];
  for (const size of sizes) {
    lines.push(
      `Mean score by strategy at ${formatTokens(size)} tokens (the layout of the paper's Table 1):`,
      '',
    );
    lines.push(`| strategy | ${families.join(' | ')} |`, `|---|${families.map(() => '---|').join('')}`);
    for (const strategy of strategies) {
      const scores = families.map((family) => {
        const cell = cells.find(
          (candidate) =>
            candidate.family === family && candidate.sizeTokens === size && candidate.strategy === strategy,
        );
        return cell ? cell.score.toFixed(1) : '–';
      });
      lines.push(`| ${strategy} | ${scores.join(' | ')} |`);
    }
    lines.push('');
  }
  return lines;
}

function csvField(value: string | number): string {
  const text = String(value);
  return /[",\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** The same rows as the markdown table, as CSV (plain numbers, no formatting). */
export function resultsCsv(cells: readonly ResultCell[], run: RunDescription): string {
  const header = [
    'task',
    'context_tokens',
    'strategy',
    'instances',
    'score_mean',
    'score_min',
    'score_max',
    'usd_mean',
    'tokens_mean',
    'wall_seconds_median',
    'calls_mean',
    'sub_calls_mean',
    'failed_sub_calls',
    'errors',
    'calls_with_unknown_cost',
    'model',
    'sub_model',
    'offline',
  ];
  const rows = cells.map((cell) =>
    [
      cell.family,
      cell.sizeTokens,
      cell.strategy,
      cell.instances,
      cell.score.toFixed(2),
      cell.minScore.toFixed(2),
      cell.maxScore.toFixed(2),
      cell.costUsd.toFixed(6),
      Math.round(cell.tokens),
      cell.wallSeconds.toFixed(3),
      cell.calls.toFixed(2),
      cell.subCalls.toFixed(2),
      cell.failedSubCalls,
      cell.errors,
      cell.callsWithUnknownCost,
      run.model,
      run.subModel,
      run.offline ? 'yes' : 'no',
    ]
      .map(csvField)
      .join(','),
  );
  return `${[header.join(','), ...rows].join('\n')}\n`;
}
