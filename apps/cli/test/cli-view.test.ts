import { type ChildProcess, spawn } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { get } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestServer, type TestServer } from '@rlm/test-server';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { BUILT_CLI, runBuiltCli } from './run-built-cli';
import { LOG_A, LOG_B, logAnalystReply } from './scripted-log-analyst';

let server: TestServer;
let folder: string;

beforeAll(async () => {
  server = await startTestServer({ respond: logAnalystReply });
});
afterAll(async () => {
  await server.close();
});
/** CLIs a test started: a failed assertion must not leave a viewer serving. */
const started: ChildProcess[] = [];
afterEach(async () => {
  for (const child of started.splice(0))
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  if (folder) await rm(folder, { recursive: true, force: true });
});

async function freshFolder(): Promise<string> {
  folder = await mkdtemp(join(tmpdir(), 'rlm-cli-view-'));
  return folder;
}

/** The built CLI, running until stopped: its stderr so far, and a promise of its exit. */
function startCli(args: readonly string[], cwd: string) {
  const child: ChildProcess = spawn(process.execPath, [BUILT_CLI, ...args], {
    cwd,
    env: { PATH: process.env.PATH ?? '', HOME: cwd, RLM_API_KEY: 'dummy-key' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  started.push(child);
  const output = { stdout: '', stderr: '' };
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
    output.stdout += chunk;
  });
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    output.stderr += chunk;
  });
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  const kill = setTimeout(() => child.kill('SIGKILL'), 60_000);
  exited.finally(() => clearTimeout(kill));
  const waitFor = async (pattern: RegExp): Promise<RegExpMatchArray> => {
    for (let waited = 0; waited < 30_000; waited += 50) {
      const match = output.stderr.match(pattern);
      if (match) return match;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new Error(`Timed out waiting for ${pattern} in: ${output.stderr}`);
  };
  return { child, output, exited, waitFor };
}

const modelArgs = () => [
  '--model',
  'openai:root-model',
  '--sub-model',
  'openai:sub-model',
  '--base-url',
  server.openaiBaseURL,
];

