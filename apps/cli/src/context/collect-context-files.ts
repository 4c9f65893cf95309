import { readdir, stat } from 'node:fs/promises';
import { join, relative, resolve, sep } from 'node:path';
import { InvalidArgumentError } from '@rlm/core';
import {
  ALWAYS_SKIPPED_FOLDERS,
  findRepositoryRoot,
  GitignoreFilter,
  type IgnoreFactory,
} from './gitignore-filter';

/** One place context text comes from. */
export type ContextSource =
  | {
      readonly kind: 'file';
      /** Absolute path. */
      readonly path: string;
      /** The path as shown to the user and the model: relative to the working folder, with `/`. */
      readonly displayPath: string;
      /** Named on the command line itself (not found in a folder or by a glob). */
      readonly direct: boolean;
    }
  | { readonly kind: 'stdin'; readonly displayPath: '<stdin>' };

/** The files a list of `--context` arguments names, and what was left out on the way. */
export interface CollectedSources {
  readonly sources: readonly ContextSource[];
  /** True when the context is one file or stdin named directly: it is then passed as one string, without a path header. */
  readonly single: boolean;
  /** Paths left out because a `.gitignore` excludes them. */
  readonly gitignored: number;
  /** `.git` and `node_modules` folders left out. */
  readonly skippedFolders: number;
  /** Paths left out by `--exclude`. */
  readonly excluded: number;
}

/**
 * Expands `--context` arguments into files: a file as it is; a folder recursively (sorted, skipping
 * `.git`, `node_modules` and what `.gitignore` files exclude, not following symbolic links to
 * folders); a glob (`'src/**\/*.ts'`) to its matches, with the same exclusions; `-` to stdin. A path
 * that does not exist, or a glob that matches nothing, is a usage error naming it.
 */
export async function collectContextFiles(
  inputs: readonly string[],
  cwd: string,
  exclude: readonly string[] = [],
): Promise<CollectedSources> {
  const sources: ContextSource[] = [];
  const seen = new Set<string>();
  let gitignored = 0;
  let skippedFolders = 0;
  let excluded = 0;
  // `--exclude` globs, with .gitignore's syntax, against the path from the working folder and from
  // the folder being walked (so `*.log`, `dist/` and `logs/old/**` all do what they look like).
  // `ignore` and `tinyglobby` (with picomatch and fdir) load only when needed: ~25 ms of start-up a
  // run on one file, with no --exclude, does not pay.
  const excludeRules = exclude.length === 0 ? undefined : (await loadIgnore())().add([...exclude]);
  const isExcluded = (path: string, isFolder: boolean, root: string): boolean => {
    if (excludeRules === undefined) return false;
    for (const base of [cwd, root]) {
      const from = relative(base, path).split(sep).join('/');
      if (from === '' || from.startsWith('..') || from.startsWith('/')) continue;
      if (excludeRules.ignores(isFolder ? `${from}/` : from)) return true;
    }
    return false;
  };
  let onlyDirect = inputs.length === 1;
  const display = (path: string) => {
    const shown = relative(cwd, path);
    return (shown === '' || shown.startsWith('..') ? path : shown).split(sep).join('/');
  };
  const addFile = (path: string, direct = false) => {
    if (seen.has(path)) return;
    seen.add(path);
    sources.push({ kind: 'file', path, displayPath: display(path), direct });
  };

  for (const input of inputs) {
    if (input === '-') {
      if (seen.has('-')) {
        throw new InvalidArgumentError({
          argument: 'context',
          message: 'stdin (`-`) can be read only once.',
        });
      }
      seen.add('-');
      sources.push({ kind: 'stdin', displayPath: '<stdin>' });
      continue;
    }
    const path = resolve(cwd, input);
    const info = await stat(path).catch(() => undefined);
    if (info?.isFile()) {
      addFile(path, true);
      continue;
    }
    onlyDirect = false;
    if (info?.isDirectory()) {
      const filter = new GitignoreFilter(findRepositoryRoot(path) ?? path, await loadIgnore());
      const walk = async (folder: string): Promise<void> => {
        const entries = await readdir(folder, { withFileTypes: true });
        entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
        for (const entry of entries) {
          const child = join(folder, entry.name);
          if (entry.isDirectory()) {
            if (ALWAYS_SKIPPED_FOLDERS.has(entry.name)) skippedFolders++;
            else if (isExcluded(child, true, path)) excluded++;
            else if (filter.isIgnored(child, true)) gitignored++;
            else await walk(child);
          } else if (
            entry.isFile() ||
            (entry.isSymbolicLink() && (await stat(child).catch(() => undefined))?.isFile())
          ) {
            if (isExcluded(child, false, path)) excluded++;
            else if (filter.isIgnored(child, false)) gitignored++;
            else addFile(child);
          }
        }
      };
      await walk(path);
      continue;
    }
    const globbing = info === undefined ? await import('tinyglobby') : undefined;
    if (globbing?.isDynamicPattern(input)) {
      const matches = await globbing.glob(input, {
        cwd,
        absolute: true,
        onlyFiles: true,
        ignore: [...ALWAYS_SKIPPED_FOLDERS].map((name) => `**/${name}/**`),
      });
      if (matches.length === 0) {
        throw new InvalidArgumentError({
          argument: 'context',
          message: `--context: the pattern '${input}' matches no files (from ${cwd}). Check the pattern, and quote it so that your shell passes it to rlm unexpanded.`,
        });
      }
      const filter = new GitignoreFilter(findRepositoryRoot(cwd) ?? cwd, await loadIgnore());
      for (const match of matches.map((file) => resolve(file)).sort()) {
        if (isExcluded(match, false, cwd)) excluded++;
        else if (filter.isIgnoredWithFolders(match)) gitignored++;
        else addFile(match);
      }
      continue;
    }
    throw new InvalidArgumentError({
      argument: 'context',
      message:
        info === undefined
          ? `--context: '${input}' does not exist (looked for ${path}). Pass a file, a folder, a glob, or - for stdin.`
          : `--context: '${input}' is neither a file nor a folder.`,
    });
  }
  return { sources, single: onlyDirect && sources.length === 1, gitignored, skippedFolders, excluded };
}

/** The `ignore` package's factory (.gitignore rules), loaded on first need. */
async function loadIgnore(): Promise<IgnoreFactory> {
  return (await import('ignore')).default;
}
