import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readTrajectoryJsonl } from '@rlm/core';
import { demoResponder, type RecordedRequest, startTestServer, type TestServer } from '@rlm/test-server';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { BUILT_CLI, runBuiltCli } from './run-built-cli';
import { LOG_A, LOG_B, logAnalystReply } from './scripted-log-analyst';

/*
 * Issue 13: what a new user tripped over on the first day, one test (or more) per finding, each
 * against the built CLI and a real local server.
 */

let server: TestServer;
let folder: string;
const QUESTION = 'How many errors of each kind?';
const fence = '```';

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
});

async function freshFolder(): Promise<string> {
  folder = await mkdtemp(join(tmpdir(), 'rlm-cli-day1-'));
  return folder;
}

const modelArgs = () => [
  '--model',
  'openai:root-model',
  '--sub-model',
  'openai:sub-model',
  '--base-url',
  server.openaiBaseURL,
];
const keyEnv = { RLM_API_KEY: 'dummy-key' };
const isRoot = (request: RecordedRequest) => request.messages[0]?.role === 'system';
const rootTurn = (request: RecordedRequest) =>
  request.messages.filter((message) => message.role === 'assistant').length + 1;
const code = (source: string, prose = '') =>
  `${prose}${prose ? '\n' : ''}${fence}javascript\n${source}\n${fence}`;

/** A root model that fans out `count` sub-calls in turn 1 and answers with FINAL in turn 2; sub-calls take `subDelayMs`. */
function fanOut(count: number, subDelayMs: number, prose = "I'll ask a sub-model about every chunk.") {
  return (request: RecordedRequest) => {
    if (!isRoot(request))
      return { text: 'ok', delayMs: subDelayMs, usage: { inputTokens: 10, outputTokens: 1 } };
    return rootTurn(request) === 1
      ? {
          text: code(
            `const answers = await llm_query_batched(Array.from({ length: ${count} }, (_, i) => 'chunk ' + i));\nconsole.log(answers.length);`,
            prose,
          ),
        }
      : { text: code('FINAL("done " + answers.length)') };
  };
}

describe('1. nothing writes behind the display: no listener-leak warning on a batch of 200', () => {
  it('a batch of 200 sub-calls prints no MaxListenersExceededWarning (nor any Node warning)', async () => {
    const cwd = await freshFolder();
    await writeFile(join(cwd, 'a.txt'), 'text');
    server.setResponder(fanOut(200, 5));
    const run = await runBuiltCli(['q', '-c', 'a.txt', ...modelArgs()], { cwd, env: keyEnv });
    expect(run.exitCode).toBe(0);
    expect(run.stdout).toBe('done 200\n');
    expect(run.stderr).not.toMatch(/MaxListenersExceeded|\(node:\d+\)|Warning/);
  });

  it("a Node warning goes through rlm's own output ('rlm: warning: …'), never raw behind the display", async () => {
    const cwd = await freshFolder();
    await writeFile(join(cwd, 'a.txt'), 'text');
    await writeFile(
      join(cwd, 'warn.cjs'),
      // In the main thread only: NODE_OPTIONS' --require also runs in worker threads (QuickJS may run in one).
      "if (require('node:worker_threads').isMainThread) setTimeout(() => process.emitWarning('something is deprecated', 'DeprecationWarning'), 1000).unref();\n",
    );
    server.setResponder(fanOut(4, 2_500));
    const run = await runBuiltCli(['q', '-c', 'a.txt', ...modelArgs()], {
      cwd,
      env: { ...keyEnv, NODE_OPTIONS: `--require ${join(cwd, 'warn.cjs')}` },
    });
    expect(run.exitCode).toBe(0);
    expect(run.stderr).toContain('rlm: warning: DeprecationWarning: something is deprecated\n');
    expect(run.stderr).not.toMatch(/\(node:\d+\)/);
  });
});

