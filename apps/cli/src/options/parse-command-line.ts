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
  /** `--exclude` globs: paths left out of folders and globs. */
  readonly exclude: readonly string[];
  /** Values of the setting flags given, raw (text or `true`), keyed by setting name. */
  readonly flags: Readonly<Record<string, string | boolean>>;
  /** `--resume FILE`: the trajectory of a stopped run to continue. */
  readonly resume?: string;
  readonly help: boolean;
  readonly version: boolean;
  /**
   * An argument an optional-value flag took as its value (`--cache DIR`), for the message when the
   * question is then missing: `rlm --cache "question"` takes the question as the folder.
   */
  readonly optionalValueTaken?: { readonly flag: string; readonly value: string };
}

/** Parses the arguments with `node:util`'s `parseArgs`. Unknown flags and missing values are usage errors. */
export function parseCommandLine(argv: readonly string[]): CommandLine {
  const options: Record<string, { type: 'string' | 'boolean'; short?: string; multiple?: boolean }> = {
    context: { type: 'string', short: 'c', multiple: true },
    exclude: { type: 'string', multiple: true },
    resume: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
    version: { type: 'boolean' },
  };
  for (const spec of OPTION_SPECS) {
    options[spec.flag] = {
      type: spec.kind === 'boolean' ? 'boolean' : 'string',
      ...(spec.short ? { short: spec.short } : {}),
    };
  }
  const { args, taken } = settleOptionalValues(argv);
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({ args, options, allowPositionals: true, strict: true });
  } catch (error) {
    throw new InvalidArgumentError({
      argument: 'arguments',
      message: explainParseError(error as Error, Object.keys(options)),
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
    exclude: (values.exclude as string[] | undefined) ?? [],
    flags,
    ...(typeof values.resume === 'string' ? { resume: values.resume } : {}),
    help: values.help === true,
    version: values.version === true,
    ...(taken ? { optionalValueTaken: taken } : {}),
  };
}

/**
 * `parseArgs` has no flag whose value is optional, so those (`--cache [DIR]`) are rewritten first:
 * `--cache` followed by an argument that is not a flag takes it as its value; alone, or followed by
 * a flag, it means `true`; `--no-cache` means `false`; `--cache=DIR` stays. Nothing after `--` is touched.
 */
function settleOptionalValues(argv: readonly string[]): {
  args: string[];
  taken?: { flag: string; value: string };
} {
  const flags = new Set(
    OPTION_SPECS.filter((spec) => spec.kind === 'optional-folder').map((spec) => spec.flag),
  );
  const args: string[] = [];
  let taken: { flag: string; value: string } | undefined;
  for (let index = 0; index < argv.length; index++) {
    const argument = argv[index]!;
    if (argument === '--') {
      args.push(...argv.slice(index));
      break;
    }
    const name = argument.startsWith('--') ? argument.slice(2) : undefined;
    if (name !== undefined && flags.has(name)) {
      const next = argv[index + 1];
      if (next !== undefined && !next.startsWith('-')) {
        args.push(`--${name}=${next}`);
        taken ??= { flag: `--${name}`, value: next };
        index += 1;
      } else args.push(`--${name}=true`);
    } else if (name?.startsWith('no-') && flags.has(name.slice(3))) args.push(`--${name.slice(3)}=false`);
    else args.push(argument);
  }
  return { args, ...(taken ? { taken } : {}) };
}

/**
 * `parseArgs`' message in the CLI's words: an unknown flag gets the nearest known one ("did you mean
 * --max-turns?"), a flag without its value says which value it takes.
 */
function explainParseError(error: Error, flags: readonly string[]): string {
  const code = (error as { code?: string }).code;
  const unknown = /Unknown option '(-{1,2}[^']*)'/.exec(error.message)?.[1];
  if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' && unknown) {
    const name = unknown.replace(/^-+/, '').split('=')[0]!;
    const nearest = nearestFlag(name, flags);
    return `Unknown option ${unknown}.${nearest ? ` Did you mean --${nearest}?` : ''} See rlm --help for every option.`;
  }
  const missing = /Option '(?:-\w, )?(--[\w-]+) <value>' argument missing/.exec(error.message)?.[1];
  if (missing) {
    const example =
      missing === '--context'
        ? '--context ./src'
        : missing === '--exclude'
          ? "--exclude 'dist/'"
          : missing === '--resume'
            ? '--resume run.jsonl'
            : OPTION_SPECS.find((candidate) => `--${candidate.flag}` === missing)?.example;
    return `${missing} needs a value${example ? `, e.g. ${example}` : ''}. See rlm --help.`;
  }
  return `${error.message.replace(/\.?$/, '.')} See rlm --help.`;
}

/** The known flag closest to `name` (edit distance at most a third of its length, or a prefix), if any. */
function nearestFlag(name: string, flags: readonly string[]): string | undefined {
  let best: { flag: string; distance: number } | undefined;
  for (const flag of flags) {
    const distance = flag.startsWith(name) || name.startsWith(flag) ? 1 : editDistance(name, flag);
    if (!best || distance < best.distance) best = { flag, distance };
  }
  return best && best.distance <= Math.max(2, Math.floor(name.length / 3)) ? best.flag : undefined;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, index) => index);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(
        previous[j]! + 1,
        current[j - 1]! + 1,
        previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1),
      );
    }
    previous = current;
  }
  return previous[b.length]!;
}
