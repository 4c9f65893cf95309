import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { InvalidArgumentError } from '@rlm/core';
import type { Responder } from './reply-script';
import type { ScriptedReply } from './scripted-reply';

/** A script module's default export, sorted into the option it becomes. */
export type LoadedScript = { readonly respond: Responder } | { readonly replies: ScriptedReply[] };

/**
 * Imports the script module at `path` (relative to the working directory) and takes its default export:
 * a respond function or an array of replies.
 */
export async function loadScript(path: string): Promise<LoadedScript> {
  const url = pathToFileURL(resolve(path)).href;
  let module: { default?: unknown };
  try {
    module = (await import(url)) as { default?: unknown };
  } catch (error) {
    throw new InvalidArgumentError({
      argument: '--script',
      message: `--script ${path} could not be loaded: ${(error as Error).message}`,
      cause: error,
    });
  }
  const exported = module.default;
  if (typeof exported === 'function') return { respond: exported as Responder };
  if (Array.isArray(exported)) return { replies: exported as ScriptedReply[] };
  throw new InvalidArgumentError({
    argument: '--script',
    message: `--script ${path} must default-export a respond function (request) => reply or an array of replies, got ${exported === undefined ? 'no default export' : typeof exported}.`,
  });
}