describe('1. the Anthropic SDK writes nothing behind the display', () => {
  it("its per-call deprecation warning for claude-sonnet-4-5 comes once, as rlm's warning", async () => {
    const cwd = await freshFolder();
    await writeFile(join(cwd, 'app.log'), LOG_A);
    const run = await runBuiltCli(
      [
        QUESTION,
        '-c',
        'app.log',
        '--model',
        'anthropic:claude-sonnet-4-5',
        '--base-url',
        server.openaiBaseURL,
      ],
      { cwd, env: keyEnv },
    );
    expect(run.exitCode).toBe(0);
    expect(run.stdout).toBe('disk: 1, network: 1\n');
    expect(server.requests).toHaveLength(4);
    expect(run.stderr.match(/is deprecated and will reach end-of-life/g)).toHaveLength(1);
    expect(run.stderr).toContain("rlm: warning: The model 'claude-sonnet-4-5' is deprecated");
  });
});

describe('2. a limit stop is one line, in flags', () => {
  it('--timeout on a 200-sub-call batch: one "stopped by --timeout" line, no line per cancelled sub-call', async () => {
    const cwd = await freshFolder();
    await writeFile(join(cwd, 'a.txt'), 'text');
    server.setResponder(fanOut(200, 600));
    const run = await runBuiltCli(['q', '-c', 'a.txt', ...modelArgs(), '--timeout', '3s'], {
      cwd,
      env: keyEnv,
    });
    expect(run.exitCode).toBe(3);
    expect(run.stderr).toMatch(
      /^rlm: stopped by --timeout 3\.0s after [\d.]+s; \d+ sub-calls in flight or queued cancelled\. There is no partial answer: the model had not given one yet\.$/m,
    );
    expect(run.stderr).not.toContain('failed: The run took longer');
    expect(run.stderr).not.toContain('limits.');
    expect(run.stderr.split('\n').filter((line) => /failed|cancelled/.test(line)).length).toBeLessThanOrEqual(
      2,
    );
    expect(run.stderr).toMatch(
      /rlm: stopped by --timeout · 1 turn · [\d.]+s · 200 sub-calls \(\d+ cancelled\)/,
    );
  });

  it('--max-cost on a fan-out: one "stopped by --max-cost" line, and the plan is not printed as a partial answer', async () => {
    const cwd = await freshFolder();
    await writeFile(join(cwd, 'a.txt'), 'text');
    server.setResponder((request) =>
      isRoot(request)
        ? fanOut(200, 0, "I'll ask a sub-model about every package.json.")(request)
        : { text: 'ok', delayMs: 50, usage: { inputTokens: 2_000, outputTokens: 10 } },
    );
    const run = await runBuiltCli(
      [
        'q',
        '-c',
        'a.txt',
        '--model',
        'openai:gpt-5.4-mini',
        '--base-url',
        server.openaiBaseURL,
        '--max-cost',
        '0.003',
      ],
      { cwd, env: keyEnv },
    );
    expect(run.exitCode).toBe(3);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(
      /^rlm: stopped by --max-cost \$0\.0030 after \$0\.\d{4} was spent \([\d.]+s\)(; \d+ sub-calls in flight or queued cancelled)?\. There is no partial answer: the model had not given one yet\.$/m,
    );
    expect(run.stderr).not.toMatch(/failed: |maxCostUsd|limits\./);
  });

  it('200 sub-calls failing alike are one logged line and a tally, not 200 lines', async () => {
    const cwd = await freshFolder();
    await writeFile(join(cwd, 'a.txt'), 'text');
    server.setResponder(fanOut(200, 0));
    const run = await runBuiltCli(['q', '-c', 'a.txt', ...modelArgs(), '--max-sub-calls', '100'], {
      cwd,
      env: keyEnv,
    });
    expect(run.exitCode).toBe(4);
    expect(run.stderr.match(/llm_query to openai:sub-model failed/g)).toHaveLength(1);
    expect(run.stderr).toContain('cell 1.1 ran in');
    expect(run.stderr).toContain('sub-calls 100 done, 100 failed');
  });
});

