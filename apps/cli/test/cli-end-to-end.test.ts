import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readTrajectoryJsonl } from '@rlm/core';
import { startTestServer, type TestServer } from '@rlm/test-server';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { runBuiltCli } from './run-built-cli';
import { COUNT_REPLY, LOG_A, LOG_B, logAnalystReply, PEEK_REPLY } from './scripted-log-analyst';

let server: TestServer;
let folder: string;
const QUESTION = 'How many errors of each kind?';

beforeAll(async () => {
  server = await startTestServer({ respond: logAnalystReply });
});
afterAll(async () => {
  await server.close();
});

async function freshFolder(): Promise<string> {
  folder = await mkdtemp(join(tmpdir(), 'rlm-cli-e2e-'));
  return folder;
}
afterEach(async () => {
  server.setResponder(logAnalystReply);
  server.requests.length = 0;
  if (folder) await rm(folder, { recursive: true, force: true });
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

describe('rlm end to end against the test server', () => {
  it('answers about one file: answer on stdout, progress and summary on stderr, trajectory that reads back', async () => {
    const cwd = await freshFolder();
    await writeFile(join(cwd, 'app.log'), `${LOG_A}\n${LOG_B}\n`);
    const run = await runBuiltCli(
      [QUESTION, '--context', 'app.log', ...modelArgs(), '--trajectory', 'run.jsonl'],
      { cwd, env: keyEnv },
    );

    expect(run.stderr).not.toMatch(/rlm: (Unexpected|Could not)/);
    expect(run.exitCode).toBe(0);
    expect(run.stdout).toBe('disk: 3, network: 1\n');
    const characters = `${LOG_A}\n${LOG_B}\n`.length;
    expect(run.stderr).toContain(
      `rlm: context: app.log, ${characters} characters (~${Math.ceil(characters / 4)} tokens)\n`,
    );
    expect(run.stderr).toContain('turn 1/30');
    expect(run.stderr).toContain('turn 2/30');
    expect(run.stderr).toContain('cell 2.1 ran in');
    expect(run.stderr).toMatch(
      /rlm: answered · 2 turns · [\d.]+s · 4 sub-calls · tokens 2\.86k in, 184 out · cost unknown/,
    );

    // Root calls carry the system prompt; the four sub-calls are single user messages with one ERROR line each.
    const rootRequests = server.requests.filter((request) => request.messages[0]?.role === 'system');
    const subRequests = server.requests.filter((request) => request.messages[0]?.role !== 'system');
    expect(rootRequests.map((request) => request.model)).toEqual(['root-model', 'root-model']);
    expect(subRequests).toHaveLength(4);
    expect(
      subRequests.every((request) => request.model === 'sub-model' && request.messages.length === 1),
    ).toBe(true);
    expect(server.requests.every((request) => request.headers.authorization === 'Bearer dummy-key')).toBe(
      true,
    );
    // The context itself never went into a prompt: only the description's preview of it.
    expect(rootRequests[0]!.messages[1]!.content).toContain(QUESTION);

    const trajectory = await readTrajectoryJsonl(join(cwd, 'run.jsonl'));
    expect(trajectory.answer).toBe('disk: 3, network: 1');
    expect(trajectory.answerSource).toBe('FINAL_VAR');
    expect(trajectory.iterations.map((iteration) => iteration.response)).toEqual([PEEK_REPLY, COUNT_REPLY]);
    expect(trajectory.iterations[0]!.codeBlocks[0]!.result!.stdout).toBe(
      '1 documents\n2025-03-01 10:00:01 INFO start\n',
    );
    expect(trajectory.iterations[1]!.codeBlocks[0]!.subCalls.map((call) => call.response)).toEqual([
      'disk',
      'network',
      'disk',
      'disk',
    ]);
    expect(trajectory.metadata.rootModel).toBe('openai:root-model');
    expect(trajectory.metadata.subModel).toBe('openai:sub-model');
    expect(run.stderr).toContain(`rlm: trajectory written to ${join(cwd, 'run.jsonl')}`);
  });

  it('answers about a folder, skipping .git, node_modules, gitignored and binary files', async () => {
    const cwd = await freshFolder();
    await mkdir(join(cwd, 'logs', 'sub'), { recursive: true });
    await mkdir(join(cwd, 'logs', 'node_modules', 'pkg'), { recursive: true });
    await mkdir(join(cwd, 'logs', '.git'), { recursive: true });
    await writeFile(join(cwd, 'logs', '.gitignore'), 'ignored.log\n');
    await writeFile(join(cwd, 'logs', 'a.log'), LOG_A);
    await writeFile(join(cwd, 'logs', 'sub', 'b.log'), LOG_B);
    await writeFile(join(cwd, 'logs', 'ignored.log'), '2025 ERROR gitignored leaked\n');
    await writeFile(join(cwd, 'logs', 'node_modules', 'pkg', 'x.log'), '2025 ERROR node_modules leaked\n');
    await writeFile(join(cwd, 'logs', '.git', 'HEAD'), '2025 ERROR git leaked\n');
    await writeFile(join(cwd, 'logs', 'image.bin'), Buffer.from([0x89, 0x50, 0x00, 0x45, 0x52, 0x52]));

    const run = await runBuiltCli([QUESTION, '--context', 'logs', ...modelArgs()], { cwd, env: keyEnv });

    expect(run.exitCode).toBe(0);
    expect(run.stdout).toBe('disk: 3, network: 1\n');
    const characters = [
      '=== logs/.gitignore ===\nignored.log\n',
      `=== logs/a.log ===\n${LOG_A}`,
      `=== logs/sub/b.log ===\n${LOG_B}`,
    ].join('').length;
    expect(run.stderr).toContain(
      `rlm: context: 3 files, ${characters} characters (~${Math.ceil(characters / 4)} tokens); skipped 1 binary (logs/image.bin), 1 gitignored, 2 .git/node_modules folders\n`,
    );
    const everything = JSON.stringify(server.requests.map((request) => request.messages));
    expect(everything).not.toContain('leaked');
    // Each document starts with its path header, which the model's peek printed.
    const firstFeedback = server.requests.find((request) => request.messages.length === 4)!.messages[3]!
      .content;
    expect(firstFeedback).toContain('3 documents');
    expect(firstFeedback).toContain('=== logs/.gitignore ===\n=== logs/a.log ===\n=== logs/sub/b.log ===');
  });

  it('answers about stdin (--context -)', async () => {
    const cwd = await freshFolder();
    const run = await runBuiltCli([QUESTION, '--context', '-', ...modelArgs()], {
      cwd,
      env: keyEnv,
      stdin: `${LOG_A}\n${LOG_B}`,
    });
    expect(run.exitCode).toBe(0);
    expect(run.stdout).toBe('disk: 3, network: 1\n');
    const characters = `${LOG_A}\n${LOG_B}`.length;
    expect(run.stderr).toContain(
      `rlm: context: <stdin>, ${characters} characters (~${Math.ceil(characters / 4)} tokens)\n`,
    );
  });

  it('speaks the Anthropic protocol for anthropic: models (the base URL without /v1, RLM_API_KEY as the key)', async () => {
    const cwd = await freshFolder();
    await writeFile(join(cwd, 'app.log'), LOG_A);
    const run = await runBuiltCli(
      [
        QUESTION,
        '-c',
        'app.log',
        '--model',
        'anthropic:claude-root',
        '--sub-model',
        'anthropic:claude-sub',
        '--base-url',
        server.openaiBaseURL,
      ],
      { cwd, env: keyEnv },
    );
    expect(run.exitCode).toBe(0);
    expect(run.stdout).toBe('disk: 1, network: 1\n');
    expect(
      server.requests.map((request) => [request.protocol, request.path, request.headers.authorization]),
    ).toEqual(Array.from({ length: 4 }, () => ['anthropic', '/v1/messages', 'Bearer dummy-key']));
  });

  it('prints the whole result as JSON with --json', async () => {
    const cwd = await freshFolder();
    await writeFile(join(cwd, 'app.log'), LOG_A);
    const run = await runBuiltCli([QUESTION, '-c', 'app.log', ...modelArgs(), '--json', '--quiet'], {
      cwd,
      env: keyEnv,
    });
    expect(run.exitCode).toBe(0);
    expect(run.stderr).toBe('');
    const result = JSON.parse(run.stdout);
    expect(result).toMatchObject({
      answer: 'disk: 1, network: 1',
      partial: false,
      answerSource: 'FINAL_VAR',
      turns: 2,
      context: { documents: 1, characters: LOG_A.length, approximateTokens: Math.ceil(LOG_A.length / 4) },
      trajectoryFile: null,
      error: null,
      exitCode: 0,
    });
    expect(result.usage.total).toMatchObject({ calls: 4, inputTokens: 2780, outputTokens: 182 });
    expect(Object.keys(result.usage.byModel).sort()).toEqual(['openai:root-model', 'openai:sub-model']);
  });

  it('takes settings from flags, then RLM_* variables, then the project config, then the home config', async () => {
    const cwd = await freshFolder();
    const project = join(cwd, 'project', 'deep');
    await mkdir(project, { recursive: true });
    await mkdir(join(cwd, '.config', 'rlm'), { recursive: true });
    await writeFile(
      join(cwd, '.config', 'rlm', 'config.json'),
      JSON.stringify({
        model: 'openai:home-root',
        subModel: 'openai:home-sub',
        maxTurns: 7,
        baseUrl: server.openaiBaseURL,
      }),
    );
    await writeFile(join(cwd, 'project', '.rlmrc.json'), JSON.stringify({ model: 'openai:project-root' }));
    await writeFile(join(project, 'app.log'), LOG_A);

    // HOME is `cwd` (see runBuiltCli): the home file applies, the project file is found two folders up.
    const fromFiles = await runBuiltCli([QUESTION, '-c', 'app.log'], {
      cwd: project,
      env: { ...keyEnv, HOME: cwd, RLM_SUB_MODEL: 'openai:env-sub' },
    });
    expect(fromFiles.exitCode).toBe(0);
    expect(fromFiles.stderr).toContain('turn 1/7');
    expect(new Set(server.requests.map((request) => request.model))).toEqual(
      new Set(['project-root', 'env-sub']),
    );

    server.requests.length = 0;
    const fromFlags = await runBuiltCli(
      [QUESTION, '-c', 'app.log', '--model', 'openai:flag-root', '--max-turns', '5', '--verbose'],
      {
        cwd: project,
        env: { ...keyEnv, HOME: cwd, RLM_SUB_MODEL: 'openai:env-sub', RLM_MODEL: 'openai:env-root' },
      },
    );
    expect(fromFlags.exitCode).toBe(0);
    expect(fromFlags.stderr).toContain('turn 1/5');
    expect(fromFlags.stderr).toContain('rlm: model = "openai:flag-root" (from --model)');
    expect(fromFlags.stderr).toContain('rlm: subModel = "openai:env-sub" (from RLM_SUB_MODEL)');
    expect(fromFlags.stderr).toContain(
      `rlm: baseUrl = "${server.openaiBaseURL}" (from ${join(cwd, '.config', 'rlm', 'config.json')})`,
    );
    expect(new Set(server.requests.map((request) => request.model))).toEqual(
      new Set(['flag-root', 'env-sub']),
    );
  });

  it('exits 3 when a limit stops the run, says which flag stopped it, and prints no chatter as a partial answer', async () => {
    const cwd = await freshFolder();
    await writeFile(join(cwd, 'app.log'), LOG_A);
    const run = await runBuiltCli(
      [QUESTION, '-c', 'app.log', ...modelArgs(), '--max-tokens', '1500', '--trajectory', 'stopped.jsonl'],
      {
        cwd,
        env: keyEnv,
      },
    );
    expect(run.exitCode).toBe(3);
    // The root's last reply was a plan with code ("Now classify every ERROR line…"): not an answer.
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(
      /rlm: stopped by --max-tokens 1,500 after [\d.]+k? tokens \([\d.]+s\)(; 2 sub-calls in flight or queued cancelled)?\. There is no partial answer: the model had not given one yet\./,
    );
    expect(run.stderr).not.toContain('limits.');
    expect(run.stderr).toMatch(/rlm: stopped by --max-tokens · 2 turns/);
    const trajectory = await readTrajectoryJsonl(join(cwd, 'stopped.jsonl'));
    expect(trajectory.error?.name).toBe('LimitExceededError');
  });

  it('--max-sub-calls fails only the calls over it: the run answers, and exits 4 because one sub-call failed', async () => {
    const cwd = await freshFolder();
    await writeFile(join(cwd, 'app.log'), LOG_A);
    const run = await runBuiltCli([QUESTION, '-c', 'app.log', ...modelArgs(), '--max-sub-calls', '1'], {
      cwd,
      env: keyEnv,
    });
    expect(run.exitCode).toBe(4);
    expect(run.stderr).toContain('rlm: answered, 1 of 2 sub-calls failed (exit 4)');
    expect(run.stderr).toContain('its limit (--max-sub-calls)');
    expect(run.stderr).not.toContain('limits.maxSubCalls');
    expect(run.stderr).toMatch(/ · 2 sub-calls \(1 failed\) · /);
  });

  it('stops on SIGINT (Ctrl-C without a terminal): cancels the slow call, exits 130 (no chatter as a partial answer)', async () => {
    const cwd = await freshFolder();
    await writeFile(join(cwd, 'app.log'), LOG_A);
    let released = false;
    server.setResponder(async (request) => {
      const turn = request.messages.filter((message) => message.role === 'assistant').length + 1;
      if (turn === 2) return { text: COUNT_REPLY, delayMs: 20_000 };
      return logAnalystReply(request);
    });
    const run = await runBuiltCli([QUESTION, '-c', 'app.log', ...modelArgs()], {
      cwd,
      env: keyEnv,
      onSpawn: (child) => {
        const poll = setInterval(() => {
          if (server.requests.length >= 2 && !released) {
            released = true;
            clearInterval(poll);
            child.kill('SIGINT');
          }
        }, 20);
      },
    });
    expect(run.exitCode).toBe(130);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(
      /rlm: stopped by Ctrl-C after [\d.]+s\. There is no partial answer: the model had not given one yet\./,
    );
    expect(run.stderr).toMatch(/rlm: interrupted · 1 turn/);
  });
});

describe('rlm errors a newcomer meets', () => {
  it('no API key: names the variable and --base-url, exit 2, nothing sent', async () => {
    const cwd = await freshFolder();
    await writeFile(join(cwd, 'a.txt'), 'text');
    const run = await runBuiltCli(['q', '-c', 'a.txt', '--model', 'openai:gpt-5-mini'], { cwd, env: {} });
    expect(run.exitCode).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toBe(
      'rlm: No API key for --model openai:gpt-5-mini: set OPENAI_API_KEY (export OPENAI_API_KEY=...). To use a local OpenAI-compatible server instead (Ollama, vLLM, LM Studio), pass --base-url, e.g. --base-url http://localhost:11434/v1 with openai:MODEL; if that server needs a key, set RLM_API_KEY. ' +
        'To run a model on this machine with no key and no server: --model local:qwen2.5-coder-1.5b (downloads 1.1 GB once into ~/.cache/rlm/models; needs @rlm/llama-cpp), ' +
        'other aliases: qwen2.5-coder-3b (2.1 GB), qwen2.5-coder-7b (4.7 GB); or local:/path/to/model.gguf.\n',
    );
    const anthropic = await runBuiltCli(['q', '-c', 'a.txt', '--model', 'anthropic:claude-sonnet-4-5'], {
      cwd,
      env: {},
    });
    expect(anthropic.exitCode).toBe(2);
    expect(anthropic.stderr).toContain('set ANTHROPIC_API_KEY (export ANTHROPIC_API_KEY=...)');
  });

  it('unknown provider: lists the known ones, the OpenAI-compatible and the AI SDK routes, exit 2', async () => {
    const cwd = await freshFolder();
    await writeFile(join(cwd, 'a.txt'), 'text');
    const run = await runBuiltCli(['q', '-c', 'a.txt', '--model', 'foo:bar'], { cwd, env: keyEnv });
    expect(run.exitCode).toBe(2);
    expect(run.stderr).toBe(
      "rlm: --model 'foo:bar': unknown provider 'foo'. Known providers: openai, anthropic, local. For any other OpenAI-compatible server (Ollama, vLLM, LM Studio, OpenRouter), use openai:bar with --base-url URL; " +
        'for an AI SDK provider package you installed, ai-sdk:PACKAGE:MODEL (e.g. ai-sdk:@ai-sdk/google:gemini-2.5-pro).\n',
    );
    const noProvider = await runBuiltCli(['q', '-c', 'a.txt', '--model', 'gpt-5-mini'], { cwd, env: keyEnv });
    expect(noProvider.exitCode).toBe(2);
    expect(noProvider.stderr).toContain(
      "--model 'gpt-5-mini' names no provider. Write it as PROVIDER:MODEL, e.g. openai:gpt-5-mini",
    );
  });

  it('unknown model on the server: exit 1 with what to check', async () => {
    const cwd = await freshFolder();
    await writeFile(join(cwd, 'a.txt'), 'text');
    server.setResponder(() => ({ fault: 'model-not-found' }));
    const run = await runBuiltCli(['q', '-c', 'a.txt', ...modelArgs()], { cwd, env: keyEnv });
    expect(run.exitCode).toBe(1);
    expect(run.stderr).toContain(
      `rlm: The server at ${server.openaiBaseURL} does not know the model 'root-model'`,
    );
    expect(run.stderr).toContain('Check --model and --sub-model');
  });

  it('unreachable base URL (a closed port): exit 1 naming the URL', async () => {
    const cwd = await freshFolder();
    await writeFile(join(cwd, 'a.txt'), 'text');
    const closed = await startTestServer();
    const url = closed.openaiBaseURL;
    await closed.close();
    const run = await runBuiltCli(
      ['q', '-c', 'a.txt', '--model', 'openai:m', '--base-url', url, '--max-retries', '0'],
      {
        cwd,
        env: keyEnv,
      },
    );
    expect(run.exitCode).toBe(1);
    expect(run.stderr).toContain(
      `rlm: Could not reach the server at ${url}. Is the server running, and is --base-url right?`,
    );
  });

  it('rate limited on every try: exit 1 after the rate-limit retries (10, apart from --max-retries)', async () => {
    const cwd = await freshFolder();
    await writeFile(join(cwd, 'a.txt'), 'text');
    server.setResponder(() => ({ fault: 'rate-limit', retryAfterMs: 0 }));
    const run = await runBuiltCli(['q', '-c', 'a.txt', ...modelArgs(), '--max-retries', '1'], {
      cwd,
      env: keyEnv,
    });
    expect(run.exitCode).toBe(1);
    expect(run.stderr).toContain(
      `rlm: The server at ${server.openaiBaseURL} kept answering "rate limited" (HTTP 429), also after 10 retries.`,
    );
    expect(server.requests).toHaveLength(11);
  });

  it('a provider error on root turn 2 (a persistent 503): exit 1, and the trajectory, the turns and the usage so far are still written', async () => {
    const cwd = await freshFolder();
    await writeFile(join(cwd, 'app.log'), LOG_A);
    server.setResponder((request) => {
      const rootTurn = request.messages.filter((message) => message.role === 'assistant').length + 1;
      return request.messages[0]?.role === 'system' && rootTurn >= 2
        ? { fault: 'server-error', status: 503 }
        : logAnalystReply(request);
    });
    const run = await runBuiltCli(
      [
        QUESTION,
        '-c',
        'app.log',
        ...modelArgs(),
        '--max-retries',
        '1',
        '--trajectory',
        'failed.jsonl',
        '--json',
      ],
      { cwd, env: keyEnv },
    );
    expect(run.exitCode).toBe(1);
    expect(run.stderr).not.toContain('no trajectory written');
    expect(run.stderr).toContain('rlm: trajectory written to');
    // Turn 1 was answered, then turn 2 failed on both attempts.
    expect(server.requests).toHaveLength(3);
    const result = JSON.parse(run.stdout);
    expect(result.turns).toBeGreaterThan(0);
    expect(result.usage.total).toMatchObject({ calls: 1, inputTokens: 1200, outputTokens: 60 });
    expect(result.error).toMatchObject({ name: 'APICallError' });
    expect(result.exitCode).toBe(1);
    expect(result.trajectoryFile).toBe(join(cwd, 'failed.jsonl'));
    // Turn 1's reply was a plan with code ("Let me look at the context first."): no partial answer.
    expect(result.answer).toBeNull();
    expect(result.partial).toBe(false);
    const trajectory = await readTrajectoryJsonl(join(cwd, 'failed.jsonl'));
    expect(trajectory.error?.name).toBe('APICallError');
    expect(trajectory.iterations.length).toBeGreaterThan(0);
    expect(trajectory.iterations[0]!.codeBlocks[0]!.code).toContain('documents');
  });

  it('answered, but a sub-call failed after the retries: says "answered, 1 of 2 sub-calls failed" and exits 4', async () => {
    const cwd = await freshFolder();
    await writeFile(join(cwd, 'app.log'), LOG_A);
    server.setResponder((request) =>
      request.messages[0]?.role !== 'system' && /network/.test(request.messages.at(-1)?.content ?? '')
        ? { fault: 'server-error', status: 503 }
        : logAnalystReply(request),
    );
    const run = await runBuiltCli([QUESTION, '-c', 'app.log', ...modelArgs(), '--max-retries', '1'], {
      cwd,
      env: keyEnv,
    });
    expect(run.exitCode).toBe(4);
    expect(run.stdout).not.toBe('');
    expect(run.stderr).toContain('rlm: answered, 1 of 2 sub-calls failed (exit 4)');
    expect(run.stderr).toMatch(/ {2}1× APICallError: .*503/);
    expect(run.stderr).toMatch(/rlm: answered, 1 of 2 sub-calls failed · 2 turns/);

    const json = await runBuiltCli(
      [QUESTION, '-c', 'app.log', ...modelArgs(), '--max-retries', '0', '--json'],
      {
        cwd,
        env: keyEnv,
      },
    );
    expect(json.exitCode).toBe(4);
    const result = JSON.parse(json.stdout);
    expect(result.exitCode).toBe(4);
    expect(result.failedSubCalls).toMatchObject({ count: 1, total: 2 });
    expect(result.failedSubCalls.reasons[0].message).toMatch(/^APICallError: .*503/);
  });

  it('sandbox package not installed: names the package to add, exit 2', async () => {
    const cwd = await freshFolder();
    await writeFile(join(cwd, 'a.txt'), 'text');
    const run = await runBuiltCli(['q', '-c', 'a.txt', ...modelArgs(), '--env', 'isolated-vm'], {
      cwd,
      env: { ...keyEnv, RLM_ENV_PACKAGE: '@rlm/env-not-installed' },
    });
    expect(run.exitCode).toBe(2);
    expect(run.stderr).toContain(
      'rlm: The sandbox (isolated-vm) failed: --env isolated-vm needs the package @rlm/env-not-installed, which is not installed. Install it next to rlm',
    );
    expect(server.requests).toHaveLength(0);
  });

  it('--env isolated-vm relaunches Node with --no-node-snapshot, which isolated-vm needs on Node 20+', async () => {
    const cwd = await freshFolder();
    await writeFile(join(cwd, 'a.txt'), 'text');
    // An environment package that reports the flags of the process that loaded it.
    await writeFile(
      join(cwd, 'report-flags.mjs'),
      'export function createReportingEnvironment() { throw new Error("execArgv=" + process.execArgv.join(" ")); }\n',
    );
    const run = await runBuiltCli(['q', '-c', 'a.txt', ...modelArgs(), '--env', 'isolated-vm'], {
      cwd,
      env: { ...keyEnv, RLM_ENV_PACKAGE: join(cwd, 'report-flags.mjs') },
    });
    expect(run.stderr).toContain(
      `rlm: The sandbox (isolated-vm) failed: --env isolated-vm: creating the environment from ${join(cwd, 'report-flags.mjs')} failed: execArgv=--no-node-snapshot`,
    );
    expect(run.exitCode).toBe(2);
  });

  it('context problems are usage errors naming the path: missing, empty, not UTF-8', async () => {
    const cwd = await freshFolder();
    const missing = await runBuiltCli(['q', '-c', 'nope.txt', ...modelArgs()], { cwd, env: keyEnv });
    expect(missing.exitCode).toBe(2);
    expect(missing.stderr).toContain(
      `rlm: --context: 'nope.txt' does not exist (looked for ${join(cwd, 'nope.txt')}).`,
    );

    await writeFile(join(cwd, 'a.txt'), 'text');
    const unquoted = await runBuiltCli(['What', 'is', 'this?', '-c', 'a.txt', ...modelArgs()], {
      cwd,
      env: keyEnv,
    });
    expect(unquoted.exitCode).toBe(2);
    expect(unquoted.stderr).toContain(
      "('is' came after the question: if it is part of the question, put the whole question in quotes.)",
    );

    await writeFile(join(cwd, 'empty.txt'), '');
    const empty = await runBuiltCli(['q', '-c', 'empty.txt', ...modelArgs()], { cwd, env: keyEnv });
    expect(empty.exitCode).toBe(2);
    expect(empty.stderr).toContain("rlm: The context is empty: 'empty.txt' holds only empty files.");

    await writeFile(join(cwd, 'latin1.txt'), Buffer.from('caf\xe9\nna\xefve', 'latin1'));
    const latin1 = await runBuiltCli(['q', '-c', 'latin1.txt', ...modelArgs()], { cwd, env: keyEnv });
    expect(latin1.exitCode).toBe(2);
    expect(latin1.stderr).toContain('rlm: latin1.txt is not UTF-8 text: byte 3 (line 1) is 0xe9');
    expect(latin1.stderr).toContain('iconv -f latin1 -t utf-8 latin1.txt > converted.txt');
    expect(server.requests).toHaveLength(0);
  });
});

it('keeps its answer off stderr and everything else off stdout', async () => {
  const cwd = await freshFolder();
  await writeFile(join(cwd, 'app.log'), LOG_A);
  const run = await runBuiltCli([QUESTION, '-c', 'app.log', ...modelArgs(), '--verbose'], {
    cwd,
    env: keyEnv,
  });
  expect(run.exitCode).toBe(0);
  expect(run.stdout).toBe('disk: 1, network: 1\n');
  expect(run.stderr).not.toContain('disk: 1, network: 1\n');
  expect(run.stderr).toContain('  │ const documents = Array.isArray(context) ? context : [context];');
  expect(await readFile(join(cwd, 'app.log'), 'utf8')).toBe(LOG_A);
});
