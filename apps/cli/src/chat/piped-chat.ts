import { createInterface } from 'node:readline';
import { Readable } from 'node:stream';
import { EXIT_CODES } from '../exit-codes';
import { ChatSession } from './chat-session';

/**
 * `rlm chat` with stdin piped: each line is a question (blank lines skipped) or a `/`-command, run
 * one after another; the end of the input ends the session. Ctrl-C (SIGINT) or SIGTERM stops the
 * running question and ends the session with 130.
 */
export async function runPipedChat(chat: ChatSession): Promise<number> {
  const { stdin } = chat.io;
  const input = stdin instanceof Readable ? stdin : Readable.from(stdin);
  const lines = createInterface({ input, crlfDelay: Number.POSITIVE_INFINITY, terminal: false });
  const controller = new AbortController();
  const onInterrupt = () => {
    if (controller.signal.aborted) process.exit(EXIT_CODES.interrupted);
    controller.abort(new Error('interrupted with Ctrl-C'));
    lines.close();
  };
  process.on('SIGINT', onInterrupt);
  process.on('SIGTERM', onInterrupt);
  try {
    for await (const raw of lines) {
      const line = raw.trim();
      if (line === '') continue;
      if (ChatSession.isCommand(line)) {
        if ((await chat.command(line)) === 'exit') break;
        continue;
      }
      await chat.ask(line, controller.signal);
      if (controller.signal.aborted) break;
    }
  } finally {
    lines.close();
    process.removeListener('SIGINT', onInterrupt);
    process.removeListener('SIGTERM', onInterrupt);
  }
  return controller.signal.aborted ? EXIT_CODES.interrupted : chat.exitCode;
}
