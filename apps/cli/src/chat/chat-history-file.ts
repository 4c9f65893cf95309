import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, isAbsolute, join } from 'node:path';

/** Lines the prompt's history keeps, in memory and on disk. */
export const CHAT_HISTORY_SIZE = 1000;

/**
 * Where the prompt's history is kept between chats: `RLM_CHAT_HISTORY` (empty: nowhere), else
 * `$XDG_STATE_HOME/rlm/chat-history`, else `~/.local/state/rlm/chat-history`.
 */
export function chatHistoryPath(
  environment: Readonly<Record<string, string | undefined>>,
): string | undefined {
  const named = environment.RLM_CHAT_HISTORY;
  if (named !== undefined) return named === '' ? undefined : named;
  const xdg = environment.XDG_STATE_HOME;
  if (xdg && isAbsolute(xdg)) return join(xdg, 'rlm', 'chat-history');
  const home = environment.HOME || environment.USERPROFILE || homedir();
  return join(home, '.local', 'state', 'rlm', 'chat-history');
}

/** The saved history, newest first as readline keeps it; none when the file is missing or unreadable. */
export function readChatHistory(path: string | undefined): string[] {
  if (path === undefined) return [];
  try {
    return readFileSync(path, 'utf8').split('\n').filter(Boolean).reverse().slice(0, CHAT_HISTORY_SIZE);
  } catch {
    return [];
  }
}

/** Saves readline's history (newest first) oldest first, one line each. Best effort: a history is not worth an error. */
export function writeChatHistory(path: string | undefined, history: readonly string[]): void {
  if (path === undefined) return;
  try {
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, `${[...history].reverse().join('\n')}\n`, { mode: 0o600 });
  } catch {
    // A read-only home, a full disk: the chat goes on without a saved history.
  }
}
