import type { ByteSource } from './context/load-context';

/** The outside world of one CLI invocation; tests and the bench pass their own. */
export interface CliIO {
  readonly stdout: { write(text: string): unknown };
  readonly stderr: { write(text: string): unknown; readonly isTTY?: boolean; readonly columns?: number };
  readonly stdin: ByteSource;
  readonly environment: Readonly<Record<string, string | undefined>>;
  readonly cwd: string;
}

/** The real process's streams, variables and folder. */
export function processIO(): CliIO {
  return {
    stdout: process.stdout,
    stderr: process.stderr,
    stdin: process.stdin,
    environment: process.env,
    cwd: process.cwd(),
  };
}
