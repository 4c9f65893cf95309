import { createInterface } from 'node:readline';
import { EXIT_CODES } from '../exit-codes';
import { CHAT_HISTORY_SIZE, chatHistoryPath, readChatHistory, writeChatHistory } from './chat-history-file';
import { ChatSession } from './chat-session';

/** The prompt of `rlm chat` in a terminal. */
export const CHAT_PROMPT = 'rlm> ';

/**
 * `rlm chat` in a terminal: a prompt (on stderr, so stdout holds only answers) with line editing and
 * history (node:readline), kept between chats (see `chatHistoryPath`). While a question runs the
 * prompt is paused and the terminal back in its normal mode, so Ctrl-C is a signal: the first stops
 * the question (the session goes on), a second before it has stopped quits at once. At the prompt, Ctrl-C clears the line; at an empty prompt it
 * warns, and a second in a row ends the session, as Ctrl-D and /exit do.
 */
export async function runTerminalChat(chat: ChatSession): Promise<number> {
  const input = chat.io.stdin as NodeJS.ReadStream;
  const output = chat.io.stderr as NodeJS.WriteStream;
  const historyFile = chatHistoryPath(chat.io.environment);
  const prompt = createInterface({
    input,
    output,
    terminal: true,
    history: readChatHistory(historyFile),
    historySize: CHAT_HISTORY_SIZE,
    removeHistoryDuplicates: true,
    prompt: CHAT_PROMPT,
  });
  prompt.on('history', (history: string[]) => writeChatHistory(historyFile, history));
  let interruptsAtPrompt = 0;
  prompt.on('SIGINT', () => {
    if (prompt.line !== '') {
      interruptsAtPrompt = 0;
      prompt.write(null, { ctrl: true, name: 'u' });
      return;
    }
    interruptsAtPrompt += 1;
    if (interruptsAtPrompt >= 2) {
      output.write('\n');
      prompt.close();
      return;
    }
    output.write('\n(Ctrl-C again, Ctrl-D or /exit to end the session)\n');
    prompt.prompt();
  });
  chat.say('rlm chat: ask a question about the context; /help lists the commands, Ctrl-D ends the session.');
  prompt.prompt();
  let interrupted = false;
  for await (const raw of prompt) {
    interruptsAtPrompt = 0;
    const line = raw.trim();
    if (line === '') {
      prompt.prompt();
      continue;
    }
    if (ChatSession.isCommand(line)) {
      if ((await chat.command(line)) === 'exit') break;
      prompt.prompt();
      continue;
    }
    prompt.pause();
    input.setRawMode?.(false);
    const controller = new AbortController();
    const onInterrupt = () => {
      if (!controller.signal.aborted) {
        controller.abort(new Error('interrupted with Ctrl-C'));
        return;
      }
      chat.say('rlm: quit before the question had stopped.');
      interrupted = true;
      process.exit(EXIT_CODES.interrupted);
    };
    process.on('SIGINT', onInterrupt);
    try {
      await chat.ask(line, controller.signal);
    } finally {
      process.removeListener('SIGINT', onInterrupt);
      input.setRawMode?.(true);
      prompt.resume();
    }
    prompt.prompt();
  }
  prompt.close();
  return interrupted ? EXIT_CODES.interrupted : chat.exitCode;
}
