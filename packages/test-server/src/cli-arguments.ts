import { parseArgs } from 'node:util';
import { InvalidArgumentError } from '@rlm/core';
import type { ConcurrencyLimit } from './concurrency-limit';
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
  /** 429 with `Retry-After` above this many completion requests at once. */
  readonly concurrencyLimit?: ConcurrencyLimit;
  readonly port: number;
  readonly latencyMs?: LatencyOption;
  /** Write one line per request to stderr. */
  readonly log: boolean;
  readonly help: boolean;
}

/** The help text. */
export const cliUsage = `Usage: rlm-test-server [--script file.mjs | --demo] [--port N] [--latency MS | MIN-MAX] [--faults MIX]
                       [--concurrency-limit N [--concurrency-retry-after MS]] [--log]

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
                     (keys: rate429, retryAfterMs, rate503, dropMidStream, malformedJson, seed,
                     maxFaultsPerRequest: a request's retries get through after that many faults)
  --concurrency-limit N
                     a provider's concurrency limit: a request arriving while N are being
                     answered gets a 429 at once, with Retry-After (see the next flag)
  --concurrency-retry-after MS
                     the wait those 429s ask for (retry-after-ms, Retry-After rounded up to
                     seconds); default 1000
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
  const concurrencyLimit = parseConcurrencyLimit(
    values['concurrency-limit'],
    values['concurrency-retry-after'],
  );
  return {
    ...(values.script === undefined ? {} : { script: values.script }),
    demo: values.demo === true,
    ...(faults === undefined ? {} : { faults }),
    ...(concurrencyLimit === undefined ? {} : { concurrencyLimit }),
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
      'concurrency-limit': { type: 'string' },
      'concurrency-retry-after': { type: 'string' },
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

const FAULT_KEYS = [
  'rate429',
  'retryAfterMs',
  'rate503',
  'dropMidStream',
  'malformedJson',
  'seed',
  'maxFaultsPerRequest',
] as const;

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

function parseConcurrencyLimit(
  max: string | undefined,
  retryAfter: string | undefined,
): ConcurrencyLimit | undefined {
  if (max === undefined) {
    if (retryAfter === undefined) return undefined;
    throw new InvalidArgumentError({
      argument: '--concurrency-retry-after',
      message:
        "--concurrency-retry-after sets the wait of --concurrency-limit's 429s; give --concurrency-limit N too.",
    });
  }
  if (!/^\d+$/.test(max.trim()) || Number(max) < 1) {
    throw new InvalidArgumentError({
      argument: '--concurrency-limit',
      message: `--concurrency-limit must be a whole number of requests >= 1 (e.g. 24), got '${max}'.`,
    });
  }
  if (retryAfter !== undefined && !/^\d+$/.test(retryAfter.trim())) {
    throw new InvalidArgumentError({
      argument: '--concurrency-retry-after',
      message: `--concurrency-retry-after must be whole milliseconds (e.g. 100), got '${retryAfter}'.`,
    });
  }
  return {
    max: Number(max),
    ...(retryAfter === undefined ? {} : { retryAfterMs: Number(retryAfter) }),
  };
}
