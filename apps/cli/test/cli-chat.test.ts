import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestServer, type TestServer } from '@rlm/test-server';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { runBuiltCli } from './run-built-cli';
import {
  ADDED_QUESTION,
  COUNT_QUESTION,
  chatReply,
  DATA_QUESTION,
  FAILING_QUESTION,
  SLASH_QUESTION,
  SLOW_QUESTION,
  TOP_QUESTION,
  TOP_REPLY,
} from './scripted-chat';
import { COUNT_REPLY, LOG_A, PEEK_REPLY } from './scripted-log-analyst';

let server: TestServer;
let folder: string;

beforeAll(async () => {
  server = await startTestServer({ respond: chatReply });
});
afterAll(async () => {
  await server.close();
});
beforeEach(async () => {
  folder = await mkdtemp(join(tmpdir(), 'rlm-cli-chat-'));
  await writeFile(join(folder, 'app.log'), LOG_A);
});
afterEach(async () => {
  server.setResponder(chatReply);
  server.requests.length = 0;
  await rm(folder, { recursive: true, force: true });
});

const chatArgs = () => [
  'chat',
  '--context',
  'app.log',
  '--model',
  'openai:root-model',
  '--sub-model',
  'openai:sub-model',
  '--base-url',
  server.openaiBaseURL,
  '--max-retries',
  '0',
];
const keyEnv = { RLM_API_KEY: 'dummy-key' };
const rootRequests = () => server.requests.filter((request) => request.messages[0]?.role === 'system');
const subRequests = () => server.requests.filter((request) => request.messages[0]?.role !== 'system');

