import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestServer, type TestServer } from '@rlm/test-server';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { runBuiltCli } from './run-built-cli';
import { LOG_A, LOG_B, logAnalystReply } from './scripted-log-analyst';

let server: TestServer;
let folder: string | undefined;
const QUESTION = 'How many errors of each kind?';
const ANSWER = 'disk: 3, network: 1\n';
const keyEnv = { RLM_API_KEY: 'dummy-key' };

beforeAll(async () => {
  server = await startTestServer({ respond: logAnalystReply });
});
afterAll(async () => {
  await server.close();
});
afterEach(async () => {
  server.requests.length = 0;
  if (folder) await rm(folder, { recursive: true, force: true });
  folder = undefined;
});

/** A folder with the two logs, and the cache folder inside it. */
async function project(): Promise<{ cwd: string; cache: string }> {
  folder = await mkdtemp(join(tmpdir(), 'rlm-cli-cache-'));
  await writeFile(join(folder, 'app.log'), `${LOG_A}\n${LOG_B}\n`);
  return { cwd: folder, cache: join(folder, 'cache') };
}

const modelArgs = (provider = 'openai') => [
  '--model',
  `${provider}:root-model`,
  '--sub-model',
  `${provider}:sub-model`,
  '--base-url',
  server.openaiBaseURL,
];

/** Runs the question and returns the run with the number of requests it sent. */
async function ask(cwd: string, extra: readonly string[], question = QUESTION, provider = 'openai') {
  const before = server.requests.length;
  const run = await runBuiltCli([question, '-c', 'app.log', ...modelArgs(provider), ...extra], {
    cwd,
    env: keyEnv,
  });
  return { ...run, requests: server.requests.length - before };
}

async function entryFiles(cache: string): Promise<string[]> {
  const files: string[] = [];
  for (const shard of await readdir(cache)) {
    for (const name of await readdir(join(cache, shard))) files.push(join(cache, shard, name));
  }
  return files;
}

