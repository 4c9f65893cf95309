#!/usr/bin/env node
// The mutation score per folder from one or more of Stryker's JSON reports (default: every suite's
// under reports/mutation/). A mutant found in several reports (one per test suite) counts as killed
// when any suite killed it. Score = killed + timed out over every valid mutant, as Stryker counts it.
// Usage: node scripts/mutation-scores.mjs [report.json ...] [--min 85]   (exit 1 when a folder is below --min)
import { existsSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';

const args = process.argv.slice(2);
const minIndex = args.indexOf('--min');
const min = minIndex === -1 ? undefined : Number(args[minIndex + 1]);
let paths = args.filter((arg, index) => arg !== '--min' && (minIndex === -1 || index !== minIndex + 1));
if (paths.length === 0) {
  paths = ['core', 'integration', 'openai', 'anthropic', 'ai-sdk']
    .map((suite) => `reports/mutation/${suite}/mutation.json`)
    .filter((path) => existsSync(path));
}
if (paths.length === 0) {
  console.error('No mutation report found: run `pnpm test:mutation` first, or name report files.');
  process.exit(2);
}

// Best status first: a mutant's merged status is the best any suite gave it.
const RANK = ['Killed', 'Timeout', 'Survived', 'NoCoverage'];
const merged = new Map();
for (const path of paths) {
  const report = JSON.parse(readFileSync(path, 'utf8'));
  for (const [file, { mutants }] of Object.entries(report.files)) {
    for (const mutant of mutants) {
      if (!RANK.includes(mutant.status)) continue;
      const { start, end } = mutant.location;
      const key = `${file}:${start.line}:${start.column}-${end.line}:${end.column}:${mutant.mutatorName}:${mutant.replacement}`;
      const seen = merged.get(key);
      if (!seen || RANK.indexOf(mutant.status) < RANK.indexOf(seen.status))
        merged.set(key, { file, status: mutant.status });
    }
  }
}

const folders = new Map();
for (const { file, status } of merged.values()) {
  const row = folders.get(dirname(file)) ?? { Killed: 0, Timeout: 0, Survived: 0, NoCoverage: 0 };
  row[status]++;
  folders.set(dirname(file), row);
}
const score = (row) => {
  const detected = row.Killed + row.Timeout;
  const total = detected + row.Survived + row.NoCoverage;
  return total === 0 ? 100 : (100 * detected) / total;
};
const lines = [
  `mutation score per folder (${paths.join(', ')})`,
  '| folder | score | killed | timeout | survived | no coverage |',
  '|---|---:|---:|---:|---:|---:|',
];
const all = { Killed: 0, Timeout: 0, Survived: 0, NoCoverage: 0 };
let below = false;
for (const [folder, row] of [...folders].sort(([a], [b]) => a.localeCompare(b))) {
  for (const status of RANK) all[status] += row[status];
  if (min !== undefined && score(row) < min) below = true;
  lines.push(
    `| ${folder} | ${score(row).toFixed(1)}% | ${row.Killed} | ${row.Timeout} | ${row.Survived} | ${row.NoCoverage} |`,
  );
}
lines.push(
  `| all | ${score(all).toFixed(1)}% | ${all.Killed} | ${all.Timeout} | ${all.Survived} | ${all.NoCoverage} |`,
);
console.log(lines.join('\n'));
if (below) {
  console.error(
    `\nA folder scores under ${min}%: its surviving mutants are in reports/mutation/<suite>/index.html.`,
  );
  process.exit(1);
}
