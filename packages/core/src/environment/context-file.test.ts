import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SandboxError } from '../errors/sandbox-error';
import { reserveContextFile, writeContextFile } from './context-file';
import type { ContextValue } from './context-value';
import { makeTemporaryDirectory, removeTemporaryDirectory } from './temporary-directory';

let parent: string;
beforeAll(() => {
  parent = mkdtempSync(join(tmpdir(), 'rlm-context-file-test-'));
});
afterAll(() => rmSync(parent, { recursive: true, force: true }));

/** Writes `context` to a fresh reserved file and reads it back as the child would get it. */
async function roundTrip(context: ContextValue) {
  const location = await reserveContextFile({ parent, environmentId: 'test' });
  try {
    const encoding = await writeContextFile(location.path, context);
    return { encoding, text: readFileSync(location.path, 'utf8') };
  } finally {
    await removeTemporaryDirectory(location.directory);
  }
}

describe('reserveContextFile', () => {
  it.each([
    'deno',
    'pyodide',
  ])('makes a private directory named for the %s environment, whose file is gone once removed', async (environmentId) => {
    const location = await reserveContextFile({ parent, environmentId });
    expect(dirname(location.directory)).toBe(parent);
    expect(basename(location.directory)).toMatch(new RegExp(`^rlm-${environmentId}-context-.{6}$`));
    expect(location.path).toBe(join(location.directory, 'context'));
    if (process.platform !== 'win32') expect(statSync(location.directory).mode & 0o777).toBe(0o700);

    await writeContextFile(location.path, 'the context');
    expect(readFileSync(location.path, 'utf8')).toBe('the context');
    if (process.platform !== 'win32') expect(statSync(location.path).mode & 0o777).toBe(0o600);

    await removeTemporaryDirectory(location.directory);
    expect(existsSync(location.path)).toBe(false);
    expect(existsSync(location.directory)).toBe(false);
  });

  it('gives every child its own directory', async () => {
    const [first, second] = await Promise.all([
      reserveContextFile({ parent, environmentId: 'deno' }),
      reserveContextFile({ parent, environmentId: 'deno' }),
    ]);
    expect(first.directory).not.toBe(second.directory);
    await Promise.all([
      removeTemporaryDirectory(first.directory),
      removeTemporaryDirectory(second.directory),
    ]);
  });

  it.each([
    ['deno', 'missing'],
    ['pyodide', 'missing/deeper'],
  ])('tells the %s user which option to set when the directory cannot be made (%s)', async (environmentId, missing) => {
    const where = join(parent, missing);
    const attempt = reserveContextFile({ parent: where, environmentId });
    await expect(attempt).rejects.toBeInstanceOf(SandboxError);
    await expect(attempt).rejects.toMatchObject({
      environmentId,
      message: expect.stringMatching(
        new RegExp(
          `^Could not make a temporary directory in ${where.replaceAll('/', '\\/')} for the context: .*ENOENT.*\\. Set the temporaryDirectory option to a writable directory\\.$`,
        ),
      ),
      cause: expect.objectContaining({ code: 'ENOENT' }),
    });
    expect(existsSync(where)).toBe(false);
  });
});

describe('writeContextFile', () => {
  it('writes a string as it is, in UTF-8', async () => {
    expect(await roundTrip('plain text é€🚀\nline two')).toEqual({
      encoding: { kind: 'string' },
      text: 'plain text é€🚀\nline two',
    });
    expect(await roundTrip('')).toEqual({ encoding: { kind: 'string' }, text: '' });
  });

  it('joins a list of strings with the first separator none of them holds', async () => {
    expect(await roundTrip(['one', 'two', 'three'])).toEqual({
      encoding: { kind: 'split', separator: '\u0001' },
      text: 'one\u0001two\u0001three',
    });
    expect(await roundTrip(['has \u0001', 'and \u0002'])).toEqual({
      encoding: { kind: 'split', separator: '\u0003' },
      text: 'has \u0001\u0003and \u0002',
    });
  });

  it('falls back to JSON for anything else, text UTF-8 cannot carry included', async () => {
    const cases: Array<[ContextValue, string]> = [
      [{ a: [1, 'b', null] }, '{"a":[1,"b",null]}'],
      [[], '[]'],
      [[1, 'mixed'], '[1,"mixed"]'],
      [null, 'null'],
      [42, '42'],
      ['lone \ud800 surrogate', '"lone \\ud800 surrogate"'],
      [['ok', 'lone \udc00'], '["ok","lone \\udc00"]'],
      [
        ['\u0001', '\u0002', '\u0003', '\u001e', '\u001f'],
        '["\\u0001","\\u0002","\\u0003","\\u001e","\\u001f"]',
      ],
    ];
    for (const [context, text] of cases) {
      expect(await roundTrip(context), JSON.stringify(context)).toEqual({ encoding: { kind: 'json' }, text });
    }
  });
});

describe('makeTemporaryDirectory', () => {
  it('makes a directory with the prefix that removeTemporaryDirectory removes with its contents', async () => {
    const directory = await makeTemporaryDirectory(parent, 'rlm-test-cache-');
    expect(basename(directory).startsWith('rlm-test-cache-')).toBe(true);
    await writeContextFile(join(directory, 'inner'), 'x');
    await removeTemporaryDirectory(directory);
    expect(existsSync(directory)).toBe(false);
    // Removing again is not an error: a session and the exit hook may both remove it.
    await expect(removeTemporaryDirectory(directory)).resolves.toBeUndefined();
  });
});
