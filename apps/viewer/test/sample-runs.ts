import {
  createRLM,
  type RLMEventListener,
  type Trajectory,
  type TrajectorySubCall,
  trajectoryToJsonl,
} from '@rlm/core';
import { MockLanguageModel, type MockRequest } from '@rlm/core/testing';
import { createQuickJSEnvironment } from '@rlm/env-quickjs';

/*
 * Runs for the viewer's tests: real RLM runs (the loop, a QuickJS sandbox, scripted models at the
 * model contract) written by core's own JSONL writer, and one synthetic trajectory of 10,000
 * sub-calls for the scale test (a real run of that size would take minutes of mock calls to say
 * nothing more about the viewer).
 */

const LOG = Array.from({ length: 400 }, (_, index) => {
  const kinds = ['disk', 'network', 'auth', 'database'];
  return `2026-11-${String(1 + (index % 28)).padStart(2, '0')} ERROR ${kinds[index % 4]} failure #${index}`;
}).join('\n');

const fence = (code: string, prose = '') => `${prose}\n\`\`\`javascript\n${code}\n\`\`\``;

/** The opening user message's question, as the loop quotes it. */
function askedQuestion(request: MockRequest): string {
  return request.messages.find((message) => message.role === 'user')?.content ?? '';
}

function subModel(latencyMs: number | readonly [number, number] = [5, 25]) {
  return new MockLanguageModel({
    modelId: 'sub',
    latencyMs,
    costOf: (usage) => usage.inputTokens * 1e-7 + usage.outputTokens * 4e-7,
    responses: ({ lastMessage }) => {
      const kinds = ['disk', 'network', 'auth', 'database'];
      return kinds
        .map((kind) => `${kind}: ${(lastMessage.match(new RegExp(kind, 'g')) ?? []).length}`)
        .join(', ');
    },
  });
}

/**
 * A three-turn run: look, fan out over chunks with llm_query_batched, FINAL. `holdLastTurn` keeps
 * the last root call waiting until it settles, so a live test can look at the run in progress.
 */
export async function smallRun(onEvent?: RLMEventListener, holdLastTurn?: Promise<void>): Promise<string> {
  const replies = [
    fence(
      "const lines = context.split('\\n');\nconsole.log(lines.length, 'lines');\nconsole.log(lines.slice(0, 3).join('\\n'));",
      'First I look at the shape of the log.',
    ),
    fence(
      // biome-ignore lint/suspicious/noTemplateCurlyInString: the model's code holds a template literal.
      "// one sub-call per chunk of 50 lines\nconst chunks = [];\nfor (let i = 0; i < lines.length; i += 50) chunks.push(lines.slice(i, i + 50).join('\\n'));\nconst counts = await llm_query_batched(chunks.map((chunk) => `Count errors per kind:\\n${chunk}`));\nconsole.log(counts.join('\\n'));",
      'Each chunk goes to the sub-model; I will add up the counts.',
    ),
    fence(
      // biome-ignore lint/suspicious/noTemplateCurlyInString: the model's code holds a template literal.
      "const total = { disk: 100, network: 100, auth: 100, database: 100 };\nFINAL(Object.entries(total).map(([kind, count]) => `${kind}: ${count}`).join('\\n'));",
      'The counts add up.',
    ),
  ];
  const root = new MockLanguageModel({
    modelId: 'root',
    latencyMs: 20,
    costOf: (usage) => usage.inputTokens * 1e-6 + usage.outputTokens * 4e-6,
    responses: async ({ index }) => {
      if (index === replies.length - 1) await holdLastTurn;
      return replies[index] ?? new Error(`No scripted reply ${index}.`);
    },
  });
  const rlm = createRLM({
    model: root,
    subModel: subModel(),
    environment: createQuickJSEnvironment(),
    ...(onEvent ? { onEvent } : {}),
  });
  const result = await rlm.completion('How many errors of each kind are in the log?', { context: LOG });
  return trajectoryToJsonl(result.trajectory);
}

/**
 * A run whose first turn hands a part of the context to a child RLM (rlm_query). The child's root
 * model is the sub-model, which runs two turns of its own there (and answers plain sub-calls).
 */
export async function childRun(): Promise<string> {
  const childQuestion = 'Which kinds of failure appear in these lines?';
  const counting = subModel();
  const sub = new MockLanguageModel({
    modelId: 'sub',
    latencyMs: 10,
    responses: (request) => {
      if (!askedQuestion(request).includes(childQuestion))
        return counting.doGenerate({ messages: request.messages }).then((result) => result.text);
      const turn = request.messages.filter((message) => message.role === 'assistant').length;
      return turn === 0
        ? fence(
            "const kinds = [...new Set(context.split('\\n').map((line) => line.split(' ')[2]))];\nconst check = await llm_query('Are these failure kinds? ' + kinds.join(', '));\nconsole.log(kinds, check);",
            'The child lists the kinds in its lines.',
          )
        : fence("FINAL(kinds.join(', '))", 'The child answers.');
    },
  });
  const root = new MockLanguageModel({
    modelId: 'root',
    latencyMs: 10,
    responses: (request) => {
      const turn = request.messages.filter((message) => message.role === 'assistant').length;
      return turn === 0
        ? fence(
            `const summary = await rlm_query(${JSON.stringify(childQuestion)}, context.split('\\n').slice(0, 40).join('\\n'));\nconsole.log(summary);`,
            'A child RLM reads the first lines.',
          )
        : // biome-ignore lint/suspicious/noTemplateCurlyInString: the model's code holds a template literal.
          fence('FINAL(`kinds: ${summary}`)', 'Done.');
    },
  });
  const rlm = createRLM({
    model: root,
    subModel: sub,
    environment: createQuickJSEnvironment(),
    limits: { maxDepth: 2 },
  });
  const result = await rlm.completion('What kinds of failure does the log hold?', { context: LOG });
  return trajectoryToJsonl(result.trajectory, { includePrompts: false });
}

