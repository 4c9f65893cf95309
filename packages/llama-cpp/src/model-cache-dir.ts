import { homedir } from 'node:os';
import { join } from 'node:path';

/** The environment variable that moves the model cache. */
export const MODELS_DIR_VARIABLE = 'RLM_MODELS_DIR';

/**
 * Where downloaded models are kept: `$RLM_MODELS_DIR`, else `$XDG_CACHE_HOME/rlm/models`, else
 * `~/.cache/rlm/models`. One folder for every program using this package, so a model is fetched once.
 */
export function defaultModelCacheDir(environment: NodeJS.ProcessEnv = process.env): string {
  const explicit = environment[MODELS_DIR_VARIABLE]?.trim();
  if (explicit) return explicit;
  const xdg = environment.XDG_CACHE_HOME?.trim();
  return join(xdg || join(homedir(), '.cache'), 'rlm', 'models');
}