describe('rlm --cache against the test server', () => {
  it('an identical second run sends nothing, prints the same answer, and the summary says every call was cached', async () => {
    const { cwd, cache } = await project();
    const first = await ask(cwd, ['--cache', cache]);
    expect(first.exitCode, first.stderr).toBe(0);
    expect(first.stdout).toBe(ANSWER);
    expect(first.requests).toBe(6);
    expect(first.stderr).toMatch(
      /rlm: answered · 2 turns · [\d.]+s · 4 sub-calls · 6 model calls \(0 cached\) · tokens 2\.86k in/,
    );
    expect(await entryFiles(cache)).toHaveLength(6);

    const second = await ask(cwd, ['--cache', cache]);
    expect(second.exitCode, second.stderr).toBe(0);
    expect(second.requests).toBe(0);
    expect(second.stdout).toBe(first.stdout);
    expect(second.stderr).toMatch(
      /rlm: answered · 2 turns · [\d.]+s · 4 sub-calls · 6 model calls \(6 cached\) · tokens 0 in, 0 out/,
    );
    // The live lines (no terminal here) say so from the second turn on.
    expect(second.stderr).toMatch(/turn 2\/30 · [\d.]+s · tokens 0 in, 0 out · \$0\.0000 · 1 cached/);

    // --json carries the counts; without --cache the same run is sent again.
    const json = await ask(cwd, [`--cache=${cache}`, '--json', '--quiet']);
    expect(json.requests).toBe(0);
    expect(JSON.parse(json.stdout).usage.total).toMatchObject({ calls: 0, cachedCalls: 6 });
    const uncached = await ask(cwd, []);
    expect(uncached.requests).toBe(6);
    expect(uncached.stderr).not.toContain('cached');
  });

  it('with known prices the summary says what the cached calls saved', async () => {
    const { cwd, cache } = await project();
    const priced = ['-c', 'app.log', '--model', 'openai:gpt-5.4-mini', '--base-url', server.openaiBaseURL];
    const first = await runBuiltCli([QUESTION, ...priced, '--cache', cache], { cwd, env: keyEnv });
    expect(first.stderr).toMatch(/· 6 model calls \(0 cached\) · tokens 2\.86k in, 184 out · \$0\.0030\n/);
    const second = await runBuiltCli([QUESTION, ...priced, '--cache', cache], { cwd, env: keyEnv });
    expect(second.stdout).toBe(first.stdout);
    expect(second.stderr).toMatch(
      /· 6 model calls \(6 cached, \$0\.0030 saved\) · tokens 0 in, 0 out · \$0\.0000\n/,
    );
  });

  it('a different question misses at the root; sub-calls whose prompts are the same still hit', async () => {
    const { cwd, cache } = await project();
    await ask(cwd, ['--cache', cache]);
    const other = await ask(cwd, ['--cache', cache], 'Which errors happened?');
    expect(other.exitCode, other.stderr).toBe(0);
    expect(other.stdout).toBe(ANSWER);
    // The two root turns carry the new question: sent. The four classifications are the same: cached.
    expect(other.requests).toBe(2);
    expect(other.stderr).toContain('6 model calls (4 cached)');
  });

  it('a damaged, cut-short or foreign entry on disk is ignored: the run sends the call, succeeds, and mends the entry', async () => {
    const { cwd, cache } = await project();
    await ask(cwd, ['--cache', cache]);
    const files = await entryFiles(cache);
    const [first, second, third, ...rest] = files;
    const whole = await readFile(first!, 'utf8');
    await writeFile(first!, whole.slice(0, whole.length / 2));
    // One changed character in the answer: the checksum in the header no longer matches.
    await writeFile(second!, (await readFile(second!, 'utf8')).replace(/"text":"/, '"text":"forged '));
    // Another entry's bytes under this name: its own key does not match the file's.
    await writeFile(third!, await readFile(rest[0]!));
    const run = await ask(cwd, ['--cache', cache]);
    expect(run.exitCode, run.stderr).toBe(0);
    expect(run.stdout).toBe(ANSWER);
    expect(run.requests).toBe(3);
    expect(run.stderr).toContain('6 model calls (3 cached)');
    const again = await ask(cwd, ['--cache', cache]);
    expect(again.requests).toBe(0);
    expect(again.stdout).toBe(ANSWER);
  });

  it('works the same for anthropic: models, whose calls are other entries than openai: ones', async () => {
    const { cwd, cache } = await project();
    await ask(cwd, ['--cache', cache], QUESTION, 'openai');
    const first = await ask(cwd, ['--cache', cache], QUESTION, 'anthropic');
    expect(first.exitCode, first.stderr).toBe(0);
    expect(first.requests).toBe(6);
    expect(server.requests.slice(-6).every((request) => request.protocol === 'anthropic')).toBe(true);
    const second = await ask(cwd, ['--cache', cache], QUESTION, 'anthropic');
    expect(second.requests).toBe(0);
    expect(second.stdout).toBe(first.stdout);
    expect(second.stderr).toContain('6 model calls (6 cached)');
    expect(await entryFiles(cache)).toHaveLength(12);
  });

  it('another --base-url server is another cache: the same model id there is asked again', async () => {
    const { cwd, cache } = await project();
    await ask(cwd, ['--cache', cache]);
    const other = await startTestServer({ respond: logAnalystReply });
    try {
      const args = ['-c', 'app.log', '--model', 'openai:root-model', '--sub-model', 'openai:sub-model'];
      const run = await runBuiltCli(
        [QUESTION, ...args, '--base-url', other.openaiBaseURL, '--cache', cache],
        {
          cwd,
          env: keyEnv,
        },
      );
      expect(run.stdout).toBe(ANSWER);
      expect(other.requests).toHaveLength(6);
      expect(run.stderr).toContain('6 model calls (0 cached)');
    } finally {
      await other.close();
    }
    // The first server's answers are still there for it.
    expect((await ask(cwd, ['--cache', cache])).requests).toBe(0);
  });

  it('runs at once share one cache folder; then everything is cached', async () => {
    const { cwd, cache } = await project();
    const runs = await Promise.all([1, 2, 3].map(() => ask(cwd, ['--cache', cache])));
    for (const run of runs) {
      expect(run.exitCode, run.stderr).toBe(0);
      expect(run.stdout).toBe(ANSWER);
    }
    const after = await ask(cwd, ['--cache', cache]);
    expect(after.requests).toBe(0);
    expect((await entryFiles(cache)).every((file) => file.endsWith('.jsonl'))).toBe(true);
  });

  it('--cache alone uses $XDG_CACHE_HOME/rlm/model-calls; rlm cache stats and clear find it there', async () => {
    const { cwd } = await project();
    const env = { ...keyEnv, XDG_CACHE_HOME: join(cwd, 'xdg') };
    const run = await runBuiltCli([QUESTION, '-c', 'app.log', ...modelArgs(), '--cache'], { cwd, env });
    expect(run.exitCode, run.stderr).toBe(0);
    const directory = join(cwd, 'xdg', 'rlm', 'model-calls');
    expect(await entryFiles(directory)).toHaveLength(6);

    const stats = await runBuiltCli(['cache', 'stats'], { cwd, env });
    expect(stats.exitCode, stats.stderr).toBe(0);
    expect(stats.stdout).toMatch(new RegExp(`^rlm cache: 6 entries, [\\d.]+ KB in ${directory}\\n$`));
    const clear = await runBuiltCli(['cache', 'clear'], { cwd, env });
    expect(clear.stdout).toMatch(
      new RegExp(`^rlm cache: removed 6 entries \\([\\d.]+ KB\\) from ${directory}\\n$`),
    );
    expect((await runBuiltCli(['cache', 'stats', '--cache', directory], { cwd, env })).stdout).toBe(
      `rlm cache: 0 entries, 0 B in ${directory}\n`,
    );
    const resent = await runBuiltCli([QUESTION, '-c', 'app.log', ...modelArgs(), '--cache'], { cwd, env });
    expect(resent.stderr).toContain('6 model calls (0 cached)');
  });

  it('rlm cache: a config file or RLM_CACHE names the folder; a missing action or an unknown flag is a usage error', async () => {
    const { cwd } = await project();
    await writeFile(join(cwd, 'rlm.config.json'), JSON.stringify({ cache: 'from-config' }));
    const stats = await runBuiltCli(['cache', 'stats'], { cwd });
    expect(stats.stdout).toBe(
      `rlm cache: 0 entries, 0 B in ${join(cwd, 'from-config')} (the folder does not exist yet)\n`,
    );
    const fromVariable = await runBuiltCli(['cache', 'stats'], { cwd, env: { RLM_CACHE: join(cwd, 'var') } });
    expect(fromVariable.stdout).toContain(`in ${join(cwd, 'var')} (`);
    const bare = await runBuiltCli(['cache'], { cwd });
    expect(bare.exitCode).toBe(2);
    expect(bare.stderr).toContain('Usage: rlm cache stats [--cache DIR]');
    const unknown = await runBuiltCli(['cache', 'stats', '--bogus'], { cwd });
    expect(unknown.exitCode).toBe(2);
    expect(unknown.stderr).toContain("Unknown option '--bogus'");
  });

  it('a question taken as the cache folder, or a file as the folder, is a usage error that says so', async () => {
    const { cwd } = await project();
    const taken = await runBuiltCli(['--cache', QUESTION, '-c', 'app.log', ...modelArgs()], {
      cwd,
      env: keyEnv,
    });
    expect(taken.exitCode).toBe(2);
    expect(taken.stderr).toContain(
      `(--cache took '${QUESTION}' as its folder: put --cache after the question, or write --cache=DIR.)`,
    );
    const file = await ask(cwd, ['--cache', 'app.log']);
    expect(file.exitCode).toBe(2);
    expect(file.requests).toBe(0);
    expect(file.stderr).toContain('is a file, not a folder');
  });
});
