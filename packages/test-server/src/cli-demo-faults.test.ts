import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import OpenAI from 'openai';
import { afterEach, describe, expect, it } from 'vitest';
import { DEMO_COUNT, DEMO_PEEK } from './demo-script';

const bin = fileURLToPath(new URL('../bin/rlm-test-server.mjs', import.meta.url));
const running = new Set<ChildProcess>();
afterEach(() => {
  for (const child of running) child.kill('SIGKILL');
  running.clear();
});

function start(args: readonly string[]): Promise<{ url: string; stderr: () => string; child: ChildProcess }> {
  const child = spawn(process.execPath, [bin, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  running.add(child);
  let stdout = '';
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
  });
  return new Promise((resolve, reject) => {
    child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
      if (stdout.includes('\n')) resolve({ url: stdout.split('\n')[0]!, stderr: () => stderr, child });
    });
    child.on('exit', (code) => reject(new Error(`exited ${code}: ${stderr}`)));
  });
}

function exitOf(args: readonly string[]): Promise<{ code: number | null; stderr: string }> {
  const child = spawn(process.execPath, [bin, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  running.add(child);
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
  });
  return new Promise((resolve) => child.on('exit', (code) => resolve({ code, stderr })));
}

describe('rlm-test-server --demo (issue 13: a quick start without a key)', () => {
  it('plays a root model (requests with a system prompt) turn by turn, and a sub-model that counts ERROR lines in JSON', async () => {
    const { url } = await start(['--demo']);
    const client = new OpenAI({ baseURL: `${url}/v1`, apiKey: 'none', maxRetries: 0 });
    const ask = async (messages: OpenAI.ChatCompletionMessageParam[]) =>
      (await client.chat.completions.create({ model: 'demo', messages })).choices[0]!.message.content;
    expect(
      await ask([
        { role: 'system', content: 'rules' },
        { role: 'user', content: 'q' },
      ]),
    ).toBe(DEMO_PEEK);
    expect(
      await ask([
        { role: 'system', content: 'rules' },
        { role: 'user', content: 'q' },
        { role: 'assistant', content: DEMO_PEEK },
        { role: 'user', content: 'output' },
      ]),
    ).toBe(DEMO_COUNT);
    const counted = await ask([
      {
        role: 'user',
        content:
          'Count the ERROR lines by kind.\n2026-03-01 10:00:00 ERROR disk full\n2026-03-01 10:01:00 INFO ok\n2026-03-01 10:02:00 ERROR disk x\n2026-03-01 10:03:00 ERROR auth y',
      },
    ]);
    expect(JSON.parse(counted ?? '')).toEqual({ disk: 2, auth: 1 });
  });

  it('--faults injects a seeded fault mix; bad mixes exit 2 saying what is wrong', async () => {
    const { url, stderr } = await start(['--faults', 'rate503=1,seed=3', '--log']);
    const client = new OpenAI({ baseURL: `${url}/v1`, apiKey: 'none', maxRetries: 0, logLevel: 'off' });
    await expect(
      client.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'x' }] }),
    ).rejects.toBeInstanceOf(OpenAI.InternalServerError);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(stderr()).toContain('POST /v1/chat/completions model=m');

    const bad = await exitOf(['--faults', 'rate42=0.1']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("--faults: 'rate42=0.1' is not KEY=NUMBER with a key among rate429");
    const both = await exitOf(['--demo', '--script', 'x.mjs']);
    expect(both.code).toBe(2);
    expect(both.stderr).toContain('--demo and --script both choose the replies');
  });
});
