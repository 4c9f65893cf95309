import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestServer, type TestServer } from '@rlm/test-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BUILT_CLI } from './run-built-cli';
import { COUNT_REPLY, LOG_A, logAnalystReply, PEEK_REPLY } from './scripted-log-analyst';
import { tmuxAvailable, tmuxServer, waitFor } from './tmux-terminal';

/*
 * The live display in a real pseudo-terminal: tmux runs the built CLI, capture-pane reads the screen.
 * A socket of our own (-L) keeps these sessions apart from any other tmux on the machine.
 */
const { tmux, screen, close: closeTmux } = tmuxServer('rlm-cli-test');

let server: TestServer;
let folder: string;

beforeAll(async () => {
  if (!tmuxAvailable) return;
  server = await startTestServer({ respond: logAnalystReply });
  folder = await mkdtemp(join(tmpdir(), 'rlm-cli-tty-'));
  await writeFile(join(folder, 'app.log'), LOG_A);
});
afterAll(async () => {
  if (!tmuxAvailable) return;
  closeTmux();
  await server.close();
  await rm(folder, { recursive: true, force: true });
});

function startInTerminal(session: string, extraArgs: string[]): void {
  const command = [
    'env -i',
    `PATH=${JSON.stringify(process.env.PATH ?? '')}`,
    `HOME=${JSON.stringify(folder)}`,
    'TERM=xterm-256color RLM_API_KEY=dummy',
    JSON.stringify(process.execPath),
    JSON.stringify(BUILT_CLI),
    JSON.stringify('How many errors of each kind?'),
    '--context app.log --model openai:root-model --sub-model openai:sub-model',
    `--base-url ${server.openaiBaseURL}`,
    ...extraArgs,
    '; echo "EXIT=$?"; sleep 600',
  ].join(' ');
  tmux('new-session', '-d', '-s', session, '-x', '100', '-y', '30', '-c', folder, command);
}

if (!tmuxAvailable)
  console.warn(
    'tmux is not installed: skipping the pseudo-terminal tests of the live display (apt-get install -y tmux).',
  );

describe.skipIf(!tmuxAvailable)(
  `rlm in a terminal (tmux)${tmuxAvailable ? '' : ': skipped, tmux is not installed'}`,
  () => {
    it('shows live progress while it runs and leaves a clean screen: answer and summary only', async () => {
      server.requests.length = 0;
      // Slow sub-calls keep the run in its second turn long enough to read the live block.
      server.setResponder(async (request) => {
        const reply = logAnalystReply(request);
        return request.messages[0]?.role === 'system' ? reply : { ...reply, delayMs: 1500 };
      });
      startInTerminal('progress', []);
      const live = await waitFor('the live block during the sub-calls', () => {
        const text = screen('progress');
        return /sub-calls 2 running/.test(text) ? text : undefined;
      });
      expect(live).toMatch(
        /^rlm [\d.]+s · tokens 2\.7k in, 180 out · cost unknown · sub-calls 2 · concurrency 16\/64$/m,
      );
      expect(live).toMatch(
        /^root depth 0 · turn 2\/30 · running cell 2\.1 \([\d.]+s\) · sub-calls 2 running$/m,
      );
      expect(live).toContain('│ const errorLines = documents.flatMap((document) => document.split(');
      expect(live.split('\n').every((line) => line.length <= 99)).toBe(true);

      const final = await waitFor('the exit', () => {
        const text = screen('progress');
        return text.includes('EXIT=') ? text : undefined;
      });
      const lines = final.split('\n').filter((line) => line.trim() !== '');
      expect(lines[0]).toMatch(/^rlm: context: app\.log, \d+ characters/);
      expect(lines[1]).toBe('disk: 1, network: 1');
      expect(lines[2]).toMatch(/^rlm: answered · 2 turns · [\d.]+s · 2 sub-calls · tokens/);
      expect(lines[3]).toBe('EXIT=0');
      expect(lines).toHaveLength(4);
      // The cursor is visible again: tmux reports cursor_flag 1.
      expect(tmux('display-message', '-p', '-t', 'progress', '#{cursor_flag}').trim()).toBe('1');
    });

    it('Ctrl-C mid-run cancels the slow call, says there is no partial answer (only a plan so far), exits 130', async () => {
      server.requests.length = 0;
      server.setResponder(async (request) => {
        const turn = request.messages.filter((message) => message.role === 'assistant').length + 1;
        if (request.messages[0]?.role === 'system' && turn === 2)
          return { text: COUNT_REPLY, delayMs: 60_000 };
        return logAnalystReply(request);
      });
      startInTerminal('interrupt', []);
      await waitFor('the slow second turn', () => {
        const text = screen('interrupt');
        return server.requests.length >= 2 && /waiting for openai:root-model/.test(text) ? true : undefined;
      });
      tmux('send-keys', '-t', 'interrupt', 'C-c');
      const final = await waitFor('the exit', () => {
        const text = screen('interrupt');
        return text.includes('EXIT=') ? text : undefined;
      });
      // Turn 1's prose ("Let me look at the context first.") came with code: a plan, not an answer.
      expect(final).not.toContain(PEEK_REPLY.split('\n')[0]);
      expect(final).toMatch(
        /rlm: stopped by Ctrl-C after [\d.]+s\. There is no partial answer: the model had not given one yet\./,
      );
      expect(final).toMatch(/rlm: interrupted · 1 turn · /);
      expect(final).toContain('EXIT=130');
      expect(final).not.toContain('root depth 0');
    });

    // isolated-vm runs in a child Node the CLI starts with --no-node-snapshot: Ctrl-C reaches it
    // from the terminal, as one Ctrl-C. Deno runs in a subprocess of its own.
    for (const environment of ['quickjs', 'isolated-vm', 'deno']) {
      it(`Ctrl-C during a cell that never yields (for (;;) {}, ${environment}) ends the run within ~1 s, exit 130 (issue 13, item 8)`, async () => {
        server.setResponder(async (request) =>
          request.messages[0]?.role === 'system'
            ? { text: 'Counting.\n```javascript\nfor (;;) {}\n```' }
            : { text: 'never asked' },
        );
        const session = `busy-${environment}`;
        startInTerminal(session, ['--env', environment]);
        await waitFor('the busy cell', () => (/running cell 1\.1/.test(screen(session)) ? true : undefined));
        // The live display still moves while the cell spins: the host's event loop is free.
        const before = screen(session).match(/running cell 1\.1 \(([\d.]+)s\)/)?.[1];
        await waitFor('the display to move on', () => {
          const now = screen(session).match(/running cell 1\.1 \(([\d.]+)s\)/)?.[1];
          return now !== undefined && now !== before ? true : undefined;
        });
        const interruptedAt = Date.now();
        tmux('send-keys', '-t', session, 'C-c');
        const final = await waitFor('the exit', () => {
          const text = screen(session);
          return text.includes('EXIT=') ? text : undefined;
        });
        expect(Date.now() - interruptedAt).toBeLessThan(3_000);
        expect(final).toMatch(/rlm: stopped by Ctrl-C after [\d.]+s/);
        expect(final).toContain('EXIT=130');
      });
    }
  },
);
