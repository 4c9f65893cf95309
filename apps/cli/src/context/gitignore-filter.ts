import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';
import type ignore from 'ignore';
import type { Ignore } from 'ignore';

/** The `ignore` package's default export, passed in so that the package loads only when rules are read. */
export type IgnoreFactory = typeof ignore;

/** Folders never read as context, wherever they are: version-control data and installed packages. */
export const ALWAYS_SKIPPED_FOLDERS: ReadonlySet<string> = new Set(['.git', 'node_modules']);

/**
 * Answers "does a .gitignore exclude this path?" with git's rules: every `.gitignore` from `root`
 * down to the path's folder applies to the path relative to its own folder. The files are read
 * once each, on first need.
 */
export class GitignoreFilter {
  private readonly rulesByFolder = new Map<string, Ignore | null>();

  /**
   * @param root the folder whose `.gitignore` (and those below it) apply: a repository's top, or the folder being read.
   * @param ignore the `ignore` package's factory.
   */
  constructor(
    readonly root: string,
    private readonly ignore: IgnoreFactory,
  ) {}

  /** Whether `absolutePath` (a file, or a folder when `isFolder`) is ignored by a `.gitignore` between `root` and it. */
  isIgnored(absolutePath: string, isFolder: boolean): boolean {
    const fromRoot = relative(this.root, absolutePath);
    if (fromRoot === '' || fromRoot.startsWith('..')) return false;
    let folder = dirname(absolutePath);
    for (;;) {
      const rules = this.rulesOf(folder);
      if (rules) {
        const path = relative(folder, absolutePath).split(sep).join('/') + (isFolder ? '/' : '');
        if (rules.ignores(path)) return true;
      }
      if (folder === this.root) return false;
      const parent = dirname(folder);
      if (parent === folder) return false;
      folder = parent;
    }
  }

  /** Like {@link isIgnored}, but also checks every folder between `root` and the file, for paths found without walking (globs). */
  isIgnoredWithFolders(absoluteFile: string): boolean {
    const folders: string[] = [];
    for (let folder = dirname(absoluteFile); folder !== this.root; folder = dirname(folder)) {
      if (dirname(folder) === folder || relative(this.root, folder).startsWith('..')) break;
      folders.push(folder);
    }
    for (const folder of folders.reverse()) if (this.isIgnored(folder, true)) return true;
    return this.isIgnored(absoluteFile, false);
  }

  private rulesOf(folder: string): Ignore | null {
    let rules = this.rulesByFolder.get(folder);
    if (rules === undefined) {
      const file = join(folder, '.gitignore');
      rules = existsSync(file) ? this.ignore().add(readFileSync(file, 'utf8')) : null;
      this.rulesByFolder.set(folder, rules);
    }
    return rules;
  }
}

/** The nearest folder at or above `start` that holds `.git` (the repository's top), if any. */
export function findRepositoryRoot(start: string): string | undefined {
  for (let folder = start; ; folder = dirname(folder)) {
    if (existsSync(join(folder, '.git'))) return folder;
    if (dirname(folder) === folder) return undefined;
  }
}
