import { execFile } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

/** The repository's root directory. */
export const REPOSITORY_ROOT = resolve(fileURLToPath(new URL('../../..', import.meta.url)));

/** A workspace package that is published: its package.json has no `"private": true`. */
export interface PublicPackage {
  readonly name: string;
  readonly directory: string;
  /** Whether any export names declarations: a bin-only package (the CLI) has none for attw to check. */
  readonly hasTypes: boolean;
}

interface PackageManifest {
  readonly name: string;
  readonly private?: boolean;
  readonly exports?: Record<string, unknown>;
}

/** Every public package under the workspace's folders (pnpm-workspace.yaml: packages/*, apps/*). */
export function publicPackages(): PublicPackage[] {
  const found: PublicPackage[] = [];
  for (const folder of ['packages', 'apps']) {
    for (const entry of readdirSync(join(REPOSITORY_ROOT, folder), { withFileTypes: true })) {
      if (!entry.isDirectory()) continue;
      const directory = join(REPOSITORY_ROOT, folder, entry.name);
      let manifest: PackageManifest;
      try {
        manifest = JSON.parse(readFileSync(join(directory, 'package.json'), 'utf8')) as PackageManifest;
      } catch {
        continue;
      }
      if (manifest.private) continue;
      found.push({
        name: manifest.name,
        directory,
        hasTypes: JSON.stringify(manifest.exports ?? {}).includes('"types"'),
      });
    }
  }
  return found.sort((a, b) => a.name.localeCompare(b.name));
}

/**
 * Environment for the tools these tests start: without the workspace's `@rlm/source` condition
 * (the packages must resolve as users get them) and without colours in their output.
 */
export function plainEnvironment(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const nodeOptions = (process.env.NODE_OPTIONS ?? '')
    .split(/\s+/)
    .filter((option) => option !== '' && !option.startsWith('--conditions'))
    .join(' ');
  return { ...process.env, NODE_OPTIONS: nodeOptions, NO_COLOR: '1', FORCE_COLOR: '0', ...extra };
}

/** What a finished command printed, and how it ended. */
export interface CommandResult {
  readonly code: number;
  readonly output: string;
  readonly stdout: string;
}

const execFileAsync = promisify(execFile);

/** Runs a command to its end; never throws for a non-zero exit (the caller asserts on it). */
export async function run(
  command: string,
  args: readonly string[],
  options: { readonly cwd?: string; readonly env?: NodeJS.ProcessEnv; readonly timeoutMs?: number } = {},
): Promise<CommandResult> {
  try {
    const { stdout, stderr } = await execFileAsync(command, args, {
      cwd: options.cwd ?? REPOSITORY_ROOT,
      env: options.env ?? plainEnvironment(),
      timeout: options.timeoutMs ?? 120_000,
      maxBuffer: 64 * 1024 * 1024,
    });
    return { code: 0, output: `${stdout}${stderr}`, stdout };
  } catch (error) {
    const failed = error as { code?: number | string; stdout?: string; stderr?: string; message: string };
    const code = typeof failed.code === 'number' ? failed.code : 1;
    return {
      code,
      output: `${failed.stdout ?? ''}${failed.stderr ?? ''}\n${failed.message}`,
      stdout: failed.stdout ?? '',
    };
  }
}

/**
 * Packs every public package with `pnpm pack` (which applies `publishConfig` and turns `workspace:`
 * ranges into versions, as `pnpm publish` does) into `destination`. Builds nothing: it packs the
 * `dist/` that the build task left. Resolves to each package's tarball by name.
 */
export async function packPublicPackages(destination: string): Promise<Map<string, string>> {
  const tarballs = new Map<string, string>();
  for (const found of publicPackages()) {
    const result = await run('pnpm', ['pack', '--pack-destination', destination], { cwd: found.directory });
    if (result.code !== 0) throw new Error(`pnpm pack failed for ${found.name}:\n${result.output}`);
    const tarball = result.stdout
      .trim()
      .split('\n')
      .map((line) => line.trim())
      .find((line) => line.endsWith('.tgz'));
    if (!tarball) throw new Error(`pnpm pack named no tarball for ${found.name}:\n${result.output}`);
    tarballs.set(found.name, resolve(destination, tarball));
  }
  return tarballs;
}
