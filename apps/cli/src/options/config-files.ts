import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { InvalidArgumentError } from '@rlm/core';

/** Names of a project's config file, looked for from the working folder upwards; the first wins. */
export const PROJECT_CONFIG_NAMES = ['rlm.config.json', '.rlmrc.json'] as const;

/** A config file found and parsed. */
export interface ConfigFile {
  readonly path: string;
  readonly scope: 'project' | 'home';
  /** The parsed JSON object, keys not yet checked. */
  readonly values: Readonly<Record<string, unknown>>;
}

/** The nearest `rlm.config.json` or `.rlmrc.json` at or above `cwd`, if any. */
export function findProjectConfig(cwd: string): string | undefined {
  for (let folder = cwd; ; folder = dirname(folder)) {
    for (const name of PROJECT_CONFIG_NAMES) {
      const path = join(folder, name);
      if (existsSync(path)) return path;
    }
    if (dirname(folder) === folder) return undefined;
  }
}

/** `$XDG_CONFIG_HOME/rlm/config.json`, else `~/.config/rlm/config.json`. */
export function homeConfigPath(environment: Readonly<Record<string, string | undefined>>): string {
  const base = environment.XDG_CONFIG_HOME || join(environment.HOME || homedir(), '.config');
  return join(base, 'rlm', 'config.json');
}

/** Reads the project's and the home config files that exist, project first. Broken JSON is a usage error naming the file. */
export function readConfigFiles(
  cwd: string,
  environment: Readonly<Record<string, string | undefined>>,
): ConfigFile[] {
  const files: ConfigFile[] = [];
  const project = findProjectConfig(cwd);
  if (project) files.push({ path: project, scope: 'project', values: readJsonObject(project) });
  const home = homeConfigPath(environment);
  if (home !== project && existsSync(home))
    files.push({ path: home, scope: 'home', values: readJsonObject(home) });
  return files;
}

function readJsonObject(path: string): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new InvalidArgumentError({
      argument: 'config',
      message: `The config file ${path} is not valid JSON (${(error as Error).message}). Fix it or remove it.`,
      cause: error,
    });
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new InvalidArgumentError({
      argument: 'config',
      message: `The config file ${path} must hold one JSON object, e.g. { "model": "openai:gpt-5.4-mini" }.`,
    });
  }
  return parsed as Record<string, unknown>;
}