describe('3. numbers that are true', () => {
  it('--max-sub-calls 100 with a batch of 200: 100 sent, 100 refused, and the summary, --json and exit say so', async () => {
    const cwd = await freshFolder();
    await writeFile(join(cwd, 'a.txt'), 'text');
    server.setResponder(fanOut(200, 0));
    const run = await runBuiltCli(['q', '-c', 'a.txt', ...modelArgs(), '--max-sub-calls', '100', '--json'], {
      cwd,
      env: keyEnv,
    });
    expect(run.exitCode).toBe(4);
    expect(server.requests.filter((request) => !isRoot(request))).toHaveLength(100);
    expect(run.stderr).toContain('Not sent: the run already made 100 sub-calls, its limit (--max-sub-calls)');
    expect(run.stderr).toMatch(/ · 200 sub-calls \(100 failed\) · /);
    const result = JSON.parse(run.stdout);
    expect(result.failedSubCalls).toMatchObject({ count: 100, total: 200 });
    expect(result.exitCode).toBe(4);
  });

  it('every sub-call refused (prompts over the window): not a plain success — exit 4, failures counted', async () => {
    const cwd = await freshFolder();
    await writeFile(join(cwd, 'a.txt'), 'text');
    server.setResponder((request) =>
      rootTurn(request) === 1
        ? {
            text: code(
              "const answers = await llm_query_batched(Array.from({ length: 8 }, () => 'x'.repeat(2_000_000)));\nconsole.log(answers[0].slice(0, 40));",
            ),
          }
        : { text: code('FINAL("summary of nothing")') },
    );
    const run = await runBuiltCli(['q', '-c', 'a.txt', ...modelArgs(), '--json'], { cwd, env: keyEnv });
    expect(run.exitCode).toBe(4);
    expect(server.requests.every(isRoot)).toBe(true);
    const result = JSON.parse(run.stdout);
    expect(result.failedSubCalls).toMatchObject({ count: 8, total: 8 });
    expect(result.failedSubCalls.reasons[0].message).toMatch(/^ContextWindowExceededError: /);
    expect(run.stderr).toContain('rlm: answered, 8 of 8 sub-calls failed (exit 4)');
  });
});

describe('4. a partial answer is something that answers; the turn limit exits 3', () => {
  it('--max-turns 1 and a fenced code block as the last word: exit 3, nothing on stdout, said on stderr', async () => {
    const cwd = await freshFolder();
    await writeFile(join(cwd, 'a.txt'), 'text');
    server.setResponder((request) =>
      rootTurn(request) === 1
        ? { text: code('console.log(context.length)', "I'll look first.") }
        : { text: `${fence}js\nconsole.log("still exploring")\n${fence}` },
    );
    const run = await runBuiltCli(['q', '-c', 'a.txt', ...modelArgs(), '--max-turns', '1'], {
      cwd,
      env: keyEnv,
    });
    expect(run.exitCode).toBe(3);
    expect(run.stdout).toBe('');
    expect(run.stderr).toContain(
      'rlm: stopped by --max-turns 1: the turns ran out before the model called FINAL. There is no partial answer: the model had not given one yet.',
    );
  });

  it('a model that never writes code does not "answer" with exit 0: its prose at the turn limit is PARTIAL, exit 3', async () => {
    const cwd = await freshFolder();
    await writeFile(join(cwd, 'a.txt'), 'text');
    server.setResponder(() => ({ text: 'There are probably three errors.' }));
    const run = await runBuiltCli(['q', '-c', 'a.txt', ...modelArgs(), '--max-turns', '3', '--json'], {
      cwd,
      env: keyEnv,
    });
    expect(run.exitCode).toBe(3);
    const result = JSON.parse(run.stdout);
    expect(result).toMatchObject({
      answer: 'There are probably three errors.',
      partial: true,
      answerSource: 'max-turns-fallback',
      exitCode: 3,
      error: { limit: 'maxTurns' },
    });
    expect(run.stderr).toContain("The answer in the JSON is PARTIAL: the model's best guess");
  });

  it('a FINAL(...) written as code in the last reply runs: its value is the answer, not the code', async () => {
    const cwd = await freshFolder();
    await writeFile(join(cwd, 'a.txt'), 'text');
    server.setResponder((request) =>
      rootTurn(request) === 1
        ? { text: code('const total = 41 + 1;\nconsole.log(total)', 'Counting.') }
        : { text: `${fence}js\nFINAL(String(total))\n${fence}` },
    );
    const run = await runBuiltCli(['q', '-c', 'a.txt', ...modelArgs(), '--max-turns', '1'], {
      cwd,
      env: keyEnv,
    });
    expect(run.stdout).toBe('42\n');
    expect(run.exitCode).toBe(3);
  });
});

