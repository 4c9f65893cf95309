import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type RecordedRequest, startTestServer, type TestServer } from '@rlm/test-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BUILT_CLI } from './run-built-cli';
import { LOG_A, logAnalystReply } from './scripted-log-analyst';
import { tmuxAvailable, tmuxServer, waitFor } from './tmux-terminal';

/*
 * Issue 13 in a real pseudo-terminal (tmux; capture-pane reads the screen): the live display tells
 * running from queued sub-calls, nothing writes behind it, TERM=dumb gets plain lines, and `-c -` on
 * a terminal says that it waits for input.
 */
const { tmux, screen, close: closeTmux } = tmuxServer('rlm-cli-day1');

let server: TestServer;
let folder: string;
const fence = '```';
const isRoot = (request: RecordedRequest) => request.messages[0]?.role === 'system';
const rootTurn = (request: RecordedRequest) =>
  request.messages.filter((message) => message.role === 'assistant').length + 1;

beforeAll(async () => {
  if (!tmuxAvailable) return;
  server = await startTestServer({ respond: logAnalystReply });
  folder = await mkdtemp(join(tmpdir(), 'rlm-cli-tty-day1-'));
  await writeFile(join(folder, 'app.log'), LOG_A);
  await writeFile(
    join(folder, 'warn.cjs'),
    // In the main thread only: NODE_OPTIONS' --require also runs in worker threads (QuickJS may run in one).
    "if (require('node:worker_threads').isMainThread) setTimeout(() => process.emitWarning('something is deprecated', 'DeprecationWarning'), 1500).unref();\n",
  );
});
afterAll(async () => {
  if (!tmuxAvailable) return;
  closeTmux();
  await server.close();
  await rm(folder, { recursive: true, force: true });
});

function startInTerminal(session: string, args: string[], environment = 'TERM=xterm-256color'): void {
  const command = [
    'env -i',
    `PATH=${JSON.stringify(process.env.PATH ?? '')}`,
    `HOME=${JSON.stringify(folder)}`,
    `${environment} RLM_API_KEY=dummy`,
    JSON.stringify(process.execPath),
    JSON.stringify(BUILT_CLI),
    JSON.stringify('How many errors of each kind?'),
    '--model openai:root-model --sub-model openai:sub-model',
    `--base-url ${server.openaiBaseURL}`,
    ...args,
    '; echo "EXIT=$?"; sleep 600',
  ].join(' ');
  tmux('new-session', '-d', '-s', session, '-x', '120', '-y', '40', '-c', folder, command);
}

/** 200 sub-calls of 400 ms each in turn 1, FINAL in turn 2. */
function fanOut(request: RecordedRequest) {
  if (!isRoot(request)) return { text: 'ok', delayMs: 400 };
  return rootTurn(request) === 1
    ? {
        text: `${fence}javascript\nconst answers = await llm_query_batched(Array.from({ length: 200 }, (_, i) => 'chunk ' + i));\n${fence}`,
      }
    : { text: `${fence}javascript\nFINAL('done ' + answers.length)\n${fence}` };
}

describe.skipIf(!tmuxAvailable)('issue 13 in a terminal (tmux)', () => {
  it('the live block tells running from queued sub-calls; a Node warning prints above it; the screen ends clean', async () => {
    server.setResponder(fanOut);
    startInTerminal(
      'fan',
      ['-c app.log'],
      `TERM=xterm-256color NODE_OPTIONS=--require=${join(folder, 'warn.cjs')}`,
    );
    const live = await waitFor('16 running and the rest queued', () => {
      const text = screen('fan');
      return /sub-calls 16 running, \d+ queued/.test(text) ? text : undefined;
    });
    expect(live).toMatch(
      /^root depth 0 · turn 1\/30 · running cell 1\.1 \([\d.]+s\) · sub-calls 16 running, \d+ queued/m,
    );
    const final = await waitFor('the exit', () => {
      const text = screen('fan');
      return text.includes('EXIT=') ? text : undefined;
    });
    const lines = final.split('\n').filter((line) => line.trim() !== '');
    expect(lines[0]).toMatch(/^rlm: context: app\.log/);
    expect(lines).toContain('rlm: warning: DeprecationWarning: something is deprecated');
    expect(lines).toContain('done 200');
    expect(lines.at(-2)).toMatch(/^rlm: answered · 2 turns · [\d.]+s · 200 sub-calls · /);
    expect(lines.at(-1)).toBe('EXIT=0');
    // Nothing of the live block is left behind, and no raw Node warning.
    expect(final).not.toMatch(/root depth 0|sub-calls \d+ running|\(node:\d+\)/);
    expect(lines).toHaveLength(5);
  });

  it('TERM=dumb gets plain lines, no cursor movement', async () => {
    server.setResponder(logAnalystReply);
    startInTerminal('dumb', ['-c app.log'], 'TERM=dumb');
    const final = await waitFor('the exit', () => {
      const text = screen('dumb');
      return text.includes('EXIT=') ? text : undefined;
    });
    // Line mode's turn lines stay on screen; the live block (which erases itself) would leave none.
    expect(final).toContain('turn 1/30 · ');
    expect(final).toContain('turn 2/30 · ');
    expect(final).toContain('disk: 1, network: 1');
    expect(final).toContain('EXIT=0');
  });

  it('-c - on a terminal says it waits for input, then reads what is typed until Ctrl-D', async () => {
    server.setResponder(logAnalystReply);
    startInTerminal('stdin', ['-c -']);
    await waitFor('the hint', () =>
      screen('stdin').includes('rlm: reading the context from stdin: type or paste it, then press Ctrl-D')
        ? true
        : undefined,
    );
    tmux('send-keys', '-t', 'stdin', '-l', '2025-03-01 10:00:02 ERROR disk full on /var');
    tmux('send-keys', '-t', 'stdin', 'Enter');
    tmux('send-keys', '-t', 'stdin', 'C-d');
    const final = await waitFor('the exit', () => {
      const text = screen('stdin');
      return text.includes('EXIT=') ? text : undefined;
    });
    expect(final).toContain('disk: 1');
    expect(final).toContain('EXIT=0');
  });
});
