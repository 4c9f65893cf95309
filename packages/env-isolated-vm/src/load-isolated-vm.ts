import { SandboxError } from '@rlm/core';

/** The `isolated-vm` module (its CommonJS export). */
export type IsolatedVMModule = typeof import('isolated-vm');

const ENVIRONMENT_ID = 'isolated-vm';

const INSTALL_ADVICE =
  'Install it next to @rlm/env-isolated-vm: `npm install isolated-vm` (5.x runs on Node 20, 6.x needs Node 22, ' +
  '7.x Node 24). It compiles a native addon while installing (about 2 minutes), which needs python3, make and ' +
  'a C++ compiler (g++ or clang). pnpm 10 runs no build script unless allowed: add isolated-vm to ' +
  '`onlyBuiltDependencies` in pnpm-workspace.yaml (or run `pnpm approve-builds`), then `pnpm rebuild isolated-vm`.';

function importIsolatedVM(): Promise<unknown> {
  return import('isolated-vm');
}

/**
 * Imports `isolated-vm` on first use, so that merely importing this package never loads (or needs) the
 * native addon. Every failure becomes a `SandboxError` that says what to install or rebuild.
 *
 * @param importModule how to import it; tests pass a failing importer to check the messages.
 */
export async function loadIsolatedVM(
  importModule: () => Promise<unknown> = importIsolatedVM,
): Promise<IsolatedVMModule> {
  let imported: unknown;
  try {
    imported = await importModule();
  } catch (error) {
    throw new SandboxError({
      environmentId: ENVIRONMENT_ID,
      message: describeLoadFailure(error),
      cause: error,
    });
  }
  // isolated-vm is CommonJS: `import()` gives `{ default: module.exports }`.
  const candidate =
    typeof imported === 'object' && imported !== null && 'default' in imported
      ? (imported as { default: unknown }).default
      : imported;
  if (typeof (candidate as Partial<IsolatedVMModule> | undefined)?.Isolate !== 'function') {
    throw new SandboxError({
      environmentId: ENVIRONMENT_ID,
      message: `The module 'isolated-vm' loaded, but it has no Isolate class: it is not isolated-vm 5 or later. ${INSTALL_ADVICE}`,
    });
  }
  return candidate as IsolatedVMModule;
}

function describeLoadFailure(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const code = (error as { code?: unknown } | null)?.code;
  if (/out[\\/]isolated_vm/.test(message)) {
    return (
      'isolated-vm is installed, but its native addon was never built (out/isolated_vm.node is missing): its install script did not run or failed. ' +
      INSTALL_ADVICE
    );
  }
  if (/NODE_MODULE_VERSION|was compiled against a different Node\.js version/.test(message)) {
    return (
      `isolated-vm's native addon was built for another Node.js version than this one (${process.version}). ` +
      'Rebuild it (`npm rebuild isolated-vm` or `pnpm rebuild isolated-vm`), or install the major that supports this Node ' +
      `(5.x Node 20, 6.x Node 22, 7.x Node 24). The loader said: ${message}`
    );
  }
  if ((code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') && message.includes('isolated-vm')) {
    return `The package 'isolated-vm' is not installed; @rlm/env-isolated-vm needs it (a peer dependency). ${INSTALL_ADVICE}`;
  }
  return `isolated-vm could not be loaded: ${message}. ${INSTALL_ADVICE}`;
}

/**
 * Whether this process runs with `--no-node-snapshot`, which isolated-vm needs on Node 20 and later:
 * V8 shares read-only heap data between isolates, and isolates started from Node's startup snapshot
 * and from isolated-vm's can crash the process when they meet.
 */
export function hasNoNodeSnapshotFlag(
  execArgv: readonly string[] = process.execArgv,
  nodeOptions: string | undefined = process.env.NODE_OPTIONS,
): boolean {
  if (execArgv.includes('--no-node-snapshot')) return true;
  return (nodeOptions ?? '').split(/\s+/).includes('--no-node-snapshot');
}

/** Throws a `SandboxError` saying how to add `--no-node-snapshot` when Node 20+ runs without it. */
export function assertNoNodeSnapshotFlag(
  nodeVersion: string = process.versions.node,
  execArgv: readonly string[] = process.execArgv,
  nodeOptions: string | undefined = process.env.NODE_OPTIONS,
): void {
  const major = Number(nodeVersion.split('.')[0]);
  if (major < 20 || hasNoNodeSnapshotFlag(execArgv, nodeOptions)) return;
  throw new SandboxError({
    environmentId: ENVIRONMENT_ID,
    message:
      `isolated-vm needs Node to run with --no-node-snapshot on Node 20 and later (this is Node ${nodeVersion}); ` +
      'without it, creating isolates can crash the whole process. Start Node with it (`node --no-node-snapshot app.js`, ' +
      'or `NODE_OPTIONS=--no-node-snapshot`; a worker thread cannot be given it, only its process: under vitest use ' +
      "pool 'forks' with execArgv ['--no-node-snapshot']). If your process sets the flag in a way this " +
      'check cannot see, pass `checkNodeSnapshotFlag: false` to createIsolatedVMEnvironment.',
  });
}
