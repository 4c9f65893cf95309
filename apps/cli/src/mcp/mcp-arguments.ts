import { InvalidArgumentError } from '@rlm/core';

/** The options only `rlm mcp` has; everything else is a run option, read as `rlm "…"` reads it. */
export interface McpArguments {
  /** `--root DIR`, repeatable: the folders rlm_ask may read. Default: the working folder. */
  readonly roots: readonly string[];
  /** `--http`: serve Streamable HTTP instead of stdio. */
  readonly http: boolean;
  /** `--host` (HTTP). Default 127.0.0.1. */
  readonly host?: string;
  /** `--port` (HTTP). Default 3939; 0 picks a free one. */
  readonly port?: number;
  /** `--trajectory-dir DIR`: where each run's trajectory is written. */
  readonly trajectoryDirectory?: string;
  /** The remaining arguments: run options (`--model`, `--max-cost`, …). */
  readonly rest: readonly string[];
}

const VALUE_FLAGS = new Set(['root', 'host', 'port', 'trajectory-dir']);

/** Takes `rlm mcp`'s own flags out of the arguments (`--flag value` or `--flag=value`). */
export function parseMcpArguments(argv: readonly string[]): McpArguments {
  const roots: string[] = [];
  const rest: string[] = [];
  let http = false;
  let host: string | undefined;
  let port: number | undefined;
  let trajectoryDirectory: string | undefined;
  for (let index = 0; index < argv.length; index++) {
    const argument = argv[index]!;
    const match = /^--([a-z-]+)(?:=(.*))?$/s.exec(argument);
    const name = match?.[1];
    if (name === 'http') {
      if (match?.[2] !== undefined) throw usage('--http takes no value; set the port with --port N.');
      http = true;
      continue;
    }
    if (name === undefined || !VALUE_FLAGS.has(name)) {
      rest.push(argument);
      continue;
    }
    const value = match?.[2] ?? argv[++index];
    if (value === undefined || value === '') throw usage(`--${name} needs a value.`);
    if (name === 'root') roots.push(value);
    else if (name === 'host') host = value;
    else if (name === 'trajectory-dir') trajectoryDirectory = value;
    else {
      const parsed = Number(value);
      if (!Number.isInteger(parsed) || parsed < 0 || parsed > 65_535) {
        throw usage(`--port must be a whole number from 0 to 65535 (0: a free port); got '${value}'.`);
      }
      port = parsed;
    }
  }
  return {
    roots,
    http,
    ...(host === undefined ? {} : { host }),
    ...(port === undefined ? {} : { port }),
    ...(trajectoryDirectory === undefined ? {} : { trajectoryDirectory }),
    rest,
  };
}

function usage(message: string): InvalidArgumentError {
  return new InvalidArgumentError({ argument: 'arguments', message: `rlm mcp: ${message}` });
}
