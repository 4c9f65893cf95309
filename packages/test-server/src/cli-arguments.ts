import { parseArgs } from 'node:util';
import { InvalidArgumentError } from '@rlm/core';
import type { LatencyOption } from './latency';

/** What `rlm-test-server` was asked to do. */
export interface CliArguments {
  /** Path of the module whose default export is a respond function or a list of replies; absent: echo. */
  readonly script?: string;
  readonly port: number;
  readonly latencyMs?: LatencyOption;
  /** Write one line per request to stderr. */
  readonly log: boolean;
  readonly help: boolean;
}

/** The help text. */
export const cliUsage = `Usage: rlm-test-server [--script file.mjs] [--port N] [--latency MS | MIN-MAX] [--log]

A local HTTP server on 127.0.0.1 that speaks OpenAI Chat Completions (POST /v1/chat/completions)
and Anthropic Messages (POST /v1/messages). Prints its URL on stdout; stops on SIGINT or SIGTERM.

  --script file.mjs  a module whose default export is a respond function (request) => reply
                     or an array of replies (see @rlm/test-server's ScriptedReply);
                     without it, every request is answered with "echo: <last message>"
  --port N           the port (default 0: a free one)
  --latency MS       delay before the first byte of every answer, or MIN-MAX to draw one per request
  --log              one line per request on stderr
  --help             this text
`;

/** Parses the command line (without `node` and the script path). Throws `InvalidArgumentError` with what to fix. */
export function parseCliArguments(argv: readonly string[]): CliArguments {
  let values: ReturnType<typeof parse>['values'];
  try {
    values = parse(argv).values;
  } catch (error) {
    throw new InvalidArgumentError({
      argument: 'argv',
      message: `${(error as Error).message}\n\n${cliUsage}`,
      cause: error,
    });
  }
  const port = values.port === undefined ? 0 : Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) {
    throw new InvalidArgumentError({
      argument: '--port',
      message: `--port must be an integer from 0 to 65535, got '${values.port}'.`,
    });
  }
  const latencyMs = values.latency === undefined ? undefined : parseLatency(values.latency);
  return {
    ...(values.script === undefined ? {} : { script: values.script }),
    port,
    ...(latencyMs === undefined ? {} : { latencyMs }),
    log: values.log === true,
    help: values.help === true,
  };
}

function parse(argv: readonly string[]) {
  return parseArgs({
    args: [...argv],
    strict: true,
    allowPositionals: false,
    options: {
      script: { type: 'string' },
      port: { type: 'string' },
      latency: { type: 'string' },
      log: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
}

function parseLatency(text: string): LatencyOption {
  const match = /^(\d+(?:\.\d+)?)(?:-(\d+(?:\.\d+)?))?$/.exec(text.trim());
  if (!match) {
    throw new InvalidArgumentError({
      argument: '--latency',
      message: `--latency must be milliseconds (e.g. 50) or a range MIN-MAX (e.g. 20-80), got '${text}'.`,
    });
  }
  return match[2] === undefined ? Number(match[1]) : [Number(match[1]), Number(match[2])];
}
