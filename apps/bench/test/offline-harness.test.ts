import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readTrajectoryJsonl } from '@rlm/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ResultRecord } from '../src/run/result-record';
import { STRATEGY_NAMES } from '../src/strategies/strategy';
import { TASK_FAMILIES } from '../src/tasks/bench-instance';
import { type BenchRun, runBuiltBench } from './run-built-bench';

/**
 * `rlm-bench --offline` as CI runs it: every task family and strategy at two small sizes, over
 * real HTTP to @rlm/test-server's scripted models, in real QuickJS sandboxes. The oracle's answers
 * must come through the whole loop and the scorer as full scores, the windowed model's must lose
 * what did not fit, and every output must be written.
 */
describe('rlm-bench --offline', () => {
  let folder: string;
  let out: string;
  let first: BenchRun;
  let records: ResultRecord[];

  beforeAll(async () => {
    folder = mkdtempSync(join(tmpdir(), 'rlm-bench-offline-'));
    out = join(folder, 'results');
    first = await runBuiltBench(['--offline', '--out', out], { cwd: folder });
    records = readFileSync(join(out, 'results.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as ResultRecord);
  }, 150_000);

  afterAll(() => rmSync(folder, { recursive: true, force: true }));

  it('runs every family × size × strategy, twice each, and writes the table, CSV, JSONL and chart', () => {
    expect(first.exitCode, first.stderr).toBe(0);
    expect(first.stdout.trim().split('\n')).toEqual(
      ['results.jsonl', 'results.md', 'results.csv', 'chart.svg'].map((name) => join(out, name)),
    );
    expect(records).toHaveLength(TASK_FAMILIES.length * 2 * STRATEGY_NAMES.length * 2);
    for (const family of TASK_FAMILIES) {
      for (const size of [8_192, 16_384]) {
        for (const strategy of STRATEGY_NAMES) {
          expect(
            records.filter(
              (record) =>
                record.family === family && record.sizeTokens === size && record.strategy === strategy,
            ),
            `${family} ${size} ${strategy}`,
          ).toHaveLength(2);
        }
      }
    }
    const table = readFileSync(join(out, 'results.md'), 'utf8');
    expect(table.split('\n')[0]).toMatch(/^# HARNESS CHECK, not results:/);
    expect(
      table.split('\n').filter((line) => /^\| (oolong|oolong-pairs|sniah|browsecomp|codeqa) \|/.test(line)),
    ).toHaveLength(60);
    expect(table).toContain("Mean score by strategy at 16K tokens (the layout of the paper's Table 1):");
    expect(table).toContain('| strategy | oolong | oolong-pairs | sniah | browsecomp | codeqa |');
    expect(table).toContain('| rlm-depth-1 | 100.0 | 100.0 | 100.0 | 100.0 | 100.0 |');
    const csv = readFileSync(join(out, 'results.csv'), 'utf8').trim().split('\n');
    expect(csv[0]).toMatch(/^task,context_tokens,strategy,instances,score_mean/);
    expect(csv).toHaveLength(61);
    const svg = readFileSync(join(out, 'chart.svg'), 'utf8');
    expect(svg).toMatch(/^<svg xmlns="http:\/\/www.w3.org\/2000\/svg"/);
    expect(svg).toContain('HARNESS CHECK, not results');
    expect(svg.match(/context length \(tokens, log scale\)/g)).toHaveLength(TASK_FAMILIES.length);
    expect(svg.match(/score \(%\)/g)).toHaveLength(TASK_FAMILIES.length);
    expect(svg.match(/<polyline /g)).toHaveLength(TASK_FAMILIES.length * STRATEGY_NAMES.length);
    for (const strategy of STRATEGY_NAMES) expect(svg).toContain(`>${strategy}</text>`);
    expect(first.stderr).toMatch(/rlm-bench \[#{24}\] 120\/120 {2}\$\d+\.\d{4} spent/);
  });

  it("the oracle's answers come through every REPL strategy whole; the windowed base model loses what did not fit", () => {
    for (const record of records.filter((record) => record.strategy.startsWith('rlm-'))) {
      expect(record.score, `${record.instance} ${record.strategy}: ${record.answer} / ${record.error}`).toBe(
        1,
      );
      expect(record.error).toBeNull();
    }
    const base = (size: number) =>
      records.filter((record) => record.strategy === 'base' && record.sizeTokens === size);
    // At 8K everything fits the 16K window (CodeQA's files, drawn from the live code base, may run over).
    expect(
      base(8_192)
        .filter((record) => record.family !== 'codeqa')
        .every((record) => record.score === 1),
    ).toBe(true);
    const oolongBase = base(16_384).filter(
      (record) => record.family === 'oolong' || record.family === 'oolong-pairs',
    );
    expect(oolongBase.reduce((sum, record) => sum + record.score, 0) / oolongBase.length).toBeLessThan(0.9);
    expect(records.every((record) => record.usage.inputTokens > 0 && record.usage.costUsd > 0)).toBe(true);
  });

  it('sub-calls: none without them, plain ones at depth 1, a child RLM at depth 2', () => {
    const of = (strategy: string) => records.filter((record) => record.strategy === strategy);
    expect(of('rlm-no-sub-calls').every((record) => record.usage.subCalls === 0)).toBe(true);
    expect(of('codeact-bm25').every((record) => record.usage.subCalls === 0)).toBe(true);
    for (const record of of('rlm-depth-1')) expect(record.usage.subCalls).toBeGreaterThanOrEqual(2);
    for (const record of of('rlm-depth-2')) {
      const sameInstance = of('rlm-depth-1').find((other) => other.instance === record.instance);
      expect(record.usage.subCalls).toBe((sameInstance?.usage.subCalls ?? 0) + 1);
    }
    expect(records.every((record) => record.usage.failedSubCalls === 0)).toBe(true);
  });

  it("keeps a trajectory per run: the RLM's readable by core, a depth-2 one with its child run", async () => {
    for (const record of records)
      expect(existsSync(join(out, record.trajectory)), record.trajectory).toBe(true);
    const depthTwo = records.find((record) => record.strategy === 'rlm-depth-2') as ResultRecord;
    const trajectory = await readTrajectoryJsonl(join(out, depthTwo.trajectory));
    expect(trajectory.iterations.length).toBe(2);
    const subCalls = trajectory.iterations.flatMap((iteration) =>
      iteration.codeBlocks.flatMap((block) => block.subCalls),
    );
    expect(subCalls.filter((call) => call.child !== undefined)).toHaveLength(1);
    expect(subCalls.find((call) => call.child)?.child?.answer).toMatch(/^\d+$/);
    const base = readFileSync(
      join(
        out,
        records.find((record) => record.strategy === 'summary-agent' && record.sizeTokens === 16_384)
          ?.trajectory as string,
      ),
      'utf8',
    )
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { type: string; role?: string });
    expect(base[0]?.type).toBe('metadata');
    expect(base.filter((line) => line.role === 'summarise').length).toBeGreaterThanOrEqual(2);
    expect(base.at(-1)?.type).toBe('end');
  });

  it('is resumable: a rerun skips what is done and does only what is missing', async () => {
    const again = await runBuiltBench(['--offline', '--out', out], { cwd: folder });
    expect(again.exitCode, again.stderr).toBe(0);
    expect(again.stderr).toContain('0 runs done, 120 already done before, 0 not done');
    const lines = readFileSync(join(out, 'results.jsonl'), 'utf8').trim().split('\n');
    writeFileSync(join(out, 'results.jsonl'), `${lines.slice(0, -3).join('\n')}\n`);
    const resumed = await runBuiltBench(['--offline', '--out', out], { cwd: folder });
    expect(resumed.exitCode, resumed.stderr).toBe(0);
    expect(resumed.stderr).toContain('3 runs done, 117 already done before, 0 not done');
    expect(readFileSync(join(out, 'results.jsonl'), 'utf8').trim().split('\n')).toHaveLength(120);
    // An instance whose question or context changed (CodeQA over an edited code base) is not the same instance.
    const changed = readFileSync(join(out, 'results.jsonl'), 'utf8').trim().split('\n');
    const stale = JSON.parse(changed[0] as string) as ResultRecord;
    changed[0] = JSON.stringify({ ...stale, instanceSha256: '0'.repeat(64) });
    writeFileSync(join(out, 'results.jsonl'), `${changed.join('\n')}\n`);
    const rerun = await runBuiltBench(['--offline', '--out', out], { cwd: folder });
    expect(rerun.stderr).toContain('1 runs done, 119 already done before, 0 not done');
    expect(readFileSync(join(out, 'results.md'), 'utf8')).toContain('HARNESS CHECK');
  });
});

describe('rlm-bench without running anything', () => {
  let folder: string;
  beforeAll(() => {
    folder = mkdtempSync(join(tmpdir(), 'rlm-bench-plan-'));
  });
  afterAll(() => rmSync(folder, { recursive: true, force: true }));

  it.each([
    ['openai:gpt-5', /window 400\.0K, \$1\.25\/\$10 per M/],
    ['anthropic:claude-sonnet-4-6', /window 1\.0M, \$3\/\$15 per M/],
  ])('--dry-run for %s prints instances, token volume and estimated cost per strategy, with no key', async (model, facts) => {
    const run = await runBuiltBench(
      ['--model', model, '--dry-run', '--sizes', '8k,128k', '--instances', '3'],
      { cwd: folder },
    );
    expect(run.exitCode, run.stderr).toBe(0);
    expect(run.stdout).toContain('30 instances');
    expect(run.stdout).toMatch(facts);
    for (const strategy of STRATEGY_NAMES)
      expect(run.stdout).toMatch(
        new RegExp(`\\| ${strategy} \\| 30 \\| \\d+ \\| [\\d.]+[KM] \\| [\\d.]+[KM] \\| \\$[\\d.]+ \\|`),
      );
    expect(run.stdout).toMatch(/\| 128K \| \$/);
    expect(existsSync(join(folder, '.rlm-bench'))).toBe(false);
  });

  it('a local model without a price says its cost is unknown', async () => {
    const run = await runBuiltBench(
      [
        '--model',
        'openai:qwen3-8b',
        '--base-url',
        'http://127.0.0.1:9/v1',
        '--context-window',
        '32768',
        '--dry-run',
        '--tasks',
        'sniah',
        '--sizes',
        '8k',
      ],
      { cwd: folder },
    );
    expect(run.exitCode, run.stderr).toBe(0);
    expect(run.stdout).toContain('window 32K, price unknown');
    expect(run.stdout).toMatch(/\| base \| 5 \| 5 \| [\d.]+K \| [\d.]+K \| unknown \|/);
  });

  it('refuses to start when the estimate is above --budget', async () => {
    const run = await runBuiltBench(['--offline', '--budget', '0.01', '--out', join(folder, 'over')], {
      cwd: folder,
    });
    expect(run.exitCode).toBe(2);
    expect(run.stderr).toMatch(/the estimated cost, \$\d+\.\d\d, is above --budget \$0\.01/);
    expect(existsSync(join(folder, 'over', 'results.jsonl'))).toBe(false);
  });

  it.each([
    [['--offline', '--sizes', '12'], /--sizes: '12' is not a context size/],
    [['--offline', '--strategies', 'rlm,base'], /--strategies: unknown 'rlm'\. Known: base, summary-agent/],
    [['--offline', '--tasks', ''], /--tasks is empty/],
    [['--dry-run'], /No model given\. Pass --model PROVIDER:MODEL/],
    [['--model', 'gpt-5', '--dry-run'], /--model 'gpt-5' names no provider/],
    [['--model', 'openai:gpt-5'], /No API key for --model openai:gpt-5: set OPENAI_API_KEY/],
    [['--offline', '--budget', 'ten'], /--budget must be a number of at least 0; got 'ten'/],
    [['--offline', '--colour'], /Unknown option '--colour'/],
  ])('bad usage %j exits 2 saying what to change', async (args, message) => {
    const run = await runBuiltBench(args, { cwd: folder });
    expect(run.exitCode, run.stderr).toBe(2);
    expect(run.stderr).toMatch(message);
  });
});
