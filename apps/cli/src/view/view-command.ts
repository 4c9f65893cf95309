import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { checkTrajectoryFile, openBrowser, startViewerServer, TrajectoryFileError } from '@rlm/viewer';
import type { CliIO } from '../cli-io';
import { EXIT_CODES } from '../exit-codes';

/** Whether `argv` is an `rlm view …` command rather than a question. */

export function viewUsage(): string {
  return `Usage: rlm view FILE.jsonl [--port N] [--no-open]

Opens a trajectory in the browser: the run's summary, each turn's code and output, the tree of
sub-calls and child RLMs (prompts and responses in full, searchable), sub-calls in flight over
time and where the time went. Opens files written by rlm --trajectory and logs of the reference
library (alexzhang13/rlm). A local server on 127.0.0.1 serves the page; nothing leaves the machine.
Ctrl-C stops it. A file cut off mid-write (a killed run) opens with what is readable.

  --port N     the server's port (default: a free one)
  --no-open    print the address instead of opening the default browser

To watch a run as it goes: rlm "QUESTION" --context PATH --model PROVIDER:MODEL --view
`;
}

/**
 * `rlm view FILE.jsonl [--port N] [--no-open]`: serves the viewer for a trajectory file until
 * Ctrl-C. Returns the exit code; never throws.
 */
export async function runViewCommand(argv: readonly string[], io: CliIO): Promise<number> {
  const say = (text: string) => io.stderr.write(`${text}\n`);
  let parsed: ReturnType<typeof parseViewArguments>;
  try {
    parsed = parseViewArguments(argv);
  } catch (error) {
    say(`rlm view: ${(error as Error).message}`);
    return EXIT_CODES.usageError;
  }
  if (parsed.help) {
    io.stdout.write(viewUsage());
    return EXIT_CODES.answered;
  }
  const path = resolve(io.cwd, parsed.file);
  let check: ReturnType<typeof checkTrajectoryFile>;
  try {
    check = checkTrajectoryFile(path);
  } catch (error) {
    say(`rlm view: ${error instanceof TrajectoryFileError ? error.message : (error as Error).message}`);
    return EXIT_CODES.usageError;
  }
  for (const note of check.notes) say(`rlm view: note: ${parsed.file}: ${note}`);
  let server: Awaited<ReturnType<typeof startViewerServer>>;
  try {
    server = await startViewerServer({
      source: { file: path },
      ...(parsed.port !== undefined ? { port: parsed.port } : {}),
    });
  } catch (error) {
    say(
      `rlm view: could not start the viewer's server: ${(error as Error).message}${parsed.port !== undefined ? ' (is the port taken? pick another with --port, or leave it out for a free one)' : ''}`,
    );
    return EXIT_CODES.runtimeError;
  }
  say(
    `rlm view: ${parsed.file} (${(check.bytes / 1e6).toFixed(check.bytes < 1e5 ? 2 : 1)} MB, ${check.kind === 'rlm' ? 'rlm trajectory' : 'reference library log'}) at ${server.url}`,
  );
  await openUnlessAsked(server.url, parsed.open, say);
  say('rlm view: press Ctrl-C to stop the viewer.');
  await untilInterrupted();
  await server.close();
  return EXIT_CODES.answered;
}

/** Opens the page in the default browser unless `--no-open`; says so when none could start. */
export async function openUnlessAsked(
  url: string,
  open: boolean,
  say: (text: string) => void,
): Promise<void> {
  if (!open) return;
  const failure = await openBrowser(url);
  if (failure) say(`rlm: could not open a browser (${failure}): open ${url} yourself.`);
}

/** Resolves at the first Ctrl-C (SIGINT) or SIGTERM. */
export function untilInterrupted(): Promise<void> {
  return new Promise((resolveStop) => {
    const stop = () => {
      process.removeListener('SIGINT', stop);
      process.removeListener('SIGTERM', stop);
      resolveStop();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}

function parseViewArguments(argv: readonly string[]): {
  file: string;
  port?: number;
  open: boolean;
  help: boolean;
} {
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({
      args: [...argv],
      options: {
        port: { type: 'string' },
        'no-open': { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
      allowPositionals: true,
      strict: true,
    });
  } catch (error) {
    throw new Error(`${(error as Error).message}. Usage: rlm view FILE.jsonl [--port N] [--no-open]`);
  }
  const values = parsed.values as { port?: string; 'no-open'?: boolean; help?: boolean };
  if (values.help) return { file: '', open: false, help: true };
  const [file, ...extra] = parsed.positionals;
  if (file === undefined) throw new Error('which file? Usage: rlm view FILE.jsonl [--port N] [--no-open]');
  if (extra.length > 0) throw new Error(`one file at a time (got also ${extra.join(', ')}).`);
  const port = values.port === undefined ? undefined : parsePort(values.port);
  return { file, ...(port !== undefined ? { port } : {}), open: values['no-open'] !== true, help: false };
}

export function parsePort(text: string): number {
  const port = Number(text);
  if (!/^\d+$/.test(text) || port > 65_535)
    throw new Error(`--port takes a port number from 0 to 65535; got '${text}'.`);
  return port;
}