describe('5. every path, URL and option is checked before the first request', () => {
  it('--trajectory in a folder that does not exist: exit 2, nothing sent', async () => {
    const cwd = await freshFolder();
    await writeFile(join(cwd, 'a.txt'), 'text');
    const run = await runBuiltCli(
      ['q', '-c', 'a.txt', ...modelArgs(), '--trajectory', join(cwd, 'no', 'such', 'x.jsonl')],
      { cwd, env: keyEnv },
    );
    expect(run.exitCode).toBe(2);
    expect(run.stderr).toBe(
      `rlm: --trajectory ${join(cwd, 'no', 'such', 'x.jsonl')}: the folder ${join(cwd, 'no', 'such')} does not exist. Create it first (mkdir -p ${join(cwd, 'no', 'such')}) or write the trajectory elsewhere.\n`,
    );
    expect(server.requests).toHaveLength(0);
  });

  it('--base-url notaurl: exit 2 before the context is read', async () => {
    const cwd = await freshFolder();
    const run = await runBuiltCli(
      ['q', '-c', 'missing.txt', '--model', 'openai:m', '--base-url', 'notaurl'],
      {
        cwd,
        env: keyEnv,
      },
    );
    expect(run.exitCode).toBe(2);
    expect(run.stderr).toBe(
      "rlm: --base-url: 'notaurl' is not an http:// or https:// URL. Give the server's full address, e.g. --base-url http://localhost:11434/v1 (Ollama) or http://localhost:8000/v1 (vLLM).\n",
    );
  });

  it('a base URL without /v1 is named as a missing route, not an unknown model', async () => {
    const cwd = await freshFolder();
    await writeFile(join(cwd, 'a.txt'), 'text');
    const run = await runBuiltCli(
      ['q', '-c', 'a.txt', '--model', 'openai:gpt-5', '--base-url', server.url, '--max-retries', '0'],
      { cwd, env: keyEnv },
    );
    expect(run.exitCode).toBe(1);
    expect(run.stderr).toContain(`rlm: The server at ${server.url} has no route for`);
    expect(run.stderr).toContain('Check --base-url: OpenAI-compatible servers usually end in /v1');
    expect(run.stderr).not.toContain('does not know the model');
  });

  it('unknown flags get a "did you mean", plain rlm gets a short usage', async () => {
    const cwd = await freshFolder();
    const typo = await runBuiltCli(['q', '--max-turn', '3'], { cwd, env: keyEnv });
    expect(typo.exitCode).toBe(2);
    expect(typo.stderr).toBe(
      'rlm: Unknown option --max-turn. Did you mean --max-turns? See rlm --help for every option.\n',
    );
    const bare = await runBuiltCli([], { cwd, env: keyEnv });
    expect(bare.exitCode).toBe(2);
    expect(bare.stderr).toMatch(/^Usage: rlm "QUESTION" --context PATH\.\.\. --model PROVIDER:MODEL/);
    expect(bare.stderr).toContain('rlm --help');
  });
});

