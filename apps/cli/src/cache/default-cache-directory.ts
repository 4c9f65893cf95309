import { homedir } from 'node:os';
import { dirname, isAbsolute, join, resolve, win32 } from 'node:path';

/**
 * Where `--cache` without a folder keeps answers: `model-calls` under the user's cache folder —
 * `$XDG_CACHE_HOME/rlm` when that is set (an absolute path, as the XDG spec asks; on any system), else
 * `~/Library/Caches/rlm` on macOS, `%LOCALAPPDATA%\rlm\Cache` on Windows, `~/.cache/rlm` elsewhere.
 */
export function defaultCacheDirectory(
  environment: Readonly<Record<string, string | undefined>>,
  platform: NodeJS.Platform = process.platform,
): string {
  const home = environment.HOME || environment.USERPROFILE || homedir();
  const xdg = environment.XDG_CACHE_HOME;
  if (xdg && isAbsolute(xdg)) return join(xdg, 'rlm', 'model-calls');
  if (platform === 'darwin') return join(home, 'Library', 'Caches', 'rlm', 'model-calls');
  if (platform === 'win32') {
    const local = environment.LOCALAPPDATA || win32.join(home, 'AppData', 'Local');
    return win32.join(local, 'rlm', 'Cache', 'model-calls');
  }
  return join(home, '.cache', 'rlm', 'model-calls');
}

/**
 * The cache folder a `cache` setting names, or `undefined` when it is off: `true` is the default
 * folder; a folder starting with `~/` is under the home folder; a relative one is relative to the
 * working folder (from a flag or variable) or to the config file that set it.
 */
export function cacheDirectoryOf(
  setting: string | boolean | undefined,
  origin: string | undefined,
  environment: Readonly<Record<string, string | undefined>>,
  cwd: string,
): string | undefined {
  if (setting === undefined || setting === false) return undefined;
  if (setting === true) return defaultCacheDirectory(environment);
  const home = environment.HOME || environment.USERPROFILE || homedir();
  if (setting === '~' || setting.startsWith('~/')) return join(home, setting.slice(1));
  const fromFile = origin !== undefined && !origin.startsWith('--') && !origin.startsWith('RLM_');
  return resolve(fromFile ? resolve(origin, '..') : cwd, setting);
}

/** Where runs remember their concurrency windows (see ConcurrencyMemory): beside the answer cache. */
export function concurrencyMemoryFile(
  environment: Readonly<Record<string, string | undefined>>,
  platform: NodeJS.Platform = process.platform,
): string {
  const folder = dirname(defaultCacheDirectory(environment, platform));
  return platform === 'win32' ? win32.join(folder, 'concurrency.json') : join(folder, 'concurrency.json');
}
