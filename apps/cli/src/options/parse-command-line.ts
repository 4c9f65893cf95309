import { parseArgs } from 'node:util';
import { InvalidArgumentError } from '@rlm/core';
import { OPTION_SPECS } from './option-specs';

/** What the command line says, before environment variables and config files are merged in. */
export interface CommandLine {
  /** The question (the first positional argument). */
  readonly question?: string;
  /** `--context` values, then any positional arguments after the question (so `--context src/*.ts` expanded by the shell still works). */
  readonly context: readonly string[];
  /** The context paths that came as positional arguments (an unquoted question's words end up here). */
  readonly positionalPaths: readonly string[];
  /** Values of the setting flags given, raw (text or `true`), keyed by setting name. */
  readonly flags: Readonly<Record<string, string | boolean>>;
  readonly help: boolean;
  readonly version: boolean;
}

/** Parses the arguments with `node:util`'s `parseArgs`. Unknown flags and missing values are usage errors. */
export function parseCommandLine(argv: readonly string[]): CommandLine {
  const options: Record<string, { type: 'string' | 'boolean'; short?: string; multiple?: boolean }> = {
    context: { type: 'string', short: 'c', multiple: true },
    help: { type: 'boolean', short: 'h' },
    version: { type: 'boolean' },
  };
  for (const spec of OPTION_SPECS) {
    options[spec.flag] = {
      type: spec.kind === 'boolean' ? 'boolean' : 'string',
      ...(spec.short ? { short: spec.short } : {}),
    };
  }
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({ args: [...argv], options, allowPositionals: true, strict: true });
  } catch (error) {
    throw new InvalidArgumentError({
      argument: 'arguments',
      message: `${(error as Error).message.replace(/\.?$/, '.')} See rlm --help.`,
      cause: error,
    });
  }
  const values = parsed.values as Record<string, string | boolean | string[] | undefined>;
  const flags: Record<string, string | boolean> = {};
  for (const spec of OPTION_SPECS) {
    const value = values[spec.flag];
    if (value !== undefined && !Array.isArray(value)) flags[spec.key] = value;
  }
  const [question, ...extraPaths] = parsed.positionals;
  return {
    ...(question !== undefined ? { question } : {}),
    context: [...((values.context as string[] | undefined) ?? []), ...extraPaths],
    positionalPaths: extraPaths,
    flags,
    help: values.help === true,
    version: values.version === true,
  };
}