describe('rlm chat with piped questions', () => {
  it('answers one question per line in one REPL: the second uses what the first computed, no sub-call repeated', async () => {
    const run = await runBuiltCli(chatArgs(), {
      cwd: folder,
      env: keyEnv,
      stdin: `${COUNT_QUESTION}\n\n${TOP_QUESTION}\n`,
    });

    expect(run.stderr).not.toMatch(/rlm: (Unexpected|Could not)/);
    expect(run.exitCode).toBe(0);
    expect(run.stdout).toBe('disk: 1, network: 1\ndisk (1)\n');
    expect(run.stderr).toMatch(/^rlm: context: app\.log, \d+ characters/);
    expect(run.stderr.match(/rlm: answered · /g)).toHaveLength(2);
    expect(run.stderr).toMatch(/rlm: answered · 1 turn · [\d.]+s · 0 sub-calls/);
    // The first question: 2 root turns and a sub-call per ERROR line; the second: 1 root turn, no sub-call.
    expect(rootRequests().map((request) => request.messages.at(-1)!.role)).toEqual(['user', 'user', 'user']);
    expect(subRequests()).toHaveLength(2);
    const second = rootRequests()[2]!;
    expect(second.messages.some((message) => message.content === COUNT_REPLY)).toBe(false);
    expect(second.messages.some((message) => message.content.includes(COUNT_QUESTION))).toBe(true);
    expect(second.messages.at(-1)!.content).toContain(TOP_QUESTION);
  });

  it('--json prints one JSON object per question, as it finishes; --trajectory keeps them all', async () => {
    const run = await runBuiltCli([...chatArgs(), '--json', '--trajectory', 'all.jsonl'], {
      cwd: folder,
      env: keyEnv,
      stdin: `${COUNT_QUESTION}\n${TOP_QUESTION}\n`,
    });
    expect(run.exitCode).toBe(0);
    // --trajectory holds every question so far, rewritten after each.
    const written = (await readFile(join(folder, 'all.jsonl'), 'utf8')).trimEnd().split('\n');
    // One run's opening metadata line per question (recorded model calls ride in metadata lines too).
    const heads = written
      .map((line) => JSON.parse(line))
      .filter((line) => line.type === 'metadata' && line.rlm_ts_metadata);
    expect(heads).toHaveLength(2);
    const lines = run.stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(2);
    const [first, second] = lines.map((line) => JSON.parse(line));
    expect(first).toMatchObject({
      question: COUNT_QUESTION,
      answer: 'disk: 1, network: 1',
      partial: false,
      answerSource: 'FINAL_VAR',
      turns: 2,
      failedSubCalls: { count: 0, total: 2 },
      error: null,
      exitCode: 0,
    });
    expect(first.usage.total).toMatchObject({
      inputTokens: 1200 + 1500 + 2 * 40,
      outputTokens: 60 + 120 + 2,
    });
    expect(second).toMatchObject({ question: TOP_QUESTION, answer: 'disk (1)', turns: 1, exitCode: 0 });
    expect(second.usage.total).toMatchObject({ inputTokens: 900, outputTokens: 40, calls: 1 });
    expect(typeof second.costUsd).toBe('number');
    expect(run.stderr).not.toContain('{');
  });

  it('a failing question says why on stderr and the session goes on; the exit code is the failure', async () => {
    const run = await runBuiltCli([...chatArgs(), '--json'], {
      cwd: folder,
      env: keyEnv,
      stdin: `${FAILING_QUESTION}\n${COUNT_QUESTION}\n`,
    });
    expect(run.exitCode).toBe(1);
    const [failed, answered] = run.stdout
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(failed).toMatchObject({ question: FAILING_QUESTION, answer: null, exitCode: 1 });
    expect(failed.error.name).toMatch(/Error$/);
    expect(answered).toMatchObject({ question: COUNT_QUESTION, answer: 'disk: 1, network: 1', exitCode: 0 });
    expect(run.stderr).toMatch(/rlm: failed · /);
    expect(run.stderr).toMatch(/rlm: answered · 2 turns · /);
  });

  it('runs /-commands piped: /context add binds context_1 for the next question, /cost, /save, /help; an unknown command exits 2 at the end', async () => {
    await writeFile(join(folder, 'extra.txt'), 'one\ntwo\nthree');
    const run = await runBuiltCli(chatArgs(), {
      cwd: folder,
      env: keyEnv,
      stdin: [
        COUNT_QUESTION,
        '/context add extra.txt',
        ADDED_QUESTION,
        '/cost',
        '/save chat.jsonl',
        '/help',
        '/frobnicate',
        `/${SLASH_QUESTION}`,
        '/exit',
        TOP_QUESTION,
      ].join('\n'),
    });
    expect(run.stdout).toBe('disk: 1, network: 1\n3 lines\nno\n');
    expect(run.stderr).toContain(
      'rlm: context: extra.txt, 13 characters (~4 tokens); the next question gets it as context_1',
    );
    expect(run.stderr).toMatch(
      /rlm: session: 2 questions · [\d.]+s · 2 sub-calls · tokens [\d.k]+ in, [\d.k]+ out · cost unknown/,
    );
    expect(run.stderr).toContain(`saved 2 questions' trajectories to ${join(folder, 'chat.jsonl')}`);
    expect(run.stderr).toContain('/context add PATH...');
    expect(run.stderr).toContain('rlm: Unknown command /frobnicate. Commands: /context add PATH,');
    expect(run.stderr).not.toContain('Unexpected');
    // `//` asks a question that starts with one slash.
    expect(rootRequests().some((request) => request.messages.at(-1)!.content.includes(SLASH_QUESTION))).toBe(
      true,
    );
    // /exit ends the session: the question after it is never asked.
    expect(rootRequests().some((request) => request.messages.at(-1)!.content.includes(TOP_QUESTION))).toBe(
      false,
    );
    expect(run.exitCode).toBe(2);
    const saved = (await readFile(join(folder, 'chat.jsonl'), 'utf8')).trimEnd().split('\n');
    // Each question's opening metadata line (recorded model calls ride in metadata lines too).
    const metadata = saved
      .map((line) => JSON.parse(line))
      .filter((line) => line.type === 'metadata' && line.rlm_ts_metadata);
    expect(metadata).toHaveLength(2);
    expect(metadata.map((line) => line.run.session.question)).toEqual([1, 2]);
    expect(saved.some((line) => line.includes(JSON.stringify(PEEK_REPLY).slice(1, 30)))).toBe(true);
  });

  it('--max-sub-calls caps the whole session: once spent, the next question stops at once (exit 3)', async () => {
    const run = await runBuiltCli([...chatArgs(), '--max-sub-calls', '2', '--json'], {
      cwd: folder,
      env: keyEnv,
      stdin: `${COUNT_QUESTION}\n${TOP_QUESTION}\n`,
    });
    const [first, second] = run.stdout
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(first).toMatchObject({ answer: 'disk: 1, network: 1', exitCode: 0 });
    expect(second).toMatchObject({ answer: null, exitCode: 3, error: { limit: 'maxSubCalls' } });
    expect(run.stderr).toMatch(
      /rlm: The session already spent 2, reaching its limit of 2 \(session --max-sub-calls\)/,
    );
    expect(rootRequests()).toHaveLength(2);
    expect(run.exitCode).toBe(3);
  });

  it('--schema: each answer is data, printed as JSON (and as the value itself with --json)', async () => {
    await writeFile(
      join(folder, 'answer.schema.json'),
      JSON.stringify({ type: 'object', properties: { errors: { type: 'number' } }, required: ['errors'] }),
    );
    const plain = await runBuiltCli([...chatArgs(), '--schema', 'answer.schema.json'], {
      cwd: folder,
      env: keyEnv,
      stdin: `${DATA_QUESTION}\n`,
    });
    expect(plain.stdout).toBe('{\n  "errors": 2\n}\n');
    expect(plain.exitCode).toBe(0);
    const json = await runBuiltCli([...chatArgs(), '--schema', 'answer.schema.json', '--json'], {
      cwd: folder,
      env: keyEnv,
      stdin: `${DATA_QUESTION}\n`,
    });
    expect(JSON.parse(json.stdout)).toMatchObject({ answer: { errors: 2 }, exitCode: 0 });
  });

  it('starts without --context: the first /context add becomes `context`', async () => {
    const args = chatArgs().filter((argument) => argument !== '--context' && argument !== 'app.log');
    const run = await runBuiltCli(args, {
      cwd: folder,
      env: keyEnv,
      stdin: `/context add app.log\n${COUNT_QUESTION}\n`,
    });
    expect(run.stderr).toContain('; the next question gets it as context\n');
    expect(run.stdout).toBe('disk: 1, network: 1\n');
    expect(run.exitCode).toBe(0);
  });

  it('SIGINT (Ctrl-C of a script) stops the running question and ends the session with 130', async () => {
    const run = await runBuiltCli(chatArgs(), {
      cwd: folder,
      env: keyEnv,
      stdin: `${SLOW_QUESTION}\n${TOP_QUESTION}\n`,
      onSpawn: (child) => {
        const poll = setInterval(() => {
          if (server.requests.length === 0) return;
          clearInterval(poll);
          child.kill('SIGINT');
        }, 50);
      },
    });
    expect(run.exitCode).toBe(130);
    expect(run.stdout).toBe('');
    expect(run.stderr).toContain('rlm: question stopped by Ctrl-C.');
    expect(server.requests).toHaveLength(1);
  });

  it('ends at once with exit 0 when stdin is empty, and refuses --context - (stdin holds the questions)', async () => {
    const empty = await runBuiltCli(chatArgs(), { cwd: folder, env: keyEnv, stdin: '' });
    expect(empty.exitCode).toBe(0);
    expect(empty.stdout).toBe('');
    expect(server.requests).toHaveLength(0);
    const dash = await runBuiltCli([...chatArgs(), '--context', '-'], {
      cwd: folder,
      env: keyEnv,
      stdin: '',
    });
    expect(dash.exitCode).toBe(2);
    expect(dash.stderr).toContain('stdin cannot be the context too');
  });

  it('rlm chat --help shows the commands and the exit status; plain rlm names rlm chat', async () => {
    const run = await runBuiltCli(['chat', '--help'], { cwd: folder });
    expect(run.exitCode).toBe(0);
    expect(run.stdout).toContain('Usage: rlm chat [--context PATH...]');
    expect(run.stdout).toContain('/save FILE');
    const bare = await runBuiltCli([], { cwd: folder });
    expect(bare.stderr).toContain(
      'rlm chat --context PATH... --model PROVIDER:MODEL   (several questions, one REPL)',
    );
    expect(TOP_REPLY).toContain('counts');
  });
});