describe('rlm view', () => {
  it('says clearly what is wrong with a missing file, a folder, an empty file or a file that is not a trajectory', async () => {
    const cwd = await freshFolder();
    await writeFile(join(cwd, 'notes.txt'), 'plain text, not JSON\n');
    await writeFile(join(cwd, 'data.jsonl'), '{"name":"a row of some other data"}\n');
    await writeFile(join(cwd, 'empty.jsonl'), '');
    await mkdir(join(cwd, 'runs'));
    const cases: [string, RegExp][] = [
      [
        'missing.jsonl',
        /There is no file '.*missing\.jsonl'\. Give the path of a trajectory: rlm "…" --trajectory run\.jsonl writes one\./,
      ],
      ['runs', /'.*runs' is a folder\. Give the path of one \.jsonl trajectory file/],
      ['empty.jsonl', /'.*empty\.jsonl' is empty: it holds no trajectory\./],
      [
        'notes.txt',
        /'.*notes\.txt' is not an RLM trajectory: its first line is not JSON\. rlm view opens JSONL files written by rlm --trajectory/,
      ],
      ['data.jsonl', /'.*data\.jsonl' is not an RLM trajectory: its first line is neither a metadata line/],
    ];
    for (const [file, message] of cases) {
      const run = await runBuiltCli(['view', file, '--no-open'], { cwd });
      expect(run.exitCode, file).toBe(2);
      expect(run.stderr, file).toMatch(message);
      expect(run.stdout, file).toBe('');
    }
    const noFile = await runBuiltCli(['view'], { cwd });
    expect(noFile.exitCode).toBe(2);
    expect(noFile.stderr).toContain('Usage: rlm view FILE.jsonl');
    const help = await runBuiltCli(['view', '--help'], { cwd });
    expect(help.exitCode).toBe(0);
    expect(help.stdout).toContain('--no-open');
  });

  it('opens a trajectory cut off mid-write (a killed run), noting it, and serves what was written until Ctrl-C', async () => {
    const cwd = await freshFolder();
    await writeFile(join(cwd, 'app.log'), `${LOG_A}\n${LOG_B}\n`);
    const recorded = await runBuiltCli(
      [
        'How many errors of each kind?',
        '--context',
        'app.log',
        ...modelArgs(),
        '--trajectory',
        'run.jsonl',
        '--quiet',
      ],
      { cwd, env: { RLM_API_KEY: 'dummy-key' } },
    );
    expect(recorded.exitCode).toBe(0);
    const whole = await readFile(join(cwd, 'run.jsonl'), 'utf8');
    const cut = whole.slice(0, whole.lastIndexOf('"type":"iteration"') + 100);
    await writeFile(join(cwd, 'cut.jsonl'), cut);

    const viewer = startCli(['view', 'cut.jsonl', '--no-open', '--port', '0'], cwd);
    const [, url] = await viewer.waitFor(/at (http:\/\/127\.0\.0\.1:\d+\/)\n/);
    expect(viewer.output.stderr).toContain(
      'its last line is cut off (the run was probably killed while writing it)',
    );
    expect(viewer.output.stderr).toContain('no closing line: the run did not finish');
    const source = (await (await fetch(`${url}api/source`)).json()) as { mode: string; name: string };
    expect(source).toMatchObject({ mode: 'file', name: 'cut.jsonl' });
    expect(await (await fetch(`${url}api/trajectory`)).text()).toBe(cut);
    expect(await (await fetch(url as string)).text()).toContain('<script type="module" src="/app.js">');
    // Only the page's own origin: another Host (a rebound DNS name) is refused.
    const status = await new Promise<number | undefined>((resolve, reject) =>
      get(url as string, { headers: { host: 'evil.example' } }, (response) => {
        response.resume();
        resolve(response.statusCode);
      }).on('error', reject),
    );
    expect(status).toBe(403);
    viewer.child.kill('SIGINT');
    expect(await viewer.exited).toBe(0);
  });

  it('rlm "…" --view streams the run to the page as it goes, then serves its saved trajectory until Ctrl-C', async () => {
    const cwd = await freshFolder();
    await writeFile(join(cwd, 'app.log'), `${LOG_A}\n${LOG_B}\n`);
    const run = startCli(
      [
        'How many errors of each kind?',
        '--context',
        'app.log',
        ...modelArgs(),
        '--view',
        '--no-open',
        '--quiet',
      ],
      cwd,
    );
    const [, url] = await run.waitFor(/watching the run at (http:\/\/127\.0\.0\.1:\d+\/)\n/);
    const events = await fetch(`${url}api/events`);
    const reader = (events.body as ReadableStream<Uint8Array>)
      .pipeThrough(new TextDecoderStream())
      .getReader();
    let text = '';
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      text += value;
      if (text.includes('event: end')) break;
    }
    // Every event's type, without the closing `end` event's empty data.
    const types = [...text.matchAll(/^data: (\{.*\})$/gm)]
      .map((match) => JSON.parse(match[1] as string).type as string | undefined)
      .filter((type) => type !== undefined);
    expect(text.endsWith('event: end\ndata: {}\n\n')).toBe(true);
    expect(types[0]).toBe('run-start');
    expect(types).toContain('cell-start');
    expect(types).toContain('sub-call-end');
    expect(types.at(-1)).toBe('run-end');
    const [, saved] = await run.waitFor(/the run is saved in (\S+); the viewer shows it/);
    expect(run.output.stdout).toBe('disk: 3, network: 1\n');
    const trajectory = await (await fetch(`${url}api/trajectory`)).text();
    expect(trajectory).toBe(await readFile(saved as string, 'utf8'));
    expect(trajectory).toContain('"rlm_ts_end":{');
    run.child.kill('SIGINT');
    expect(await run.exited).toBe(0);
    await rm(saved as string, { force: true });
  });
});
