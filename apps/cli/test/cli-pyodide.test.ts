import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type RecordedRequest, type ScriptedReply, startTestServer, type TestServer } from '@rlm/test-server';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { runBuiltCli } from './run-built-cli';

/*
 * `rlm --env pyodide` end to end: the built CLI, the real Pyodide environment (a Deno child) and a
 * scripted pair of models behind the test server that write Python, as models trained on the
 * paper's loop do. The root model's requests carry the system prompt; the sub-model's are one user
 * message.
 */

let server: TestServer;
let folder: string | undefined;

beforeAll(async () => {
  server = await startTestServer({ respond: () => ({ text: 'unused' }) });
});
afterAll(async () => {
  await server.close();
});
afterEach(async () => {
  server.requests.length = 0;
  if (folder) await rm(folder, { recursive: true, force: true });
  folder = undefined;
});

const modelArgs = () => [
  '--model',
  'openai:root-model',
  '--sub-model',
  'openai:sub-model',
  '--base-url',
  server.openaiBaseURL,
  '--env',
  'pyodide',
];
const keyEnv = { RLM_API_KEY: 'dummy-key' };

function turnOf(request: RecordedRequest): number {
  return request.messages.filter((message) => message.role === 'assistant').length + 1;
}

const LABELS = ['location', 'numeric value', 'human being', 'entity', 'description', 'abbreviation'] as const;
/** Each question's hidden label is a word it was built with: only the sub-model "knows" the map. */
const QUESTION_WORDS: Record<(typeof LABELS)[number], string> = {
  location: 'Where is the nearest harbour',
  'numeric value': 'How many moons orbit the planet',
  'human being': 'Who painted the ceiling',
  entity: 'What breed is the dog',
  description: 'Why does ice float',
  abbreviation: 'What does NASA stand for',
};

/** An OOLONG-like context: one line per question, users and dates, labels never in the text. */
function oolongLines(count: number, seed: number): { text: string; labels: string[] } {
  let state = seed;
  const next = () => {
    state = (state * 1_103_515_245 + 12_345) % 2_147_483_648;
    return state;
  };
  const lines: string[] = [];
  const labels: string[] = [];
  for (let index = 0; index < count; index++) {
    const label = LABELS[next() % LABELS.length] as (typeof LABELS)[number];
    const user = 10_000 + (next() % 90_000);
    const day = 1 + (next() % 28);
    labels.push(label);
    lines.push(
      `Date: Mar ${String(day).padStart(2, '0')}, 2024 || User: ${user} || Instance: ${QUESTION_WORDS[label]} #${index}?`,
    );
  }
  return { text: `${lines.join('\n')}\n`, labels };
}

const PEEK_REPLY = [
  'Let me look at the context first.',
  '```python',
  'print(type(context).__name__, len(context))',
  'lines = [line for line in context.splitlines() if line.strip()]',
  'print(len(lines), "lines")',
  'print("\\n".join(lines[:3]))',
  '```',
].join('\n');

/** Classifies every line with llm_query_batched, counts with collections.Counter, answers with FINAL_VAR. */
function countReply(label: string): string {
  return [
    'Classify each question with the sub-model, then count.',
    '```repl',
    'from collections import Counter',
    'questions = [line.split(" || Instance: ", 1)[1] for line in lines]',
    'labels = await llm_query_batched([f"Label this question with one of six coarse labels: {q}" for q in questions])',
    'failed = [answer for answer in labels if answer.startswith("Error:")]',
    'counts = Counter(answer.strip().lower() for answer in labels)',
    'print(dict(counts), len(failed))',
    `answer_text = str(counts[${JSON.stringify(label)}])`,
    'FINAL_VAR("answer_text")',
    '```',
  ].join('\n');
}

function oolongResponder(label: string) {
  return (request: RecordedRequest): ScriptedReply => {
    if (request.messages[0]?.role !== 'system') {
      const prompt = request.messages.at(-1)?.content ?? '';
      const found = LABELS.find((candidate) => prompt.includes(QUESTION_WORDS[candidate]));
      return { text: found ?? 'unknown', usage: { inputTokens: 30, outputTokens: 2 } };
    }
    return turnOf(request) === 1
      ? { text: PEEK_REPLY, usage: { inputTokens: 1000, outputTokens: 50 } }
      : { text: countReply(label), usage: { inputTokens: 1400, outputTokens: 120 } };
  };
}

describe('rlm --env pyodide against the test server', () => {
  it('counts an OOLONG-like label with llm_query_batched in Python, with the Python prompt and fences', async () => {
    folder = await mkdtemp(join(tmpdir(), 'rlm-cli-pyodide-'));
    const { text, labels } = oolongLines(120, 7);
    await writeFile(join(folder, 'questions.txt'), text);
    for (const label of ['location', 'human being'] as const) {
      server.requests.length = 0;
      server.setResponder(oolongResponder(label));
      const run = await runBuiltCli(
        [`How many questions are about a ${label}?`, '-c', 'questions.txt', ...modelArgs()],
        {
          cwd: folder,
          env: keyEnv,
          timeoutMs: 120_000,
        },
      );
      expect(run.stderr).not.toMatch(/rlm: (Unexpected|Could not)/);
      expect(run.exitCode, run.stderr).toBe(0);
      expect(run.stdout).toBe(`${labels.filter((item) => item === label).length}\n`);
      const roots = server.requests.filter((request) => request.messages[0]?.role === 'system');
      const subs = server.requests.filter((request) => request.messages[0]?.role !== 'system');
      expect(roots).toHaveLength(2);
      expect(subs).toHaveLength(120);
      const system = roots[0]?.messages[0]?.content ?? '';
      expect(system).toContain('Python REPL');
      expect(system).toContain('```python');
      // What the first cell printed reached the second turn.
      expect(roots[1]?.messages.map((message) => message.content).join('\n')).toContain('str ');
    }
  }, 300_000);

  it('finds a needle in a 50 MB context with a regex in Python', async () => {
    folder = await mkdtemp(join(tmpdir(), 'rlm-cli-pyodide-'));
    const filler =
      'The grass is green. The sky is blue. The sun is yellow. Here we go. There and back again.\n';
    const needle = 'One of the special magic numbers for lilac-harbour is: 7305194.\n';
    const total = 50 * 1024 * 1024;
    const repeats = Math.floor(total / filler.length);
    const at = Math.floor(repeats * 0.61);
    const text = `${filler.repeat(at)}${needle}${filler.repeat(repeats - at)}`;
    await writeFile(join(folder, 'haystack.txt'), text);
    server.setResponder((request) => {
      if (request.messages[0]?.role !== 'system') return { text: 'not used' };
      return turnOf(request) === 1
        ? {
            text: [
              'Search with a regex, not by reading.',
              '```python',
              'import re',
              'match = re.search(r"special magic numbers for lilac-harbour is: (\\d{7})", context)',
              'print(len(context), match.start() if match else None)',
              'FINAL(match.group(1))',
              '```',
            ].join('\n'),
          }
        : { text: 'unexpected turn' };
    });
    const run = await runBuiltCli(
      ['What is the magic number for lilac-harbour?', '-c', 'haystack.txt', ...modelArgs()],
      {
        cwd: folder,
        env: keyEnv,
        timeoutMs: 120_000,
      },
    );
    expect(run.exitCode, run.stderr).toBe(0);
    expect(run.stdout).toBe('7305194\n');
    expect(server.requests).toHaveLength(1);
  }, 180_000);
});
