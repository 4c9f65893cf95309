import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadContext } from './load-context';

let cwd: string;
const noStdin = (async function* () {})();
const stdinOf = (...chunks: string[]) =>
  (async function* () {
    for (const chunk of chunks) yield Buffer.from(chunk);
  })();

beforeEach(async () => {
  cwd = await mkdtemp(join(tmpdir(), 'rlm-cli-context-'));
});
afterEach(async () => {
  await rm(cwd, { recursive: true, force: true });
});

async function files(tree: Record<string, string | Buffer>): Promise<void> {
  for (const [path, content] of Object.entries(tree)) {
    await mkdir(join(cwd, path, '..'), { recursive: true });
    await writeFile(join(cwd, path), content);
  }
}

describe('loadContext', () => {
  it('passes one file as one string, without a header', async () => {
    await files({ 'notes.md': '# Notes\nhello' });
    const loaded = await loadContext(['notes.md'], { cwd, stdin: noStdin });
    expect(loaded).toEqual({
      value: '# Notes\nhello',
      documents: [{ path: 'notes.md', characters: 13 }],
      characters: 13,
      approximateTokens: 4,
      binarySkipped: [],
      gitignored: 0,
      skippedFolders: 0,
      notUtf8Skipped: [],
      excluded: 0,
    });
  });

  it('reads a folder recursively in name order as documents with path headers, skipping what git would', async () => {
    await files({
      'repo/.git/config': 'x',
      'repo/.gitignore': '*.log\nbuild/\n!keep.log\n',
      'repo/src/b.ts': 'b',
      'repo/src/a.ts': 'a',
      'repo/src/.gitignore': 'secret.ts\n',
      'repo/src/secret.ts': 'no',
      'repo/debug.log': 'no',
      'repo/keep.log': 'kept',
      'repo/build/out.js': 'no',
      'repo/node_modules/x/index.js': 'no',
      'repo/logo.png': Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x00, 0x01]),
    });
    const loaded = await loadContext(['repo'], { cwd, stdin: noStdin });
    expect(loaded.value).toEqual([
      '=== repo/.gitignore ===\n*.log\nbuild/\n!keep.log\n',
      '=== repo/keep.log ===\nkept',
      '=== repo/src/.gitignore ===\nsecret.ts\n',
      '=== repo/src/a.ts ===\na',
      '=== repo/src/b.ts ===\nb',
    ]);
    expect(loaded.binarySkipped).toEqual(['repo/logo.png']);
    expect(loaded.gitignored).toBe(3);
    expect(loaded.skippedFolders).toBe(2);
  });

  it('applies the .gitignore of the repository above the folder read', async () => {
    await files({ '.gitignore': 'generated/\n', 'src/generated/x.ts': 'no', 'src/main.ts': 'yes' });
    await mkdir(join(cwd, '.git'));
    const loaded = await loadContext(['src'], { cwd, stdin: noStdin });
    expect(loaded.value).toEqual(['=== src/main.ts ===\nyes']);
    expect(loaded.gitignored).toBe(1);
  });

  it('expands globs with the same exclusions, and mixes them with files and stdin in the order given', async () => {
    await files({
      '.gitignore': 'dist/\n',
      'a.md': 'A',
      'docs/b.md': 'B',
      'docs/c.txt': 'C',
      'dist/d.md': 'no',
      'node_modules/e.md': 'no',
    });
    await mkdir(join(cwd, '.git'));
    const loaded = await loadContext(['**/*.md', 'docs/c.txt', '-', 'a.md'], {
      cwd,
      stdin: stdinOf('from ', 'stdin'),
    });
    expect(loaded.value).toEqual([
      '=== a.md ===\nA',
      '=== docs/b.md ===\nB',
      '=== docs/c.txt ===\nC',
      '=== <stdin> ===\nfrom stdin',
    ]);
    expect(loaded.gitignored).toBe(1);
  });

  it('reads stdin alone as one string', async () => {
    const loaded = await loadContext(['-'], { cwd, stdin: stdinOf('line 1\n', 'line 2\n') });
    expect(loaded.value).toBe('line 1\nline 2\n');
    expect(loaded.documents).toEqual([{ path: '<stdin>', characters: 14 }]);
  });

  it('follows symbolic links to files but not to folders', async () => {
    await files({ 'data/real.txt': 'real', 'elsewhere/x.txt': 'outside' });
    await symlink(join(cwd, 'data', 'real.txt'), join(cwd, 'data', 'link.txt'));
    await symlink(join(cwd, 'elsewhere'), join(cwd, 'data', 'loop'));
    const loaded = await loadContext(['data'], { cwd, stdin: noStdin });
    expect(loaded.value).toEqual(['=== data/link.txt ===\nreal', '=== data/real.txt ===\nreal']);
  });

  it('rejects what cannot be a context, naming the path', async () => {
    await files({ 'empty.txt': '', 'bin/a.bin': Buffer.from([0, 1, 2]) });
    await expect(loadContext([], { cwd, stdin: noStdin })).rejects.toThrow(
      'No context given. Pass --context',
    );
    await expect(loadContext(['missing.txt'], { cwd, stdin: noStdin })).rejects.toThrow(
      `--context: 'missing.txt' does not exist (looked for ${join(cwd, 'missing.txt')}).`,
    );
    await expect(loadContext(['*.nothing'], { cwd, stdin: noStdin })).rejects.toThrow(
      "--context: the pattern '*.nothing' matches no files",
    );
    await expect(loadContext(['empty.txt'], { cwd, stdin: noStdin })).rejects.toThrow(
      "The context is empty: 'empty.txt' holds only empty files.",
    );
    await expect(loadContext(['bin'], { cwd, stdin: noStdin })).rejects.toThrow(
      "The context is empty: 'bin' holds only binary files (bin/a.bin).",
    );
    await expect(loadContext(['-', '-'], { cwd, stdin: noStdin })).rejects.toThrow(
      'stdin (`-`) can be read only once.',
    );
  });
});
