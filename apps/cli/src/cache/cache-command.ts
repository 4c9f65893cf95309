import { existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { groupDigits, InvalidArgumentError } from '@rlm/core';
import { createFileCache } from '@rlm/core/cache';
import type { CliIO } from '../cli-io';
import { EXIT_CODES } from '../exit-codes';
import { readConfigFiles } from '../options/config-files';
import { optionSpecOf } from '../options/option-specs';
import { parseOptionValue } from '../options/parse-option-value';
import { resolveCliSettings } from '../options/resolve-cli-settings';
import { cacheDirectoryOf, defaultCacheDirectory } from './default-cache-directory';

/** The subcommands of `rlm cache`. */
export const CACHE_ACTIONS = ['stats', 'clear'] as const;

/** `rlm cache`'s own help. */
export function cacheUsage(): string {
  return `Usage: rlm cache stats [--cache DIR]    entries and size of the sub-call cache
       rlm cache clear [--cache DIR]    remove its entries (only the cache's own files)

Without --cache: the folder RLM_CACHE or a config file names, else the default folder
(${defaultCacheDirectory({ HOME: '~', XDG_CACHE_HOME: undefined })} here, or under $XDG_CACHE_HOME/rlm).
`;
}

/** Whether `argv` is an `rlm cache …` command rather than a question. */
export function isCacheCommand(argv: readonly string[]): boolean {
  const [first, second] = argv;
  return (
    first === 'cache' &&
    (second === undefined ||
      second === '--help' ||
      second === '-h' ||
      (CACHE_ACTIONS as readonly string[]).includes(second))
  );
}

/**
 * `rlm cache stats` prints the folder, its entries and their size on stdout; `rlm cache clear`
 * removes the entries and says how many. The folder is `--cache DIR`, else the one `RLM_CACHE` or a
 * config file names, else the default one.
 */
export async function runCacheCommand(argv: readonly string[], io: CliIO): Promise<number> {
  const [, action, ...given] = argv;
  // `--cache` alone (its folder left out) means the default folder, as in a run.
  const rest = given.filter(
    (argument, index) => argument !== '--cache' || given[index + 1]?.startsWith('-') === false,
  );
  if (action === undefined || action === '--help' || action === '-h') {
    (action === undefined ? io.stderr : io.stdout).write(cacheUsage());
    return action === undefined ? EXIT_CODES.usageError : EXIT_CODES.answered;
  }
  let values: { cache?: string; help?: boolean };
  try {
    values = parseArgs({
      args: rest,
      options: { cache: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
      strict: true,
      allowPositionals: false,
    }).values;
  } catch (error) {
    io.stderr.write(`rlm: ${(error as Error).message.replace(/\.?$/, '.')}\n${cacheUsage()}`);
    return EXIT_CODES.usageError;
  }
  if (values.help) {
    io.stdout.write(cacheUsage());
    return EXIT_CODES.answered;
  }
  let directory: string;
  try {
    directory = cacheFolder(values.cache, io);
  } catch (error) {
    io.stderr.write(`rlm: ${(error as Error).message}\n`);
    return EXIT_CODES.usageError;
  }
  const cache = createFileCache(directory);
  const missing = existsSync(directory) ? '' : ' (the folder does not exist yet)';
  try {
    if (action === 'clear') {
      const removed = await cache.clear();
      io.stdout.write(
        `rlm cache: removed ${count(removed.entries)} (${formatBytes(removed.bytes)}) from ${directory}${missing}\n`,
      );
    } else {
      const stats = await cache.stats();
      io.stdout.write(
        `rlm cache: ${count(stats.entries)}, ${formatBytes(stats.bytes)} in ${directory}${missing}\n`,
      );
    }
  } catch (error) {
    io.stderr.write(`rlm: cache ${action} of ${directory} failed: ${(error as Error).message}\n`);
    return EXIT_CODES.runtimeError;
  }
  return EXIT_CODES.answered;
}

/** `--cache DIR`, else the folder the settings name (variable, config files), else the default. */
function cacheFolder(flag: string | undefined, io: CliIO): string {
  if (flag !== undefined) {
    const value = parseOptionValue(optionSpecOf('cache'), flag, '--cache');
    return cacheDirectoryOf(
      value === false ? true : (value as string | boolean),
      '--cache',
      io.environment,
      io.cwd,
    )!;
  }
  const { settings, origins } = resolveCliSettings(
    {},
    io.environment,
    readConfigFiles(io.cwd, io.environment),
  );
  const named = typeof settings.cache === 'string' ? settings.cache : true;
  const directory = cacheDirectoryOf(named, origins.cache, io.environment, io.cwd);
  if (!directory)
    throw new InvalidArgumentError({ argument: 'cache', message: 'No cache folder: pass --cache DIR.' });
  return directory;
}

function count(entries: number): string {
  return `${groupDigits(entries)} entr${entries === 1 ? 'y' : 'ies'}`;
}

/** `0 B`, `812 B`, `34.5 KB`, `1.2 MB`, `3.4 GB` (powers of 1000, as disk sizes are sold). */
export function formatBytes(bytes: number): string {
  if (bytes < 1000) return `${bytes} B`;
  const units = ['KB', 'MB', 'GB', 'TB'];
  let value = bytes;
  let unit = -1;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit += 1;
  }
  return `${value.toFixed(value < 10 ? 2 : 1)} ${units[unit]}`;
}
