import { accessSync, constants, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { InvalidArgumentError } from '@rlm/core';

/** A base URL must be an http(s) URL; checked before anything is read or sent. */
export function checkBaseUrl(text: string, origin: string): void {
  let url: URL | undefined;
  try {
    url = new URL(text);
  } catch {
    url = undefined;
  }
  if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
    throw new InvalidArgumentError({
      argument: 'base-url',
      message: `${origin}: '${text}' is not an http:// or https:// URL. Give the server's full address, e.g. --base-url http://localhost:11434/v1 (Ollama) or http://localhost:8000/v1 (vLLM).`,
    });
  }
}

/** The trajectory must be writable before a (paid) run starts, not after it. */
export function checkTrajectoryPath(path: string): void {
  const folder = dirname(path);
  const info = statSync(path, { throwIfNoEntry: false });
  if (info?.isDirectory()) {
    throw new InvalidArgumentError({
      argument: 'trajectory',
      message: `--trajectory ${path} is a folder. Name a file in it, e.g. --trajectory ${join(path, 'run.jsonl')}.`,
    });
  }
  const folderInfo = statSync(folder, { throwIfNoEntry: false });
  if (!folderInfo?.isDirectory()) {
    throw new InvalidArgumentError({
      argument: 'trajectory',
      message: `--trajectory ${path}: the folder ${folder} does not exist. Create it first (mkdir -p ${folder}) or write the trajectory elsewhere.`,
    });
  }
  try {
    accessSync(info ? path : folder, constants.W_OK);
  } catch {
    throw new InvalidArgumentError({
      argument: 'trajectory',
      message: `--trajectory ${path}: ${info ? 'the file' : `the folder ${folder}`} is not writable. Write the trajectory elsewhere.`,
    });
  }
}

/** The cache folder must be a folder (or not exist yet, to be made on the first write). */
export function checkCacheDirectory(path: string): void {
  const info = statSync(path, { throwIfNoEntry: false });
  if (info && !info.isDirectory()) {
    throw new InvalidArgumentError({
      argument: 'cache',
      message: `--cache ${path} is a file, not a folder. Name a folder (it is made if missing), or leave the folder out for the default one.`,
    });
  }
}
