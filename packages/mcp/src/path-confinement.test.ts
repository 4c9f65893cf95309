import { mkdir, mkdtemp, realpath, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InvalidArgumentError } from '@rlm/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PathConfinement } from './path-confinement';

let workspace: string;
let confinement: PathConfinement;

beforeAll(async () => {
  workspace = await realpath(await mkdtemp(join(tmpdir(), 'rlm-mcp-confine-')));
  for (const folder of ['root/src', 'second', 'outside', 'root-sibling']) {
    await mkdir(join(workspace, folder), { recursive: true });
  }
  await writeFile(join(workspace, 'root/src/a.ts'), 'a');
  await writeFile(join(workspace, 'second/b.md'), 'b');
  await writeFile(join(workspace, 'outside/secret'), 's');
  await symlink(join(workspace, 'outside'), join(workspace, 'root/out-link'));
  await symlink(join(workspace, 'outside/secret'), join(workspace, 'root/secret-link'));
  await symlink(join(workspace, 'root/src/a.ts'), join(workspace, 'root/inner-link'));
  confinement = await PathConfinement.of([join(workspace, 'root'), '../second'], join(workspace, 'root'));
});
afterAll(async () => {
  await rm(workspace, { recursive: true, force: true });
});

describe('PathConfinement', () => {
  it('resolves the roots to their real paths; relative paths start from the first', async () => {
    expect(confinement.roots).toEqual([join(workspace, 'root'), join(workspace, 'second')]);
    expect(await confinement.confine('src')).toBe(join(workspace, 'root/src'));
    expect(await confinement.confine('src/**/*.ts')).toBe(join(workspace, 'root/src/**/*.ts'));
    expect(await confinement.confine(join(workspace, 'second/b.md'))).toBe(join(workspace, 'second/b.md'));
    expect(await confinement.confine('../second/*.md')).toBe(join(workspace, 'second/*.md'));
    expect(await confinement.confine('inner-link')).toBe(join(workspace, 'root/inner-link'));
    // Not there yet: left to the loader, which says it does not exist.
    expect(await confinement.confine('src/missing.ts')).toBe(join(workspace, 'root/src/missing.ts'));
  });

  it.each([
    ['..', 'the parent folder'],
    ['../outside/secret', 'a path through ..'],
    ['../root-sibling', 'a sibling whose name starts like the root'],
    ['/etc/passwd', 'an absolute path elsewhere'],
    ['src/../../outside', '.. after a folder'],
    ['../*/secret', 'a glob whose fixed part is outside'],
    ['src/../../**', 'a glob with .. in it'],
    ['out-link', 'a link to a folder outside'],
    ['out-link/secret', 'a file through a linked folder'],
    ['out-link/*', 'a glob through a linked folder'],
    ['secret-link', 'a link to a file outside'],
  ])('refuses %s (%s), naming it and the roots', async (path) => {
    const refused = await confinement.confine(path).catch((error: unknown) => error);
    expect(InvalidArgumentError.isInstance(refused)).toBe(true);
    expect((refused as Error).message).toContain(`'${path}' is outside the folders this server may read`);
    expect((refused as Error).message).toContain(`${join(workspace, 'root')}, ${join(workspace, 'second')}`);
  });

  it('refuses empty paths and stdin', async () => {
    for (const path of ['', '  ', '-']) {
      await expect(confinement.confine(path)).rejects.toThrow(/is not a path/);
    }
  });

  it('checks each file on its real path (what a folder walk or a glob meets)', async () => {
    await expect(confinement.checkFile(join(workspace, 'root/src/a.ts'))).resolves.toBeUndefined();
    await expect(confinement.checkFile(join(workspace, 'root/inner-link'))).resolves.toBeUndefined();
    await expect(confinement.checkFile(join(workspace, 'root/secret-link'))).rejects.toThrow(
      `(a symbolic link to ${join(workspace, 'outside/secret')})`,
    );
  });

  it('refuses a root that does not exist, and no roots at all', async () => {
    await expect(PathConfinement.of(['nope'], workspace)).rejects.toThrow(/The root 'nope' does not exist/);
    await expect(PathConfinement.of([], workspace)).rejects.toThrow(/At least one root/);
  });
});
