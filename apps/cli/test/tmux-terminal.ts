import { execFileSync, spawnSync } from 'node:child_process';

/** Whether tmux can run here; the terminal tests say they are skipped otherwise. */
export const tmuxAvailable = spawnSync('tmux', ['-V']).status === 0;

/**
 * A tmux server of its own (`-L socket`), so tests never touch any other tmux on the machine:
 * `tmux(...)` runs a command on it, `screen(session)` reads what the session's terminal shows, and
 * `close()` ends the server.
 */
export function tmuxServer(name: string) {
  const socket = `${name}-${process.pid}`;
  const tmux = (...args: string[]) => execFileSync('tmux', ['-L', socket, ...args], { encoding: 'utf8' });
  return {
    tmux,
    screen: (session: string) => tmux('capture-pane', '-p', '-J', '-t', session),
    close: () => spawnSync('tmux', ['-L', socket, 'kill-server']),
  };
}

/** Polls `probe` every 50 ms until it gives a value (not undefined or false), or fails naming `what`. */
export async function waitFor<T>(what: string, probe: () => T | undefined, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
