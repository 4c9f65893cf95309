import { fstatSync } from 'node:fs';
import { isatty } from 'node:tty';
import type { ByteSource, StdinKind } from './context/load-context';

/** The outside world of one CLI invocation; tests and the bench pass their own. */
export interface CliIO {
  readonly stdout: { write(text: string): unknown };
  readonly stderr: { write(text: string): unknown; readonly isTTY?: boolean; readonly columns?: number };
  readonly stdin: ByteSource;
  /** What stdin is: without `--context`, piped text is the context. Default `'none'`. */
  readonly stdinKind?: StdinKind;
  readonly environment: Readonly<Record<string, string | undefined>>;
  readonly cwd: string;
}

/** The real process's streams, variables and folder. */
export function processIO(): CliIO {
  return {
    stdout: process.stdout,
    stderr: process.stderr,
    // Made on first use: Node builds process.stdin (a stream over the descriptor) lazily, a few
    // milliseconds at start-up that a run reading no questions from stdin does not need.
    get stdin() {
      return process.stdin;
    },
    stdinKind: stdinKind(),
    environment: process.env,
    cwd: process.cwd(),
  };
}

/**
 * A terminal; piped (a pipe or a redirected file: `cat x | rlm`, `rlm < x`); or nothing worth waiting
 * for (/dev/null, a closed descriptor, a socket a parent process may never close).
 */
function stdinKind(): StdinKind {
  if (isatty(0)) return 'terminal';
  try {
    // `bigint: true` on purpose: on Node 20 a plain fstatSync(0) of a pipe overwrites the shared stat
    // buffer in a way that breaks a later ESM import of a symlinked package (pnpm's layout): the
    // QuickJS import then failed with ERR_MODULE_NOT_FOUND for its own dependency.
    const info = fstatSync(0, { bigint: true });
    return info.isFIFO() || info.isFile() ? 'piped' : 'none';
  } catch {
    return 'none';
  }
}
