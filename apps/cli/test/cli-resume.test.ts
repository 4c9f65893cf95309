import type { ChildProcess } from 'node:child_process';
import { appendFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseTrajectoryJsonl } from '@rlm/core';
import { type RecordedRequest, startTestServer, type TestServer } from '@rlm/test-server';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type CliRun, runBuiltCli } from './run-built-cli';
import { LOG_A, LOG_B, logAnalystReply } from './scripted-log-analyst';

/**
 * `rlm --resume` against the test server: each stopped run (Ctrl-C, a limit, kill -9) is resumed, and
 * the requests the server saw show that the resumed run sent only what the first had not had answered.
 */
let server: TestServer;
let folder: string | undefined;
const QUESTION = 'How many errors of each kind?';
const ANSWER = 'disk: 3, network: 1\n';

beforeAll(async () => {
  server = await startTestServer({ respond: logAnalystReply });
});
afterAll(async () => {
  await server.close();
});
afterEach(async () => {
  server.setResponder(logAnalystReply);
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
];
const keyEnv = { RLM_API_KEY: 'dummy-key' };

async function logFolder(): Promise<string> {
  folder = await mkdtemp(join(tmpdir(), 'rlm-cli-resume-'));
  await writeFile(join(folder, 'app.log'), `${LOG_A}\n${LOG_B}\n`);
  return folder;
}

/** The root's turn of a request (1 for its first call), or 0 for a sub-call. */
const turnOf = (request: RecordedRequest) =>
  request.messages[0]?.role === 'system'
    ? request.messages.filter((message) => message.role === 'assistant').length + 1
    : 0;
/** What a run asked, in a form that does not depend on the run's random note tag: root turns and sub-call prompts. */
const asked = (requests: readonly RecordedRequest[]) =>
  requests
    .map((request) =>
      turnOf(request) > 0 ? `root turn ${turnOf(request)}` : request.messages.at(-1)!.content,
    )
    .sort();

/** The requests of one run of the CLI, taken off the server's list. */
async function run(
  args: readonly string[],
  cwd: string,
  onSpawn?: Parameters<typeof runBuiltCli>[1]['onSpawn'],
): Promise<CliRun & { requests: RecordedRequest[] }> {
  const result = await runBuiltCli([...args, ...modelArgs()], {
    cwd,
    env: keyEnv,
    ...(onSpawn ? { onSpawn } : {}),
  });
  return { ...result, requests: server.requests.splice(0) };
}

/** Once the server has seen `count` requests, `then` runs (a signal to the CLI). */
function whenRequests(count: number, then: (child: ChildProcess) => void) {
  return (child: ChildProcess) => {
    const poll = setInterval(() => {
      if (server.requests.length >= count) {
        clearInterval(poll);
        then(child);
      }
    }, 20);
    child.on('close', () => clearInterval(poll));
  };
}

/** The root's second turn hangs (until the run is stopped): the first run stops with it in flight. */
function hangOnTurnTwo(request: RecordedRequest) {
  if (turnOf(request) === 2) return { text: 'never', delayMs: 20_000 };
  return logAnalystReply(request);
}

describe('rlm --resume', () => {
  let uninterrupted: string[];

  beforeAll(async () => {
    const cwd = await mkdtemp(join(tmpdir(), 'rlm-cli-resume-whole-'));
    await writeFile(join(cwd, 'app.log'), `${LOG_A}\n${LOG_B}\n`);
    const whole = await run([QUESTION, '-c', 'app.log'], cwd);
    await rm(cwd, { recursive: true, force: true });
    expect(whole.exitCode).toBe(0);
    uninterrupted = asked(whole.requests);
    expect(uninterrupted).toHaveLength(6);
  });

  it('after Ctrl-C (exit 130): replays turn 1, re-sends only the call that was cut off, and answers', async () => {
    const cwd = await logFolder();
    server.setResponder(hangOnTurnTwo);
    const first = await run(
      [QUESTION, '-c', 'app.log', '--trajectory', 'run.jsonl'],
      cwd,
      whenRequests(2, (child) => child.kill('SIGINT')),
    );
    expect(first.exitCode).toBe(130);
    expect(first.stderr).toContain(`rlm: trajectory written to ${join(cwd, 'run.jsonl')}`);
    const stopped = parseTrajectoryJsonl(await readFile(join(cwd, 'run.jsonl'), 'utf8'));
    expect(stopped.error?.name).toBe('RunAbortedError');
    expect(stopped.modelCalls).toHaveLength(1);

    server.setResponder(logAnalystReply);
    const resumed = await run(['--resume', 'run.jsonl', '-c', 'app.log'], cwd);
    expect(resumed.stderr).toContain(
      `rlm: resuming ${join(cwd, 'run.jsonl')}: 1 recorded model answer replay (no request sent), then the run goes on.`,
    );
    expect(resumed.exitCode).toBe(0);
    expect(resumed.stdout).toBe(ANSWER);
    expect(resumed.stderr).toContain(`rlm: resumed: 1 model call replayed from ${join(cwd, 'run.jsonl')}`);
    // Turn 1 was answered before Ctrl-C: not asked again. Turn 2 was cut off in flight: asked again.
    expect(asked(resumed.requests)).not.toContain('root turn 1');
    const answeredBefore = asked(first.requests).filter((request) => request !== 'root turn 2');
    expect([...answeredBefore, ...asked(resumed.requests)].sort()).toEqual(uninterrupted);
    // The trajectory was rewritten in place: the whole run, every answer once.
    const rewritten = parseTrajectoryJsonl(await readFile(join(cwd, 'run.jsonl'), 'utf8'));
    expect(rewritten.answer).toBe(ANSWER.trim());
    expect(rewritten.modelCalls).toHaveLength(6);
    expect(rewritten.iterations.map((iteration) => iteration.servedFrom ?? 'sent')).toEqual([
      'replay',
      'sent',
    ]);
  });

  it("after a limit (exit 3), resumed with a higher one: the first run's requests and the resumed run's make the uninterrupted run's", async () => {
    const cwd = await logFolder();
    // One call at a time, so no call is in flight when the limit stops the run: 2 root turns
    // (2,880 tokens) and three sub-calls (41 each) fit under 3,000 tokens; the fourth does not.
    const limits = ['--concurrency', '1', '--trajectory', 'run.jsonl'];
    const first = await run([QUESTION, '-c', 'app.log', ...limits, '--max-tokens', '3000'], cwd);
    expect(first.exitCode).toBe(3);
    expect(first.stderr).toContain('stopped by --max-tokens 3,000');
    expect(first.requests).toHaveLength(5);

    // The same limit again: everything replays, the limit stops it at the same place, nothing is sent.
    const again = await run(
      ['--resume', 'run.jsonl', '-c', 'app.log', ...limits, '--max-tokens', '3000'],
      cwd,
    );
    expect(again.exitCode).toBe(3);
    expect(again.requests).toHaveLength(0);

    const resumed = await run(
      ['--resume', 'run.jsonl', '-c', 'app.log', ...limits, '--max-tokens', '100000', '--json'],
      cwd,
    );
    expect(resumed.exitCode).toBe(0);
    const json = JSON.parse(resumed.stdout);
    expect(json.answer).toBe(ANSWER.trim());
    expect(json.resumed).toEqual({ from: join(cwd, 'run.jsonl'), recordedCalls: 5, replayedCalls: 5 });
    // The replayed calls count as spent: the whole run's tokens.
    expect(json.usage.total).toMatchObject({ calls: 6, replayedCalls: 5, inputTokens: 1200 + 1500 + 160 });
    expect([...asked(first.requests), ...asked(resumed.requests)].sort()).toEqual(uninterrupted);
  });

  it('after --max-turns ran out (exit 3), resumed with more turns: the turn taken replays, the run goes on', async () => {
    const cwd = await logFolder();
    const first = await run(
      [QUESTION, '-c', 'app.log', '--trajectory', 'run.jsonl', '--max-turns', '1'],
      cwd,
    );
    expect(first.exitCode).toBe(3);
    // Turn 1, then the call asking for the best answer, whose code ran the four sub-calls.
    expect(first.requests.map(turnOf)).toEqual([1, 2, 0, 0, 0, 0]);
    const resumed = await run(['--resume', 'run.jsonl', '-c', 'app.log', '--max-turns', '30'], cwd);
    expect(resumed.exitCode).toBe(0);
    expect(resumed.stdout).toBe(ANSWER);
    expect(resumed.stderr).toContain(
      `rlm: resumed: 5 model calls replayed from ${join(cwd, 'run.jsonl')}; 1 recorded answer was not asked for again (the run took another path)`,
    );
    // Turn 1 ("Turn 1/1" then, "Turn 1/30" now) replayed, and so did the sub-calls, whose prompts are
    // the same; only turn 2 was sent (the best-answer call, which saw other messages, was not asked again).
    expect(asked(resumed.requests)).toEqual(['root turn 2']);
  });

  it('after kill -9 (the last line cut off mid-write): the file written so far resumes', async () => {
    const cwd = await logFolder();
    server.setResponder(hangOnTurnTwo);
    const first = await run(
      [QUESTION, '-c', 'app.log', '--trajectory', 'run.jsonl'],
      cwd,
      whenRequests(2, (child) => child.kill('SIGKILL')),
    );
    expect(first.signal).toBe('SIGKILL');
    const path = join(cwd, 'run.jsonl');
    // What the killed process left: the metadata, turn 1's answer and turn 1; no end line.
    // (A recorded answer is a metadata line holding it in rlm_ts_model_call.)
    const types = (await readFile(path, 'utf8'))
      .trimEnd()
      .split('\n')
      .map((line) => {
        const record = JSON.parse(line);
        return record.rlm_ts_model_call ? 'model call' : record.type;
      });
    expect(types).toEqual(['metadata', 'model call', 'iteration']);
    await appendFile(path, '{"type":"metadata","rlm_ts_model_call":{"hash":"5f2c');

    server.setResponder(logAnalystReply);
    const resumed = await run(['--resume', 'run.jsonl', '-c', 'app.log'], cwd);
    expect(resumed.exitCode).toBe(0);
    expect(resumed.stdout).toBe(ANSWER);
    const answeredBefore = asked(first.requests).filter((request) => request !== 'root turn 2');
    expect([...answeredBefore, ...asked(resumed.requests)].sort()).toEqual(uninterrupted);
    const rewritten = parseTrajectoryJsonl(await readFile(path, 'utf8'));
    expect(rewritten.answer).toBe(ANSWER.trim());
  });

  it('resumes in another sandbox of the same language, and says so', async () => {
    const cwd = await logFolder();
    const first = await run([QUESTION, '-c', 'app.log', '--trajectory', 'run.jsonl'], cwd);
    expect(first.exitCode).toBe(0);
    const resumed = await run(['--resume', 'run.jsonl', '-c', 'app.log', '--env', 'isolated-vm'], cwd);
    expect(resumed.stderr).toContain(
      "rlm: note: recorded in 'quickjs', resumed in 'isolated-vm': the same language, so the cells re-run there.",
    );
    expect(resumed.exitCode).toBe(0);
    expect(resumed.stdout).toBe(ANSWER);
    expect(resumed.requests).toHaveLength(0);
  });

  it('refuses another context, another question, an older trajectory and a missing file (exit 2, nothing sent)', async () => {
    const cwd = await logFolder();
    const first = await run([QUESTION, '-c', 'app.log', '--trajectory', 'run.jsonl'], cwd);
    expect(first.exitCode).toBe(0);
    await writeFile(join(cwd, 'other.log'), LOG_A);

    const context = await run(['--resume', 'run.jsonl', '-c', 'other.log'], cwd);
    expect(context.exitCode).toBe(2);
    expect(context.stderr).toMatch(
      /rlm: --resume run\.jsonl: The context differs from the one the run was recorded with \(SHA-256 [0-9a-f]{12}…, recorded [0-9a-f]{12}…\): the replayed cells would see other data\. Give the same --context paths \(or stdin\) as the run that wrote it, with the same files, or start a new run\./,
    );
    const question = await run(['Another question?', '--resume', 'run.jsonl', '-c', 'app.log'], cwd);
    expect(question.exitCode).toBe(2);
    expect(question.stderr).toContain(
      'rlm: --resume run.jsonl: The question differs from the recorded one ("How many errors of each kind?"): a resume continues the same run. Ask the recorded question (or leave it out: rlm --resume FILE uses it), or start a new run for a new question.',
    );
    // A file of a version that recorded no answers (no context hash, no model-call lines).
    const lines = (await readFile(join(cwd, 'run.jsonl'), 'utf8')).trimEnd().split('\n');
    const head = JSON.parse(lines[0]!);
    delete head.rlm_ts_metadata.contextSha256;
    const older = [
      JSON.stringify(head),
      ...lines.slice(1).filter((line) => !line.includes('"rlm_ts_model_call":')),
    ];
    await writeFile(join(cwd, 'older.jsonl'), `${older.join('\n')}\n`);
    const old = await run(['--resume', 'older.jsonl', '-c', 'app.log'], cwd);
    expect(old.exitCode).toBe(2);
    expect(old.stderr).toContain(
      "rlm: --resume older.jsonl: This trajectory cannot be resumed: it was written by an older version that did not record the model's answers",
    );
    const missing = await run(['--resume', 'nowhere.jsonl', '-c', 'app.log'], cwd);
    expect(missing.exitCode).toBe(2);
    expect(missing.stderr).toContain(
      'rlm: --resume nowhere.jsonl: no such file. Give the trajectory a run wrote with --trajectory FILE.',
    );
    expect([...context.requests, ...question.requests, ...old.requests, ...missing.requests]).toHaveLength(0);
    // The refused runs left the trajectory as it was.
    expect(parseTrajectoryJsonl(await readFile(join(cwd, 'run.jsonl'), 'utf8')).answer).toBe(ANSWER.trim());
  });
});
