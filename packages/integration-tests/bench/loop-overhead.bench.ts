/**
 * The loop's own overhead per turn, with a zero-latency scripted model.
 *
 * 1. "loop only": an environment that runs nothing and answers each cell at once, so the time is the
 *    loop's (prompt building, code-block extraction, events, budget, trajectory, output capping).
 * 2. "loop + QuickJS": the same with the real QuickJS sandbox running a small cell each turn.
 *
 * Run: pnpm --filter @rlm/integration-tests bench
 */
import os from 'node:os';
import { type CellResult, createRLM, type ReplEnvironment } from '@rlm/core';
import { formatStatsTable, summarize } from '@rlm/core/benchmark';
import { MockLanguageModel } from '@rlm/core/testing';
import { createQuickJSEnvironment } from '@rlm/env-quickjs';

const TURNS = 30;
const REPEATS = Number(process.env.BENCH_REPEATS ?? 40);

function rootModel(): MockLanguageModel {
  return new MockLanguageModel({
    responses: (request) => {
      const turn = request.index + 1;
      const body =
        turn === TURNS
          ? 'FINAL("done")'
          : `const x${turn} = context.length + ${turn};\nconsole.log(x${turn})`;
      return `Turn ${turn}: looking at the data.\n\`\`\`javascript\n${body}\n\`\`\``;
    },
  });
}

/** Answers every cell at once; FINAL when the cell calls it. Measures nothing but the loop. */
const instantEnvironment: ReplEnvironment = {
  specificationVersion: 'v1',
  environmentId: 'instant',
  language: 'javascript',
  async createSession() {
    return {
      async runCell(code): Promise<CellResult> {
        const final = code.startsWith('FINAL(') ? { source: 'FINAL' as const, value: 'done' } : undefined;
        return {
          stdout: '12345\n',
          stderr: '',
          droppedOutputChars: 0,
          durationMs: 0,
          ...(final ? { final } : {}),
        };
      },
      async dispose() {},
    };
  },
};

async function measure(environment: ReplEnvironment): Promise<number[]> {
  const perTurn: number[] = [];
  for (let repeat = 0; repeat < REPEATS + 3; repeat++) {
    const rlm = createRLM({ model: rootModel(), environment, limits: { maxTurns: TURNS } });
    const started = performance.now();
    const result = await rlm.completion('What is the length?', { context: 'x'.repeat(100_000) });
    const elapsed = performance.now() - started;
    if (result.turns !== TURNS) throw new Error(`expected ${TURNS} turns, got ${result.turns}`);
    if (repeat >= 3) perTurn.push(elapsed / TURNS); // the first runs warm up the JIT
  }
  return perTurn;
}

const instant = summarize('loop only (instant environment)', await measure(instantEnvironment));
const quickjs = summarize('loop + QuickJS cell', await measure(createQuickJSEnvironment()));
console.log(`\nLoop overhead per turn (${TURNS}-turn runs, zero-latency model, 100 kB context)`);
console.log(`machine: ${os.cpus()[0]?.model ?? 'unknown'} ×${os.cpus().length}, Node ${process.version}\n`);
console.log(formatStatsTable([instant, quickjs]));
console.log(`\ntarget: loop only < 2 ms per turn → ${instant.median < 2 ? 'met' : 'NOT met'}`);
