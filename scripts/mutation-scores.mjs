#!/usr/bin/env node
// Prints the mutation score per folder from Stryker's JSON report (reports/mutation/mutation.json by
// default): killed + timed out over every valid mutant, the same formula as Stryker's "total" column.
// Usage: node scripts/mutation-scores.mjs [report.json] [--min 85]  (exits 1 when a folder is below --min)
import { readFileSync } from 'node:fs';
import { dirname } from 'node:path';

const args = process.argv.slice(2);
const minIndex = args.indexOf('--min');
const min = minIndex === -1 ? undefined : Number(args[minIndex + 1]);
const reportPath =
  args.find((arg, index) => !arg.startsWith('--') && index !== minIndex + 1) ??
  'reports/mutation/mutation.json';
const report = JSON.parse(readFileSync(reportPath, 'utf8'));

const DETECTED = new Set(['Killed', 'Timeout']);
const UNDETECTED = new Set(['Survived', 'NoCoverage']);
const folders = new Map();
for (const [file, { mutants }] of Object.entries(report.files)) {
  const folder = dirname(file);
  const row = folders.get(folder) ?? { detected: 0, undetected: 0, survived: 0, noCoverage: 0 };
  for (const { status } of mutants) {
    if (DETECTED.has(status)) row.detected++;
    if (UNDETECTED.has(status)) row.undetected++;
    if (status === 'Survived') row.survived++;
    if (status === 'NoCoverage') row.noCoverage++;
  }
  folders.set(folder, row);
}

let failed = false;
const lines = ['| folder | score | killed+timeout | survived | no coverage |', '|---|---:|---:|---:|---:|'];
let detected = 0;
let undetected = 0;
for (const [folder, row] of [...folders].sort(([a], [b]) => a.localeCompare(b))) {
  const total = row.detected + row.undetected;
  const score = total === 0 ? 100 : (100 * row.detected) / total;
  if (min !== undefined && score < min) failed = true;
  detected += row.detected;
  undetected += row.undetected;
  lines.push(`| ${folder} | ${score.toFixed(1)}% | ${row.detected} | ${row.survived} | ${row.noCoverage} |`);
}
const overall = detected + undetected === 0 ? 100 : (100 * detected) / (detected + undetected);
lines.push(`| all | ${overall.toFixed(1)}% | ${detected} | | |`);
console.log(lines.join('\n'));
if (failed) {
  console.error(
    `\nA folder is below the minimum score of ${min}%: see the report (reports/mutation/index.html) for its surviving mutants.`,
  );
  process.exit(1);
}
