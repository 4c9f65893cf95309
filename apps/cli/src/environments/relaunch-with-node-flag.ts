/** The Node flag isolated-vm needs on Node 20 and later (Node's startup snapshot breaks its isolates). */
export const NO_NODE_SNAPSHOT = '--no-node-snapshot';

/** Whether this process runs with `flag`, given on the command line or in `NODE_OPTIONS`. */
export function hasNodeFlag(
  flag: string,
  environment: Readonly<Record<string, string | undefined>>,
): boolean {
  return process.execArgv.includes(flag) || (environment.NODE_OPTIONS ?? '').split(/\s+/).includes(flag);
}

/**
 * Runs this same command again in a child Node with `flag` added, sharing stdin, stdout and stderr,
 * and resolves to its exit code. In a terminal, Ctrl-C reaches the child directly (same process
 * group), so this process only waits: forwarding too would make it a second Ctrl-C, which quits at
 * once. Without a terminal (a script, a test, a supervisor) a SIGINT comes to this process alone and
 * is forwarded, as a SIGTERM always is.
 */
export async function relaunchWithNodeFlag(flag: string, argv: readonly string[]): Promise<number> {
  // Loaded here, not at start-up: most runs never relaunch.
  const { spawn } = await import('node:child_process');
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [flag, ...process.execArgv, process.argv[1]!, ...argv], {
      stdio: 'inherit',
    });
    const inTerminal = Boolean(process.stdin.isTTY || process.stdout.isTTY || process.stderr.isTTY);
    const onInterrupt = inTerminal ? () => undefined : () => child.kill('SIGINT');
    const forwardTerminate = () => child.kill('SIGTERM');
    process.on('SIGINT', onInterrupt);
    process.on('SIGTERM', forwardTerminate);
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      process.removeListener('SIGINT', onInterrupt);
      process.removeListener('SIGTERM', forwardTerminate);
      resolve(code ?? (signal === 'SIGINT' ? 130 : 1));
    });
  });
}
