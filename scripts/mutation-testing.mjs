#!/usr/bin/env node
// `pnpm test:mutation [suite ...] [-- stryker options]`: runs Stryker once per test suite (core,
// integration, openai, anthropic, ai-sdk; all by default), each with its own vitest project, then merges the
// reports (a mutant is killed when any suite killed it) and prints the score per folder.
// E.g. `pnpm test:mutation core -- --mutate 'packages/core/src/text/**/*.ts,!**/*.test.ts'`.
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, existsSync } from 'node:fs';

const SUITES = ['core', 'integration', 'openai', 'anthropic', 'ai-sdk'];
const args = process.argv.slice(2);
const split = args.indexOf('--');
const named = split === -1 ? args : args.slice(0, split);
const strykerArgs = split === -1 ? [] : args.slice(split + 1);
for (const suite of named) {
  if (!SUITES.includes(suite)) {
    console.error(`Unknown suite '${suite}'. Suites: ${SUITES.join(', ')}. Stryker options go after --.`);
    process.exit(2);
  }
}
const suites = named.length > 0 ? named : SUITES;

let failed = false;
for (const suite of suites) {
  console.log(`\n== mutation testing: the ${suite} suite ==`);
  const run = spawnSync('pnpm', ['exec', 'stryker', 'run', ...strykerArgs], {
    stdio: 'inherit',
    env: { ...process.env, RLM_MUTATION_SUITE: suite },
  });
  if (run.status !== 0) {
    console.error(`Stryker failed for the ${suite} suite (exit ${run.status}).`);
    failed = true;
  }
}

// Stryker's in-place restore writes files back without their mode: executables tracked by git
// (bin scripts) would lose their x bit and show up as changed. Put the bit back.
for (const line of execFileSync('git', ['ls-files', '-s'], { encoding: 'utf8' }).split('\n')) {
  const [mode, , , path] = line.split(/\s+/);
  if (mode === '100755' && path && existsSync(path)) chmodSync(path, 0o755);
}

const reports = SUITES.map((suite) => `reports/mutation/${suite}/mutation.json`).filter((path) =>
  existsSync(path),
);
const scores = spawnSync('node', ['scripts/mutation-scores.mjs', ...reports], { stdio: 'inherit' });
process.exit(failed ? 1 : (scores.status ?? 1));
