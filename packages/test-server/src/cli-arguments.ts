import { parseArgs } from 'node:util';
import { InvalidArgumentError } from '@rlm/core';
import type { FaultMix } from './fault-mix';
import type { LatencyOption } from './latency';

/** What `rlm-test-server` was asked to do. */
export interface CliArguments {
  /** Path of the module whose default export is a respond function or a list of replies; absent: echo. */
  readonly script?: string;
  /** Answer with the built-in demo models (`demoResponder`) instead of a script. */
  readonly demo: boolean;
  /** A random fault mix drawn per request. */
  readonly faults?: FaultMix;
  readonly port: number;
  readonly latencyMs?: LatencyOption;
  /** Write one line per request to stderr. */
  readonly log: boolean;
  readonly help: boolean;
}

/** The help text. */
export const cliUsage = `Usage: rlm-test-server [--script file.mjs | --demo] [--port N] [--latency MS | MIN-MAX] [--faults MIX] [--log]

A local HTTP server on 127.0.0.1 that speaks OpenAI Chat Completions (POST /v1/chat/completions)
and Anthropic Messages (POST /v1/messages). Prints its URL on stdout; stops on SIGINT or SIGTERM.

  --script file.mjs  a module whose default export is a respond function (request) => reply
                     or an array of replies (see @rlm/test-server's ScriptedReply);
                     without it, every request is answered with "echo: <last message>"
  --demo             play a root model and a sub-model that count a log's ERROR lines by kind,
                     for trying the rlm command without a key (see the README's quick start)
  --port N           the port (default 0: a free one)
  --latency MS       delay before the first byte of every answer, or MIN-MAX to draw one per request
  --faults MIX       random faults per request, e.g. rate429=0.2,retryAfterMs=200,rate503=0.05,seed=7
                     (keys: rate429, retryAfterMs, rate503, dropMidStream, malformedJson, seed)
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
  if (values.demo === true && values.script !== undefined) {
    throw new InvalidArgumentError({
      argument: '--demo',
      message: '--demo and --script both choose the replies; give one of them.',
    });
  }
  const faults = values.faults === undefined ? undefined : parseFaults(values.faults);
  return {
    ...(values.script === undefined ? {} : { script: values.script }),
    demo: values.demo === true,
    ...(faults === undefined ? {} : { faults }),
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
      demo: { type: 'boolean' },
      faults: { type: 'string' },
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

const FAULT_KEYS = ['rate429', 'retryAfterMs', 'rate503', 'dropMidStream', 'malformedJson', 'seed'] as const;

/** `rate429=0.2,rate503=0.05,seed=7` → a fault mix (its rates are checked when the server starts). */
function parseFaults(text: string): FaultMix {
  const mix: Record<string, number> = {};
  for (const part of text
    .split(',')
    .map((piece) => piece.trim())
    .filter(Boolean)) {
    const [key, value] = part.split('=').map((piece) => piece.trim());
    const number = Number(value);
    if (
      !FAULT_KEYS.includes(key as (typeof FAULT_KEYS)[number]) ||
      value === undefined ||
      value === '' ||
      !Number.isFinite(number)
    ) {
      throw new InvalidArgumentError({
        argument: '--faults',
        message: `--faults: '${part}' is not KEY=NUMBER with a key among ${FAULT_KEYS.join(', ')} (e.g. --faults rate429=0.2,retryAfterMs=200,seed=7).`,
      });
    }
    mix[key!] = number;
  }
  return mix as FaultMix;
}