describe('6. each error said once, in CLI terms', () => {
  it('rate limited: one paragraph naming --concurrency and --max-retries, no createRLM, the server words once', async () => {
    const cwd = await freshFolder();
    await writeFile(join(cwd, 'a.txt'), 'text');
    server.setResponder(() => ({ fault: 'rate-limit', retryAfterMs: 0 }));
    const run = await runBuiltCli(['q', '-c', 'a.txt', ...modelArgs(), '--max-retries', '0'], {
      cwd,
      env: keyEnv,
    });
    expect(run.exitCode).toBe(1);
    expect(run.stderr).not.toMatch(/createRLM|maxConcurrency|createOpenAI|maxRetries/);
    expect(run.stderr).not.toContain('model call to');
    expect(run.stderr).toContain('--concurrency');
    const serverWords = /It said: (.*)$/m.exec(run.stderr)?.[1] ?? '';
    expect(serverWords).not.toBe('');
    expect(run.stderr.split(serverWords)).toHaveLength(2);
  });

  it('a key the server refuses: set RLM_API_KEY (not createOpenAI({ apiKey }))', async () => {
    const cwd = await freshFolder();
    await writeFile(join(cwd, 'a.txt'), 'text');
    server.setResponder(() => ({ fault: 'invalid-key' }));
    const run = await runBuiltCli(['q', '-c', 'a.txt', ...modelArgs()], { cwd, env: keyEnv });
    expect(run.exitCode).toBe(1);
    expect(run.stderr).toContain('Set RLM_API_KEY to the key it expects.');
    expect(run.stderr).not.toContain('createOpenAI');
  });
});

describe('7. getting context in', () => {
  it('--exclude (repeatable) leaves paths out of a folder; a non-UTF-8 file in a folder is skipped with one warning', async () => {
    const cwd = await freshFolder();
    await mkdir(join(cwd, 'logs', 'old'), { recursive: true });
    await writeFile(join(cwd, 'logs', 'a.log'), LOG_A);
    await writeFile(join(cwd, 'logs', 'b.log'), LOG_B);
    await writeFile(join(cwd, 'logs', 'old', 'c.log'), '2025 ERROR excluded leaked\n');
    await writeFile(join(cwd, 'logs', 'notes.tmp'), '2025 ERROR tmp leaked\n');
    await writeFile(join(cwd, 'logs', 'latin1.log'), Buffer.from('caf\xe9 ERROR latin\n', 'latin1'));
    const run = await runBuiltCli(
      [QUESTION, '-c', 'logs', ...modelArgs(), '--exclude', 'old/', '--exclude', '*.tmp'],
      { cwd, env: keyEnv },
    );
    expect(run.exitCode).toBe(0);
    expect(run.stdout).toBe('disk: 3, network: 1\n');
    expect(run.stderr).toMatch(
      /rlm: context: 2 files, [\d,]+ characters \(~[\d,]+ tokens\); skipped 1 not UTF-8, 2 by --exclude\n/,
    );
    expect(run.stderr.match(/not UTF-8 text: logs\/latin1\.log/g)).toHaveLength(1);
    expect(JSON.stringify(server.requests.map((request) => request.messages))).not.toContain('leaked');
  });

  it('piped stdin is the context without --context; empty stdin says so', async () => {
    const cwd = await freshFolder();
    const command = [BUILT_CLI, QUESTION, ...modelArgs()].map((word) => `'${word}'`).join(' ');
    const piped = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
      const child = spawn('sh', ['-c', `printf '%s' "$LOG" | '${process.execPath}' ${command}`], {
        cwd,
        env: { PATH: process.env.PATH ?? '', HOME: cwd, ...keyEnv, LOG: `${LOG_A}\n${LOG_B}` },
      });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (chunk) => {
        stdout += chunk;
      });
      child.stderr.on('data', (chunk) => {
        stderr += chunk;
      });
      child.on('close', (code) => resolve({ code, stdout, stderr }));
    });
    expect(piped.stderr).toContain('rlm: context: <stdin>, ');
    expect(piped.stdout).toBe('disk: 3, network: 1\n');
    expect(piped.code).toBe(0);

    const empty = await runBuiltCli([QUESTION, '-c', '-', ...modelArgs()], { cwd, env: keyEnv, stdin: '' });
    expect(empty.exitCode).toBe(2);
    expect(empty.stderr).toContain('rlm: stdin is empty: nothing was piped in.');
    expect(empty.stderr).not.toContain('holds only empty files');
  });
});

