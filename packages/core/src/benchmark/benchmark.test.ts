import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { CellResult, ReplEnvironment, ReplSessionOptions } from '../environment/repl-environment';
import {
  BENCHMARK_STRING_WORK,
  benchContextKinds,
  benchEnvironment,
  benchmarkHostFunctions,
  benchOnHost,
  benchSettings,
  countingHostFunctions,
  formatStatsComparison,
  formatStatsTable,
  makeBenchmarkLines,
  makeBenchmarkProse,
  measure,
  quantile,
  stringWorkCells,
  summarize,
  timeSessionStart,
} from './index';

describe('quantile and summarize', () => {
  it('interpolate between neighbours on known samples', () => {
    const sorted = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
    expect(quantile(sorted, 0)).toBe(1);
    expect(quantile(sorted, 1)).toBe(10);
    expect(quantile(sorted, 0.5)).toBe(5.5);
    expect(quantile(sorted, 0.25)).toBeCloseTo(3.25, 10);
    expect(quantile(sorted, 0.75)).toBeCloseTo(7.75, 10);
    expect(quantile([42], 0.9)).toBe(42);
  });

  it('sort the samples themselves and keep the note', () => {
    expect(summarize('row', [9, 1, 5, 3, 7], 'a note')).toEqual({
      name: 'row',
      runs: 5,
      median: 5,
      min: 1,
      p25: 3,
      p75: 7,
      max: 9,
      note: 'a note',
    });
    expect(summarize('no note', [2])).not.toHaveProperty('note');
  });

  it('measure runs the warm-up unmeasured, then returns one sample per run', async () => {
    let calls = 0;
    const samples = await measure(3, 2, async () => ++calls);
    expect(samples).toEqual([3, 4, 5]);
  });
});

describe('tables', () => {
  it('print one line per row, and side by side with a dash where a column lacks a row', () => {
    const fast = summarize('empty cell', [0.5, 1, 1.5]);
    const slow = summarize('big cell', [100, 200, 300]);
    const table = formatStatsTable([fast, slow]).split('\n');
    expect(table).toHaveLength(4);
    expect(table[2]).toBe('| empty cell | 3 | 1.000 | 0.500 | 0.750 | 1.250 | 1.500 |  |');
    expect(table[3]).toBe('| big cell | 3 | 200.0 | 100.0 | 150.0 | 250.0 | 300.0 |  |');
    const comparison = formatStatsComparison({ a: [fast, slow], b: [fast] }).split('\n');
    expect(comparison[0]).toBe('| measurement | a | b |');
    expect(comparison[2]).toBe('| empty cell | 1.000 (0.750–1.250) | 1.000 (0.750–1.250) |');
    expect(comparison[3]).toBe('| big cell | 200.0 (150.0–250.0) | – |');
  });
});

/** An environment that runs nothing: it answers the benchmark's cells, calling the host as they would. */
function fakeEnvironment(log: string[]): ReplEnvironment {
  return {
    specificationVersion: 'v1',
    environmentId: 'fake',
    language: 'javascript',
    async createSession({ context, hostFunctions }: ReplSessionOptions) {
      log.push(`session ${String(context).length}`);
      const signal = new AbortController().signal;
      return {
        async runCell(code: string): Promise<CellResult> {
          let value: string | undefined;
          if (code.includes('noop')) {
            for (let i = 0; i < 100; i++) await hostFunctions.noop!([], { signal });
          } else if (code.includes('llm_query')) {
            const answers = await Promise.all(
              Array.from({ length: 16 }, (_, i) => hostFunctions.llm_query!([`q${i}`], { signal })),
            );
            value = String(answers.length);
          } else if (code === '1') {
            value = '1';
          }
          return {
            stdout: '',
            stderr: '',
            droppedOutputChars: 0,
            durationMs: 0,
            ...(value ? { value } : {}),
          };
        },
        async dispose() {},
      };
    },
    async dispose() {
      log.push('environment disposed');
    },
  };
}

describe('benchEnvironment', () => {
  it('returns one row per measure, with sane numbers, and disposes the environment', async () => {
    const log: string[] = [];
    const rows = await benchEnvironment('fake', () => fakeEnvironment(log), {
      runs: 3,
      contextSizesMb: [0.001, 0.002],
      llmQueryLatencyMs: 20,
    });
    expect(rows.map((row) => row.name)).toEqual([
      'session start (empty context)',
      'context injection (0.001 MB)',
      'context injection (0.002 MB)',
      'empty cell round trip',
      'host-call overhead (one awaited no-op, per call of 100)',
      '16 concurrent 20 ms llm_query',
      ...Object.keys(BENCHMARK_STRING_WORK).map((label) => `${label} (0.002 MB)`),
    ]);
    for (const row of rows) {
      expect(row.runs).toBe(row.name === 'empty cell round trip' ? 30 : 3);
      expect(row.min).toBeGreaterThanOrEqual(0);
      expect(row.min).toBeLessThanOrEqual(row.p25);
      expect(row.p25).toBeLessThanOrEqual(row.median);
      expect(row.median).toBeLessThanOrEqual(row.p75);
      expect(row.p75).toBeLessThanOrEqual(row.max);
    }
    const concurrent = rows.find((row) => row.name === '16 concurrent 20 ms llm_query')!;
    // Concurrent, not one after another: about one latency, far from sixteen.
    expect(concurrent.median).toBeGreaterThanOrEqual(19);
    expect(concurrent.median).toBeLessThan(20 * 8);
    expect(log).toContain('session 2000');
    expect(log.at(-1)).toBe('environment disposed');
  });

  it('throws, naming the environment and the cell, when a cell fails', async () => {
    const failing: ReplEnvironment = {
      ...fakeEnvironment([]),
      async createSession() {
        return {
          runCell: async () => ({
            stdout: '',
            stderr: '',
            droppedOutputChars: 0,
            durationMs: 0,
            error: { kind: 'runtime', name: 'TypeError', message: 'broken' },
          }),
          dispose: async () => {},
        };
      },
    };
    await expect(benchEnvironment('failing', () => failing, { runs: 1, contextSizesMb: [] })).rejects.toThrow(
      /^failing: a benchmark cell failed: 1\nTypeError: broken/,
    );
  });

  it('builds contexts of the size asked for', () => {
    expect(makeBenchmarkLines(12_345)).toHaveLength(12_345);
    expect(makeBenchmarkLines(300)).toMatch(
      /^Date: Mar 01, 2024 \|\| User: 10000 \|\| Instance: What is item 0\?\n/,
    );
  });
});

