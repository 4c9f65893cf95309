import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';

// The command as users and the other packages run it: the bin file, in a separate process.
const bin = fileURLToPath(new URL('../bin/rlm-test-server.mjs', import.meta.url));
let directory: string;
const running = new Set<ChildProcess>();

beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), 'rlm-test-server-cli-'));
});

afterEach(() => {
  for (const child of running) child.kill('SIGKILL');
  running.clear();
});

afterAll(async () => {
  await rm(directory, { recursive: true, force: true });
});

interface Started {
  readonly child: ChildProcess;
  readonly url: string;
  readonly stderr: () => string;
  readonly exited: Promise<number | null>;
}

function launch(args: readonly string[]): {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  exited: Promise<number | null>;
} {
  const child = spawn(process.execPath, [bin, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  running.add(child);
  let stdout = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk;
  });
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
  });
  const exited = new Promise<number | null>((resolve) => {
    child.on('exit', (code) => {
      running.delete(child);
      resolve(code);
    });
  });
  return { child, stdout: () => stdout, stderr: () => stderr, exited };
}

/** Starts the command and waits for the URL line on stdout. */
async function startCli(args: readonly string[]): Promise<Started> {
  const launched = launch(args);
  const url = await new Promise<string>((resolve, reject) => {
    const check = () => {
      const line = launched.stdout().split('\n')[0];
      if (launched.stdout().includes('\n')) resolve(line ?? '');
    };
    launched.child.stdout!.on('data', check);
    launched.exited.then((code) =>
      reject(new Error(`exited with ${code} before printing a URL: ${launched.stderr()}`)),
    );
  });
  return { child: launched.child, url, stderr: launched.stderr, exited: launched.exited };
}

async function writeScript(name: string, source: string): Promise<string> {
  const path = join(directory, name);
  await writeFile(path, source);
  return path;
}

describe('rlm-test-server', () => {
  it('serves a respond function from --script on --port, prints the URL, and stops on SIGTERM', async () => {
    const script = await writeScript(
      'respond.mjs',
      `export default (request) => ({ text: 'cli:' + request.protocol + ':' + request.messages.at(-1).content, usage: { inputTokens: 9, outputTokens: 3 } });\n`,
    );
    const started = await startCli(['--script', script, '--port', '0', '--log']);
    expect(started.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);

    const openai = new OpenAI({ baseURL: `${started.url}/v1`, apiKey: 'k', maxRetries: 0 });
    const completion = await openai.chat.completions.create({
      model: 'gpt-test',
      messages: [{ role: 'user', content: 'hello' }],
    });
    expect(completion.choices[0]!.message.content).toBe('cli:openai:hello');
    expect(completion.usage?.total_tokens).toBe(12);

    const anthropic = new Anthropic({ baseURL: started.url, apiKey: 'k', maxRetries: 0 });
    const message = await anthropic.messages.create({
      model: 'claude-test',
      max_tokens: 5,
      messages: [{ role: 'user', content: 'hi' }],
    });
    expect(message.content).toEqual([{ type: 'text', text: 'cli:anthropic:hi' }]);

    started.child.kill('SIGTERM');
    expect(await started.exited).toBe(0);
    expect(started.stderr()).toMatch(
      /POST \/v1\/chat\/completions model=gpt-test stream=false messages=1\n.*POST \/v1\/messages model=claude-test/,
    );
  });

  it('serves an array of replies, then the clear 500, and stops on SIGINT', async () => {
    const script = await writeScript(
      'replies.mjs',
      `export default [{ text: 'first' }, { fault: 'rate-limit', retryAfterSeconds: 3 }];\n`,
    );
    const started = await startCli(['--script', script]);
    const openai = new OpenAI({ baseURL: `${started.url}/v1`, apiKey: 'k', maxRetries: 0, logLevel: 'off' });
    const ask = () =>
      openai.chat.completions.create({ model: 'gpt-test', messages: [{ role: 'user', content: 'q' }] });
    expect((await ask()).choices[0]!.message.content).toBe('first');
    await expect(ask()).rejects.toBeInstanceOf(OpenAI.RateLimitError);
    await expect(ask()).rejects.toBeInstanceOf(OpenAI.InternalServerError);
    started.child.kill('SIGINT');
    expect(await started.exited).toBe(0);
  });

  it('echoes the last message without --script', async () => {
    const started = await startCli([]);
    const openai = new OpenAI({ baseURL: `${started.url}/v1`, apiKey: 'k', maxRetries: 0 });
    const completion = await openai.chat.completions.create({
      model: 'm',
      messages: [{ role: 'user', content: 'ping' }],
    });
    expect(completion.choices[0]!.message.content).toBe('echo: ping');
  });

  it.each([
    [['--port', 'eighty'], "rlm-test-server: --port must be an integer from 0 to 65535, got 'eighty'.\n"],
    [
      ['--latency', 'slow'],
      "rlm-test-server: --latency must be milliseconds (e.g. 50) or a range MIN-MAX (e.g. 20-80), got 'slow'.\n",
    ],
  ])('exits 2 with what to fix for %j', async (args, message) => {
    const launched = launch(args);
    expect(await launched.exited).toBe(2);
    expect(launched.stderr()).toBe(message);
  });

  it('exits 2 when the script exports neither a function nor a list', async () => {
    const script = await writeScript('wrong.mjs', 'export const respond = () => ({ text: "x" });\n');
    const launched = launch(['--script', script]);
    expect(await launched.exited).toBe(2);
    expect(launched.stderr()).toBe(
      `rlm-test-server: --script ${script} must default-export a respond function (request) => reply or an array of replies, got no default export.\n`,
    );
  });
});