describe('9. smaller findings', () => {
  it('the trajectory stores each sub-call prompt once', async () => {
    const cwd = await freshFolder();
    await writeFile(join(cwd, 'a.txt'), 'text');
    server.setResponder((request) =>
      !isRoot(request)
        ? { text: 'ok' }
        : rootTurn(request) === 1
          ? { text: code("const a = await llm_query('PROMPT' + '-MARK ' + 'y'.repeat(100_000));") }
          : { text: code('FINAL(a)') },
    );
    const run = await runBuiltCli(['q', '-c', 'a.txt', ...modelArgs(), '--trajectory', 'run.jsonl'], {
      cwd,
      env: keyEnv,
    });
    expect(run.exitCode).toBe(0);
    const text = await readFile(join(cwd, 'run.jsonl'), 'utf8');
    expect(text.split('PROMPT-MARK')).toHaveLength(2);
    const trajectory = await readTrajectoryJsonl(join(cwd, 'run.jsonl'));
    expect(trajectory.iterations[0]!.codeBlocks[0]!.subCalls[0]!.prompt).toMatch(/^PROMPT-MARK y/);
  });

  it('--json costs carry no float noise', async () => {
    const cwd = await freshFolder();
    await writeFile(join(cwd, 'a.txt'), LOG_A);
    const run = await runBuiltCli(
      [
        QUESTION,
        '-c',
        'a.txt',
        '--model',
        'openai:gpt-5.4-mini',
        '--base-url',
        server.openaiBaseURL,
        '--json',
      ],
      { cwd, env: keyEnv },
    );
    expect(run.exitCode).toBe(0);
    const result = JSON.parse(run.stdout);
    expect(result.costUsd).toBeGreaterThan(0);
    for (const cost of [result.costUsd, result.usage.total.costUsd])
      expect(String(cost).replace(/^0\.0*/, '').length).toBeLessThanOrEqual(9);
  });

  it('line mode says a long cell is still running, with its sub-calls', async () => {
    const cwd = await freshFolder();
    await writeFile(join(cwd, 'a.txt'), 'text');
    server.setResponder(fanOut(8, 6_000));
    const run = await runBuiltCli(['q', '-c', 'a.txt', ...modelArgs(), '--concurrency', '4'], {
      cwd,
      env: keyEnv,
      timeoutMs: 60_000,
    });
    expect(run.exitCode).toBe(0);
    expect(run.stderr).toMatch(/ {2}cell 1\.1 still running \([\d.]+s\) · sub-calls 4 running, 4 queued/);
  }, 60_000);

  it('--verbose shows the root model prose and previews of sub-call prompts and answers', async () => {
    const cwd = await freshFolder();
    await writeFile(join(cwd, 'app.log'), LOG_A);
    const run = await runBuiltCli([QUESTION, '-c', 'app.log', ...modelArgs(), '--verbose'], {
      cwd,
      env: keyEnv,
    });
    expect(run.exitCode).toBe(0);
    expect(run.stderr).toContain('openai:root-model says:\n  » Let me look at the context first.');
    expect(run.stderr).toMatch(
      /llm_query → openai:sub-model: "Which subsystem failed\? One word\. 2025-03-01 10:00:02 ERROR disk full on \/var" \(\d+ characters\)/,
    );
    expect(run.stderr).toMatch(/llm_query → openai:sub-model · [\d.]+s · answered "disk"/);
  });

  it('a project config that sets baseUrl is refused (a cloned repository must not choose where files go)', async () => {
    const cwd = await freshFolder();
    await writeFile(join(cwd, 'a.txt'), 'text');
    await writeFile(join(cwd, 'rlm.config.json'), JSON.stringify({ baseUrl: server.openaiBaseURL }));
    const run = await runBuiltCli(['q', '-c', 'a.txt', '--model', 'openai:m'], { cwd, env: keyEnv });
    expect(run.exitCode).toBe(2);
    expect(run.stderr).toContain(`The project config ${join(cwd, 'rlm.config.json')} sets "baseUrl"`);
    expect(run.stderr).toContain('pass --base-url yourself');
    expect(server.requests).toHaveLength(0);
    const trusted = await runBuiltCli(
      ['q', '-c', 'a.txt', '--model', 'openai:m', '--base-url', server.openaiBaseURL, '-q'],
      {
        cwd,
        env: keyEnv,
      },
    );
    expect(trusted.stderr).not.toContain('sets "baseUrl"');
  });

  it('--cell-timeout, --memory and --concurrency reach the sandbox and the loop', async () => {
    const cwd = await freshFolder();
    await writeFile(join(cwd, 'a.txt'), 'text');
    server.setResponder((request) =>
      rootTurn(request) === 1 ? { text: code('for (;;) {}') } : { text: code('FINAL("gave up")') },
    );
    const started = Date.now();
    const spin = await runBuiltCli(['q', '-c', 'a.txt', ...modelArgs(), '--cell-timeout', '1s'], {
      cwd,
      env: keyEnv,
    });
    expect(spin.stderr).toMatch(/cell 1\.1 ran in [\d.]+s · timeout error/);
    expect(spin.stdout).toBe('gave up\n');
    expect(Date.now() - started).toBeLessThan(20_000);

    await writeFile(join(cwd, 'big.txt'), 'x'.repeat(3 * 1024 * 1024));
    const small = await runBuiltCli(['q', '-c', 'big.txt', ...modelArgs(), '--memory', '1'], {
      cwd,
      env: keyEnv,
    });
    expect(small.exitCode).not.toBe(0);
    expect(small.stderr).toMatch(/memory|--memory/i);

    let inFlight = 0;
    let most = 0;
    server.setResponder(async (request) => {
      if (isRoot(request)) return fanOut(12, 0)(request);
      inFlight += 1;
      most = Math.max(most, inFlight);
      await new Promise((resolve) => setTimeout(resolve, 100));
      inFlight -= 1;
      return { text: 'ok' };
    });
    const limited = await runBuiltCli(['q', '-c', 'a.txt', ...modelArgs(), '--concurrency', '2'], {
      cwd,
      env: keyEnv,
    });
    expect(limited.exitCode).toBe(0);
    expect(most).toBe(2);
  }, 60_000);
});

describe('10. the keyless demo', () => {
  it('the demo models answer about the demo log, with --json and --trajectory', async () => {
    const cwd = await freshFolder();
    server.setResponder(demoResponder);
    const log = fileURLToPath(new URL('../../../packages/test-server/demo/server-log.txt', import.meta.url));
    const run = await runBuiltCli(
      [
        'How many errors of each kind?',
        '--context',
        log,
        '--base-url',
        server.openaiBaseURL,
        '--model',
        'openai:demo-root',
        '--sub-model',
        'openai:demo-sub',
        '--json',
        '--trajectory',
        'demo.jsonl',
      ],
      { cwd, env: {}, timeoutMs: 60_000 },
    );
    expect(run.exitCode).toBe(0);
    const result = JSON.parse(run.stdout);
    expect(result.answer).toBe('disk: 65\nnetwork: 35\nauth: 18\ndatabase: 13');
    expect(result.failedSubCalls).toMatchObject({ count: 0, total: 21 });
    expect((await readTrajectoryJsonl(join(cwd, 'demo.jsonl'))).answerSource).toBe('FINAL_VAR');
  }, 60_000);
});
