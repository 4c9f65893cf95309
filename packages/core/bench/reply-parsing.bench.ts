/**
 * Time per MB of the loop's parsers of model replies, on adversarial shapes (finding 7 of issue 8).
 * A linear parser shows the same time per MB at every size; a quadratic one doubles it when the
 * size doubles.
 *
 * Run (from the repository root):
 *   pnpm --filter @rlm/integration-tests exec tsx ../core/bench/reply-parsing.bench.ts [--impl DIR] [--sizes 16384,32768] [--runs 5]
 * `--impl` is a folder holding `extract-code-blocks.ts` and `find-final-in-prose.ts` (default: this
 * package's `src/text`), so that an older copy can be measured the same way.
 */
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { measure, summarize } from '../src/benchmark/index';
import { REPLY_SHAPES } from './reply-shapes';

const argument = (name: string, fallback: string): string => {
  const index = process.argv.indexOf(`--${name}`);
  return index === -1 ? fallback : process.argv[index + 1]!;
};
const implementation = path.resolve(argument('impl', path.join(import.meta.dirname, '../src/text')));
const sizes = argument('sizes', '262144,1048576').split(',').map(Number);
const runs = Number(argument('runs', '5'));
const only = argument('only', '');

const { extractRunnableCodeBlocks } = (await import(
  pathToFileURL(path.join(implementation, 'extract-code-blocks.ts')).href
)) as typeof import('../src/text/extract-code-blocks');
const { findFinalInProse } = (await import(
  pathToFileURL(path.join(implementation, 'find-final-in-prose.ts')).href
)) as typeof import('../src/text/find-final-in-prose');

const rows: string[] = [];
for (const [name, build] of Object.entries(REPLY_SHAPES)) {
  if (only && !name.includes(only)) continue;
  for (const size of sizes) {
    const reply = build(size);
    const perMb = (milliseconds: number) => milliseconds / (reply.length / 1_048_576);
    const samples = await measure(runs, 1, async () => {
      const started = performance.now();
      extractRunnableCodeBlocks(reply, 'javascript');
      findFinalInProse(reply);
      return perMb(performance.now() - started);
    });
    const stats = summarize(name, samples);
    const row = `| ${name} | ${reply.length.toLocaleString('en-US')} | ${stats.median.toFixed(1)} | ${stats.min.toFixed(1)}–${stats.max.toFixed(1)} | ${stats.runs} |`;
    rows.push(row);
    console.log(row);
  }
}
console.log(
  `\nimplementation: ${implementation}\nnode ${process.version}, ${os.cpus().length} × ${os.cpus()[0]?.model}, load average ${os
    .loadavg()
    .map((load) => load.toFixed(2))
    .join(
      ' ',
    )}\n| shape | characters | ms per MB (median) | min–max | runs |\n|---|---|---|---|---|\n${rows.join('\n')}`,
);
