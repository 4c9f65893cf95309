import { spawn } from 'node:child_process';

/**
 * Opens `url` in the default browser (`open` on macOS, `start` on Windows, `xdg-open` elsewhere).
 * Resolves to an error message when no browser could be started, so the caller can say to open the
 * address by hand; never throws.
 */
export function openBrowser(
  url: string,
  platform: NodeJS.Platform = process.platform,
): Promise<string | undefined> {
  const [command, args] =
    platform === 'darwin'
      ? ['open', [url]]
      : platform === 'win32'
        ? ['cmd', ['/c', 'start', '""', url.replace(/&/g, '^&')]]
        : ['xdg-open', [url]];
  return new Promise((resolve) => {
    try {
      const child = spawn(command as string, args as string[], { stdio: 'ignore', detached: true });
      child.once('error', (error) => resolve(`${command} failed: ${error.message}`));
      child.once('spawn', () => {
        child.unref();
        resolve(undefined);
      });
    } catch (error) {
      resolve(`${command} failed: ${(error as Error).message}`);
    }
  });
}
