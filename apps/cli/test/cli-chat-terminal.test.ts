import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestServer, type TestServer } from '@rlm/test-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BUILT_CLI } from './run-built-cli';
import { COUNT_QUESTION, chatReply, SLOW_QUESTION, TOP_QUESTION } from './scripted-chat';
import { LOG_A } from './scripted-log-analyst';
import { tmuxAvailable, tmuxServer, waitFor } from './tmux-terminal';

/* `rlm chat` at its prompt in a real pseudo-terminal: tmux types, capture-pane reads the screen. */
const { tmux, screen, close: closeTmux } = tmuxServer('rlm-chat-test');

let server: TestServer;
let folder: string;

beforeAll(async () => {
  if (!tmuxAvailable) return;
  server = await startTestServer({ respond: chatReply });
  folder = await mkdtemp(join(tmpdir(), 'rlm-chat-tty-'));
  await writeFile(join(folder, 'app.log'), LOG_A);
});
afterAll(async () => {
  if (!tmuxAvailable) return;
  closeTmux();
  await server.close();
  await rm(folder, { recursive: true, force: true });
});

function startChat(session: string, extraArgs: readonly string[] = []): void {
  const command = [
    'env -i',
    `PATH=${JSON.stringify(process.env.PATH ?? '')}`,
    `HOME=${JSON.stringify(folder)}`,
    'TERM=xterm-256color RLM_API_KEY=dummy',
    JSON.stringify(process.execPath),
    JSON.stringify(BUILT_CLI),
    'chat --context app.log --model openai:root-model --sub-model openai:sub-model',
    `--base-url ${server.openaiBaseURL}`,
    ...extraArgs,
    '; echo "EXIT=$?"; sleep 600',
  ].join(' ');
  tmux('new-session', '-d', '-s', session, '-x', '110', '-y', '40', '-c', folder, command);
}

/** Types a line at the prompt and presses Enter. */
const type = (session: string, text: string) => {
  tmux('send-keys', '-t', session, '-l', text);
  tmux('send-keys', '-t', session, 'Enter');
};
const screenMatches = (session: string, pattern: RegExp) => () =>
  pattern.test(screen(session)) ? screen(session) : undefined;

describe.skipIf(!tmuxAvailable)(
  `rlm chat in a terminal (tmux)${tmuxAvailable ? '' : ': skipped, tmux is not installed'}`,
  () => {
    it('asks at a prompt, answers, /cost, Ctrl-C stops a slow question and the prompt returns, /exit exits 0', async () => {
      server.requests.length = 0;
      startChat('chat');
      await waitFor('the prompt', screenMatches('chat', /^rlm> $/m));
      expect(screen('chat')).toMatch(/^rlm: context: app\.log, \d+ characters/m);

      type('chat', COUNT_QUESTION);
      await waitFor('the first answer', screenMatches('chat', /^disk: 1, network: 1$/m));
      await waitFor('the prompt again', screenMatches('chat', /answered · 2 turns[^\n]*\nrlm> $/m));

      type('chat', TOP_QUESTION);
      await waitFor('the second answer', screenMatches('chat', /^disk \(1\)$/m));
      await waitFor('the prompt again', screenMatches('chat', /answered · 1 turn ·[^\n]*\nrlm> $/m));

      type('chat', '/cost');
      const cost = await waitFor('the session cost', screenMatches('chat', /rlm: session: 2 questions · /));
      expect(cost).toMatch(/rlm: session: 2 questions · [\d.]+s · 2 sub-calls · tokens [\d.k]+ in/);

      type('chat', SLOW_QUESTION);
      await waitFor('the slow root call', screenMatches('chat', /waiting for openai:root-model/));
      const interruptedAt = Date.now();
      tmux('send-keys', '-t', 'chat', 'C-c');
      const stopped = await waitFor(
        'the stop and the prompt',
        screenMatches('chat', /question stopped by Ctrl-C[\s\S]*interrupted · [^\n]*\nrlm> $/m),
      );
      expect(Date.now() - interruptedAt).toBeLessThan(5_000);
      expect(stopped).not.toContain('too late');
      expect(stopped).not.toContain('EXIT=');

      // The session goes on: the REPL still holds the first question's variables.
      type('chat', TOP_QUESTION);
      await waitFor(
        'an answer after the stop',
        screenMatches('chat', /stopped by Ctrl-C[\s\S]*disk \(1\)\n[^\n]*answered/),
      );

      type('chat', '/exit');
      const final = await waitFor('the exit', screenMatches('chat', /EXIT=\d+/));
      expect(final).toContain('EXIT=0');
      // The cursor is visible again.
      expect(tmux('display-message', '-p', '-t', 'chat', '#{cursor_flag}').trim()).toBe('1');
    });

    it("keeps the prompt history between chats (↑ recalls the last chat's lines)", async () => {
      startChat('recall');
      await waitFor('the prompt', screenMatches('recall', /^rlm> $/m));
      tmux('send-keys', '-t', 'recall', 'Up');
      await waitFor('the last line of the first chat', screenMatches('recall', /^rlm> \/exit$/m));
      tmux('send-keys', '-t', 'recall', 'Up');
      await waitFor(
        'the line before it',
        screenMatches('recall', new RegExp(`^rlm> ${TOP_QUESTION.replace('?', '\\?')}$`, 'm')),
      );
      tmux('send-keys', '-t', 'recall', 'C-u', 'C-d');
      expect(await waitFor('the exit', screenMatches('recall', /EXIT=\d+/))).toContain('EXIT=0');
    });

    // isolated-vm runs in a child Node started with --no-node-snapshot: the prompt and Ctrl-C are its.
    it('works in the relaunched child of --env isolated-vm: answers, Ctrl-C stops a question, Ctrl-D exits 0', async () => {
      startChat('ivm', ['--env', 'isolated-vm']);
      await waitFor('the prompt', screenMatches('ivm', /^rlm> $/m));
      type('ivm', COUNT_QUESTION);
      await waitFor('the answer', screenMatches('ivm', /^disk: 1, network: 1$/m));
      type('ivm', SLOW_QUESTION);
      await waitFor('the slow root call', screenMatches('ivm', /waiting for openai:root-model/));
      tmux('send-keys', '-t', 'ivm', 'C-c');
      await waitFor(
        'the stop and the prompt',
        screenMatches('ivm', /question stopped by Ctrl-C[\s\S]*\nrlm> $/m),
      );
      tmux('send-keys', '-t', 'ivm', 'C-d');
      expect(await waitFor('the exit', screenMatches('ivm', /EXIT=\d+/))).toContain('EXIT=0');
    });

    it('Ctrl-C twice at an empty prompt ends the session; Ctrl-D too', async () => {
      startChat('quit');
      await waitFor('the prompt', screenMatches('quit', /^rlm> $/m));
      tmux('send-keys', '-t', 'quit', 'C-c');
      await waitFor('the hint', screenMatches('quit', /Ctrl-C again, Ctrl-D or \/exit to end the session/));
      tmux('send-keys', '-t', 'quit', 'C-c');
      expect(await waitFor('the exit', screenMatches('quit', /EXIT=\d+/))).toContain('EXIT=0');

      startChat('eof');
      await waitFor('the prompt', screenMatches('eof', /^rlm> $/m));
      tmux('send-keys', '-t', 'eof', 'C-d');
      expect(await waitFor('the exit', screenMatches('eof', /EXIT=\d+/))).toContain('EXIT=0');
    });
  },
);
