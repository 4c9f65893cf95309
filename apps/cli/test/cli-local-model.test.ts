import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tinyGgufBytes, writeTinyGguf } from '@rlm/llama-cpp/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runBuiltCli } from './run-built-cli';

/*
 * `--model local:…` against the built CLI, on a tiny GGUF written here (random weights, made to end
 * every turn at once). It checks the wiring (the option, loading, the run's outcome), not a model's
 * quality; nothing is downloaded.
 */

let cwd: string;
let modelPath: string;

beforeAll(async () => {
  cwd = await mkdtemp(join(tmpdir(), 'rlm-cli-local-'));
  await writeFile(join(cwd, 'a.txt'), 'some text');
  modelPath = await writeTinyGguf(join(cwd, 'tiny.gguf'), { alwaysEndTurn: true });
});
afterAll(async () => {
  await rm(cwd, { recursive: true, force: true });
});

describe('rlm --model local:…', () => {
  it('with no key and no model, says how to run locally (alias, download size) next to the key and --base-url', async () => {
    const run = await runBuiltCli(['q', '-c', 'a.txt'], { cwd });
    expect(run.exitCode).toBe(2);
    expect(run.stderr).toContain('OPENAI_API_KEY');
    expect(run.stderr).toContain('--base-url');
    expect(run.stderr).toMatch(
      /--model local:qwen2\.5-coder-1\.5b \(downloads 1\.1 GB once into ~\/\.cache\/rlm\/models/,
    );
    expect(run.stderr).toContain('local:/path/to/model.gguf');
  });

  it('with a model but no key, names the local option too', async () => {
    const run = await runBuiltCli(['q', '-c', 'a.txt', '--model', 'openai:gpt-5.4-mini'], { cwd });
    expect(run.exitCode).toBe(2);
    expect(run.stderr).toContain('No API key');
    expect(run.stderr).toContain('--model local:qwen2.5-coder-1.5b');
  });

  it('runs a GGUF file: the run ends at the turn limit, reported as such (exit 3), and nothing is downloaded', async () => {
    const run = await runBuiltCli(
      ['q', '-c', 'a.txt', '--model', `local:${modelPath}`, '--max-turns', '2', '--json'],
      { cwd, env: { RLM_LLAMA_THREADS: '1' }, timeoutMs: 60_000 },
    );
    expect(run.stderr).toContain('--max-turns 2');
    expect(run.exitCode).toBe(3);
    const result = JSON.parse(run.stdout);
    expect(result.usage.total.inputTokens).toBeGreaterThan(0);
    expect(result.usage.total.costUsd).toBe(0);
    expect(existsSync(join(cwd, '.cache', 'rlm', 'models'))).toBe(false);
  });

  it('an alias is downloaded on first use (size first, then progress, checked) into ~/.cache/rlm/models, then reused', async () => {
    // A local server stands in for Hugging Face (HF_ENDPOINT) and serves the tiny GGUF under the alias's path.
    const bytes = tinyGgufBytes({ alwaysEndTurn: true });
    const requests: string[] = [];
    const server = createServer((request, response) => {
      requests.push(request.url ?? '');
      if (
        request.url ===
        '/Qwen/Qwen2.5-Coder-1.5B-Instruct-GGUF/resolve/main/qwen2.5-coder-1.5b-instruct-q4_k_m.gguf'
      ) {
        response.writeHead(200, { 'content-length': String(bytes.length) }).end(bytes);
      } else response.writeHead(404).end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const env = {
        RLM_LLAMA_THREADS: '1',
        HF_ENDPOINT: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
      };
      const args = ['q', '-c', 'a.txt', '--model', 'local:qwen2.5-coder-1.5b', '--max-turns', '1'];
      const first = await runBuiltCli(args, { cwd, env, timeoutMs: 60_000 });
      expect(first.stderr).toMatch(/Downloading qwen2\.5-coder-1\.5b \([\d.]+ [kM]B\)/);
      expect(first.stderr.indexOf('Downloading')).toBeLessThan(first.stderr.indexOf('100%'));
      expect(first.stderr).toContain('Checked');
      expect(first.exitCode).toBe(3);
      const cached = join(cwd, '.cache', 'rlm', 'models', 'hf', 'Qwen', 'Qwen2.5-Coder-1.5B-Instruct-GGUF');
      expect((await readFile(join(cached, 'qwen2.5-coder-1.5b-instruct-q4_k_m.gguf'))).equals(bytes)).toBe(
        true,
      );
      expect(requests).toHaveLength(1);

      const again = await runBuiltCli(args, { cwd, env, timeoutMs: 60_000 });
      expect(again.exitCode).toBe(3);
      expect(again.stderr).not.toContain('Downloading');
      expect(requests).toHaveLength(1);
    } finally {
      server.close();
      server.closeAllConnections();
      await rm(join(cwd, '.cache'), { recursive: true, force: true });
    }
  });

  it('explains a wrong local model: an unknown alias, a missing file, an empty name', async () => {
    const cases: [string, RegExp][] = [
      ['local:nope', /Unknown model 'nope'.*Known aliases: qwen2\.5-coder-1\.5b/],
      ['local:./missing.gguf', /does not exist/],
      ['local:', /names no model/],
    ];
    for (const [model, message] of cases) {
      const run = await runBuiltCli(['q', '-c', 'a.txt', '--model', model], { cwd });
      expect(run.exitCode, model).not.toBe(0);
      expect(run.stderr, model).toMatch(message);
      expect(existsSync(join(cwd, '.cache', 'rlm', 'models'))).toBe(false);
    }
  });
});