/**
 * A run that fails: a cell throws, a cell fills the sandbox's memory (its state is lost), a sub-call
 * is refused by the sub-call limit, and the provider then fails for good.
 */
export async function failedRun(): Promise<string> {
  const root = new MockLanguageModel({
    modelId: 'root',
    latencyMs: 5,
    responses: [
      fence('const parsed = JSON.parse(context);\nconsole.log(parsed.length);', 'Maybe it is JSON.'),
      fence(
        "globalThis.keep = [];\nwhile (true) keep.push('x'.repeat(100000));",
        'Load everything into memory at once.',
      ),
      fence(
        "const first = await llm_query('Count errors in: ' + context.slice(0, 500));\nconst second = await llm_query('Count errors in: ' + context.slice(500, 1000));\nconsole.log(first, second);",
        'Two sub-calls.',
      ),
      // The provider fails for good: the run ends with this error and the trajectory so far.
      new Error('The provider answered HTTP 500 (internal error) after 3 retries.'),
    ],
  });
  const rlm = createRLM({
    model: root,
    subModel: subModel(),
    environment: createQuickJSEnvironment({ memoryLimitBytes: 32 * 1024 * 1024 }),
    limits: { maxSubCalls: 1 },
  });
  try {
    await rlm.completion('How many errors of each kind are in the log?', { context: LOG });
  } catch (error) {
    const trajectory = (error as { trajectory?: Trajectory }).trajectory;
    if (trajectory) return trajectoryToJsonl(trajectory);
    throw error;
  }
  throw new Error('The failing run answered.');
}

/**
 * A trajectory of `count` sub-calls over 4 turns (one cell each fans out a quarter of them), with
 * prompts of `promptChars` characters, made in core's types and written by core's writer.
 */
export function largeTrajectory(count: number, promptChars = 400): string {
  const start = Date.parse('2026-11-30T12:00:00.000Z');
  const perTurn = Math.ceil(count / 4);
  const filler = 'lorem ipsum dolor sit amet '.repeat(Math.ceil(promptChars / 27)).slice(0, promptChars);
  let made = 0;
  // 16 calls at once, a new slot every 900 ms: a turn lasts its model call, its slots and a second.
  const turnMs = 2_000 + Math.ceil(perTurn / 16) * 900 + 1_000;
  const iterations = Array.from({ length: 4 }, (_, index) => {
    const turnStart = start + index * turnMs;
    const subCalls: TrajectorySubCall[] = [];
    for (let call = 0; call < perTurn && made < count; call++, made++) {
      const slot = Math.floor(call / 16);
      subCalls.push({
        kind: 'llm',
        model: 'mock:sub',
        prompt: `Item ${made}: ${filler}`,
        response: `answer ${made}`,
        usage: { inputTokens: 120, outputTokens: 4 },
        costUsd: 0.00002,
        durationMs: 700 + (made % 7) * 30,
        startedAt: new Date(turnStart + 2_000 + slot * 900).toISOString(),
        ...(made % 997 === 0 ? { error: { name: 'APICallError', message: 'HTTP 429: rate limited' } } : {}),
      });
    }
    return {
      turn: index + 1,
      startedAt: new Date(turnStart).toISOString(),
      response: fence(
        `const answers = await llm_query_batched(items.slice(${index * perTurn}, ${(index + 1) * perTurn}));`,
        `Batch ${index + 1}.`,
      ),
      usage: { inputTokens: 2_000, outputTokens: 80 },
      costUsd: 0.001,
      modelDurationMs: 2_000,
      codeBlocks: [
        {
          code: `const answers = await llm_query_batched(items.slice(${index * perTurn}, ${(index + 1) * perTurn}));`,
          result: {
            stdout: `${subCalls.length} answers\n`,
            stderr: '',
            droppedOutputChars: 0,
            durationMs: turnMs - 2_500,
          },
          subCalls,
        },
      ],
      durationMs: turnMs - 200,
      ...(index === 3 ? { finalAnswer: `${count} items classified` } : {}),
    };
  });
  const trajectory: Trajectory = {
    version: 1,
    runId: 'large',
    depth: 0,
    startedAt: new Date(start).toISOString(),
    metadata: {
      rootModel: 'mock:root',
      subModel: 'mock:sub',
      environment: 'quickjs',
      maxDepth: 1,
      maxTurns: 30,
      question: `Classify all ${count} items.`,
      context: {
        type: 'string[]',
        totalCharacters: count * promptChars,
        approximateTokens: (count * promptChars) / 4,
        parts: count,
        partSizes: [],
        head: '',
        tail: '',
      },
      initialMessages: [
        { role: 'system', content: 'system prompt' },
        { role: 'user', content: `original query: "Classify all ${count} items."` },
      ],
    },
    iterations,
    answer: `${count} items classified`,
    answerSource: 'FINAL',
    durationMs: 4 * turnMs,
  };
  return trajectoryToJsonl(trajectory, { includePrompts: false });
}
