import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { BenchDocument } from './bench-instance';

const SOURCE_FILE = /\.(ts|tsx|mts|js|mjs|cjs|json)$/;
const LEFT_OUT =
  /(^|\/)(node_modules|dist|\.git|coverage|\.turbo)\/|lock\.json$|pnpm-lock|\.d\.ts$|\.generated\.|\.min\.js$/;
/** Files this long (minified bundles, data) say little about the code and would crowd the context out. */
const MAX_FILE_CHARACTERS = 60_000;

/**
 * The source files of the code base at `root` (TypeScript, JavaScript, JSON; generated, built and
 * vendored files left out), sorted by path: from `git ls-files` when it is a git work tree, else by
 * walking the folders.
 */
export function readCodeBaseFiles(root: string): BenchDocument[] {
  let paths: string[];
  try {
    paths = execFileSync('git', ['ls-files'], { cwd: root, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 })
      .split('\n')
      .filter(Boolean);
  } catch {
    paths = walk(root, root);
  }
  const files: BenchDocument[] = [];
  for (const path of paths.sort()) {
    if (!SOURCE_FILE.test(path) || LEFT_OUT.test(path)) continue;
    let text: string;
    try {
      text = readFileSync(join(root, path), 'utf8');
    } catch {
      continue; // listed by git but deleted in the work tree
    }
    if (text.length > 0 && text.length <= MAX_FILE_CHARACTERS) files.push({ path, text });
  }
  if (files.length === 0) {
    throw new Error(
      `--repo ${root}: no TypeScript, JavaScript or JSON source files found there. Point --repo at the root of a code base.`,
    );
  }
  return files;
}

function walk(root: string, folder: string): string[] {
  const found: string[] = [];
  for (const entry of readdirSync(folder, { withFileTypes: true })) {
    const path = join(folder, entry.name);
    const relativePath = relative(root, path);
    if (entry.isDirectory()) {
      if (!LEFT_OUT.test(`${relativePath}/`)) found.push(...walk(root, path));
    } else if (entry.isFile() && statSync(path).size <= MAX_FILE_CHARACTERS * 4) {
      found.push(relativePath);
    }
  }
  return found;
}
