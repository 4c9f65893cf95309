import { InvalidArgumentError } from '@rlm/core';
import type { CliSettings, SettingName } from './cli-settings';
import type { ConfigFile } from './config-files';
import { OPTION_SPECS } from './option-specs';
import { parseOptionValue } from './parse-option-value';

/** The settings of a run and, for each one set, where it came from (for `--verbose` and error messages). */
export interface ResolvedCliSettings {
  readonly settings: CliSettings;
  /** e.g. `{ model: 'RLM_MODEL', maxCost: '/repo/rlm.config.json' }`; flags show as `--flag`. */
  readonly origins: Readonly<Partial<Record<SettingName, string>>>;
}

/** Keys a config file may also hold without being a setting. */
const IGNORED_CONFIG_KEYS = new Set(['$schema']);

/**
 * Merges the settings with this precedence: command-line flags, then `RLM_*` environment variables,
 * then the project's config file, then the home config file. Every value is checked where it came
 * from, and unknown config keys are usage errors (a typo would otherwise be silently ignored).
 */
export function resolveCliSettings(
  flags: Readonly<Record<string, string | boolean>>,
  environment: Readonly<Record<string, string | undefined>>,
  configFiles: readonly ConfigFile[],
): ResolvedCliSettings {
  const settings: Record<string, unknown> = {};
  const origins: Partial<Record<SettingName, string>> = {};
  const validKeys = OPTION_SPECS.map((spec) => spec.key);

  // Lowest precedence first; each later layer overwrites.
  for (const file of [...configFiles].reverse()) {
    for (const [key, value] of Object.entries(file.values)) {
      if (IGNORED_CONFIG_KEYS.has(key)) continue;
      const spec = OPTION_SPECS.find((candidate) => candidate.key === key);
      if (!spec) {
        throw new InvalidArgumentError({
          argument: 'config',
          message: `The config file ${file.path} has an unknown key '${key}'. Known keys: ${validKeys.join(', ')}.`,
        });
      }
      settings[key] = parseOptionValue(spec, value, file.path);
      origins[spec.key] = file.path;
    }
  }
  for (const spec of OPTION_SPECS) {
    if (!spec.envVar) continue;
    const value = environment[spec.envVar];
    if (value === undefined || value === '') continue;
    settings[spec.key] = parseOptionValue(spec, value, spec.envVar);
    origins[spec.key] = spec.envVar;
  }
  for (const spec of OPTION_SPECS) {
    const value = flags[spec.key];
    if (value === undefined) continue;
    settings[spec.key] = parseOptionValue(spec, value, `--${spec.flag}`);
    origins[spec.key] = `--${spec.flag}`;
  }
  // A project's config file comes with the folder (a cloned repository): it may not choose where
  // your files and keys are sent. Only you can, with a flag, a variable or your home config.
  const baseUrlFile = configFiles.find((file) => file.path === origins.baseUrl);
  if (baseUrlFile?.scope === 'project') {
    throw new InvalidArgumentError({
      argument: 'config',
      message:
        `The project config ${baseUrlFile.path} sets "baseUrl": ${JSON.stringify(settings.baseUrl)}, which would send your files to that server. ` +
        'A config file that comes with a folder may not choose where data goes. If you trust that server, pass --base-url yourself ' +
        '(or set RLM_BASE_URL, or put baseUrl in your home config); otherwise remove "baseUrl" from the file.',
    });
  }
  if (settings.quiet === true && settings.verbose === true) {
    throw new InvalidArgumentError({
      argument: 'quiet',
      message: `--quiet (${origins.quiet}) and --verbose (${origins.verbose}) contradict each other; choose one.`,
    });
  }
  return { settings: settings as CliSettings, origins };
}
