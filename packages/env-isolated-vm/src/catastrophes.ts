import { writeSync } from 'node:fs';
import { isMainThread } from 'node:worker_threads';

/**
 * What this process has lost to isolated-vm's catastrophic errors.
 *
 * When V8 loses control of an isolate (e.g. one native operation allocates far past the limit),
 * isolated-vm's handler puts the isolate's thread to sleep forever, with the isolate's memory (100–200
 * MB after `new Array(2 ** 32 - 1).fill(0)`). Nothing can reclaim either, and two things follow:
 *
 * - the event loop keeps a handle that never closes, so the process no longer exits on its own;
 * - `process.exit()` hangs: `exit()` runs the addon's static destructors, and the destructor of
 *   isolated-vm's thread pool joins every pool thread, the sleeping one included (seen with gdb:
 *   `__run_exit_handlers` → `ivm::thread_pool_t::~thread_pool_t` → `std::thread::join`).
 *
 * The count is kept per process (on the `process` object under a registered symbol, so that two
 * copies of this package share it, and the global object is left as it was; a worker thread, with
 * its own `process`, keeps its own), to cap how many such isolates a process accumulates.
 */
interface CatastropheRecord {
  count: number;
  exitGuardInstalled: boolean;
}

const RECORD_KEY = Symbol.for('@rlm/env-isolated-vm/catastrophes');

function record(): CatastropheRecord {
  const holder = process as typeof process & { [RECORD_KEY]?: CatastropheRecord };
  holder[RECORD_KEY] ??= { count: 0, exitGuardInstalled: false };
  return holder[RECORD_KEY];
}

/**
 * How many isolates this process has lost to catastrophic errors. Reads without creating the record.
 */
export function catastrophicErrorCount(): number {
  return (process as typeof process & { [RECORD_KEY]?: CatastropheRecord })[RECORD_KEY]?.count ?? 0;
}

/** Counts one lost isolate and makes sure `process.exit()` can still end the process. */
export function recordCatastrophicError(): number {
  const current = record();
  current.count++;
  installExitGuard(current);
  if (current.count === 1) {
    process.emitWarning(
      'isolated-vm lost control of an isolate (a catastrophic error): its thread and memory stay in this process for good, ' +
        'and the process no longer exits on its own. Call process.exit() when done (it ends the process with SIGKILL), ' +
        'and restart the process when you can.',
      { code: 'RLM_ISOLATED_VM_CATASTROPHIC_ERROR' },
    );
  }
  return current.count;
}

/**
 * After a catastrophic error `exit()` would hang forever in isolated-vm's thread-pool destructor, so
 * `process.exit()` ends the process with SIGKILL instead, once every `'exit'` listener has run (Node
 * calls `process.reallyExit` after them). stdout and stderr are synchronous for files and pipes on
 * Linux, so what was written is not lost. The exit code asked for is printed to stderr, since a
 * killed process cannot return it.
 */
function installExitGuard(current: CatastropheRecord): void {
  // In a worker thread `process.exit()` ends only the worker; the hang is the process's exit.
  if (current.exitGuardInstalled || !isMainThread) return;
  const target = process as unknown as { reallyExit?: (code?: number) => void };
  const reallyExit = target.reallyExit;
  if (typeof reallyExit !== 'function') return;
  current.exitGuardInstalled = true;
  target.reallyExit = function reallyExitAfterCatastrophe(code?: number) {
    try {
      writeSync(
        2,
        `@rlm/env-isolated-vm: ending the process with SIGKILL (exit code ${code ?? 0} was asked for): ` +
          `isolated-vm lost control of ${current.count} isolate(s), whose threads never end, and a normal exit would wait for them forever.\n`,
      );
    } catch {
      // stderr is gone; end the process all the same.
    }
    process.kill(process.pid, 'SIGKILL');
    reallyExit.call(process, code);
  };
}

export const CATASTROPHE_ADVICE =
  'Restart the process when you can (a process that had one no longer exits on its own; process.exit() still ends it), ' +
  'and give model code this much memory only in another environment: @rlm/env-deno runs each session in its own ' +
  'process, @rlm/env-quickjs in WebAssembly.';

/** Why no isolate may be started any more in this process, if that is so. */
export function processCatastropheRefusal(settings: {
  readonly maxCatastrophicErrorsPerProcess: number;
}): string | undefined {
  const count = catastrophicErrorCount();
  if (count < settings.maxCatastrophicErrorsPerProcess) return undefined;
  return (
    `isolated-vm lost control of ${count} isolates in this process (catastrophic errors, e.g. one native operation ` +
    `allocating far past memoryLimitMb), the most it allows (maxCatastrophicErrorsPerProcess = ` +
    `${settings.maxCatastrophicErrorsPerProcess}); each keeps its memory (100–200 MB) and a thread for good, so no new ` +
    `isolate is started in this process. ${CATASTROPHE_ADVICE}`
  );
}