describe('the helpers benchmark scripts share', () => {
  const signal = new AbortController().signal;

  it('benchmarkHostFunctions: noop answers null, llm_query answers after its latency', async () => {
    const { noop, llm_query } = benchmarkHostFunctions(20);
    expect(await noop!([], { signal })).toBeNull();
    const started = performance.now();
    expect(await llm_query!(['q'], { signal })).toBe('answer:q');
    expect(performance.now() - started).toBeGreaterThanOrEqual(19);
  });

  it('benchSettings reads the runs from the first argument and the sizes from BENCH_SIZES_MB', () => {
    expect(benchSettings(['node', 'bench.ts'], {})).toEqual({
      runs: 7,
      contextSizesMb: [1, 10, 50],
      largestMb: 50,
    });
    expect(benchSettings(['node', 'bench.ts', '2'], { BENCH_SIZES_MB: '5,1' })).toEqual({
      runs: 2,
      contextSizesMb: [5, 1],
      largestMb: 5,
    });
  });

  it('countingHostFunctions counts the calls of noop and hold, which answers after its delay', async () => {
    const { hostFunctions, calls } = countingHostFunctions(20);
    expect(await hostFunctions.noop!([], { signal })).toBeNull();
    const started = performance.now();
    expect(await hostFunctions.hold!([7], { signal })).toBe('7');
    expect(performance.now() - started).toBeGreaterThanOrEqual(19);
    expect(calls()).toBe(2);
  });

  it('stringWorkCells names each piece of string work with the size of its context', () => {
    expect(Object.keys(stringWorkCells(50))).toEqual(
      Object.keys(BENCHMARK_STRING_WORK).map((label) => `${label} (50 MB)`),
    );
    expect(stringWorkCells(1, { count: 'context.length' })).toEqual({ 'count (1 MB)': 'context.length' });
  });

  it('makeBenchmarkProse gives the same text of vocabulary words each time', () => {
    const { text, words } = makeBenchmarkProse(5_000);
    expect(words).toHaveLength(50_000);
    expect(text.length).toBeGreaterThanOrEqual(5_000);
    expect(text.split(/\s+/).every((word) => words.includes(word))).toBe(true);
    expect(makeBenchmarkProse(5_000).text).toBe(text);
  });

  it('timeSessionStart times one session and disposes it', async () => {
    const log: string[] = [];
    const elapsed = await timeSessionStart(fakeEnvironment(log), { context: 'abc', hostFunctions: {} });
    expect(elapsed).toBeGreaterThanOrEqual(0);
    expect(log).toEqual(['session 3']);
  });

  it('benchContextKinds times a non-Latin-1 string, an array of strings and JSON records', async () => {
    const log: string[] = [];
    const rows = await benchContextKinds(fakeEnvironment(log), { megabytes: 0.01, runs: 2, warmup: 0 });
    expect(rows.map((row) => row.name)).toEqual([
      'context injection (0.01 MB, non-Latin-1)',
      expect.stringMatching(/^context injection \(0\.01 MB as \d+ strings\)$/),
      expect.stringMatching(/^context injection \(\d+ JSON records, 0 MB of JSON\)$/),
    ]);
    expect(rows.every((row) => row.runs === 2)).toBe(true);
    expect(log.slice(0, 2)).toEqual(['session 10000', 'session 10000']);
  });

  it('benchOnHost runs each cell over the context in this process', async () => {
    const rows = await benchOnHost(makeBenchmarkLines(10_000), stringWorkCells(0.01), { runs: 2, warmup: 0 });
    expect(rows.map((row) => row.name)).toEqual(
      Object.keys(BENCHMARK_STRING_WORK).map((label) => `${label} (0.01 MB), host V8`),
    );
    expect(rows.every((row) => row.runs === 2 && row.min >= 0)).toBe(true);
  });
});

describe('@rlm/core/benchmark', () => {
  it('imports no test runner, so plain benchmark scripts can load it', () => {
    const directory = new URL('.', import.meta.url);
    const sources = readdirSync(directory).filter(
      (file) => file.endsWith('.ts') && !file.endsWith('.test.ts'),
    );
    expect(sources).toContain('bench-environment.ts');
    for (const file of sources) {
      const source = readFileSync(new URL(file, directory), 'utf8');
      expect(source, file).not.toMatch(/from ['"](vitest|jest|node:test)|from ['"]\.\.\/testing/);
    }
  });
});
