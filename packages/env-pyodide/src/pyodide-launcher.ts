import { writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { ContextValue, HostFunction } from '@rlm/core';
import { SandboxError } from '@rlm/core';
import { errorMessageOf, makeDenoCacheDirectory, SpareProcess } from '@rlm/core/environment';
import { PYODIDE_CHILD_PROGRAM } from './pyodide-child.sandbox.generated';
import { type PyodideChildSettings, PyodideProcess } from './pyodide-process';
import { SnapshotCache } from './snapshot-cache';

/** How an environment starts its processes. */
export interface PyodideLauncherOptions {
  readonly memoryLimitMb: number;
  readonly startupTimeoutMs: number;
  readonly temporaryDirectory: string;
  /** Keep one booted interpreter waiting for the next session. */
  readonly keepSpareProcess: boolean;
  /** Start interpreters from a loaded-state snapshot. */
  readonly useSnapshot: boolean;
  /** Where snapshots are kept between host processes; none kept when undefined. */
  readonly snapshotDirectory: string | undefined;
  /** Finds the Deno binary; called at the first start, so a missing one fails a session, not the import. */
  readonly resolveDenoPath: () => string;
}

/** Launchers by their options: environments created with the same options share one (and its spare). */
const launchers = new Map<string, PyodideLauncher>();

/** The launcher for these options, shared by every environment created with the same ones. */
export function sharedLauncher(options: PyodideLauncherOptions & { readonly denoPath: string | undefined }) {
  const key = JSON.stringify([
    options.denoPath ?? null,
    options.memoryLimitMb,
    options.startupTimeoutMs,
    options.temporaryDirectory,
    options.keepSpareProcess,
    options.useSnapshot,
    options.snapshotDirectory ?? null,
  ]);
  let launcher = launchers.get(key);
  if (launcher === undefined) {
    launcher = new PyodideLauncher(options);
    launchers.set(key, launcher);
  }
  return launcher;
}

/** Pyodide's folder: the `pyodide` package this package depends on. */
function findPyodideDirectory(): string {
  try {
    return dirname(createRequire(import.meta.url).resolve('pyodide/package.json'));
  } catch (error) {
    throw new SandboxError({
      environmentId: 'pyodide',
      message: `The pyodide package, a dependency of @rlm/env-pyodide, is missing (${errorMessageOf(error)}). Reinstall @rlm/env-pyodide.`,
      cause: error,
    });
  }
}

/**
 * Makes the private directory every child of this launcher runs in: Deno's cache (`DENO_DIR`, where
 * storage APIs can keep nothing), the child program, and the snapshot.
 */
async function makeCacheDirectory(parent: string): Promise<{ directory: string; scriptPath: string }> {
  const directory = await makeDenoCacheDirectory(parent, 'rlm-pyodide-');
  const scriptPath = join(directory, 'rlm-pyodide-child.js');
  await writeFile(scriptPath, PYODIDE_CHILD_PROGRAM, { mode: 0o400 });
  return { directory, scriptPath };
}

/**
 * Starts the Pyodide processes of one environment. Loading the interpreter is the cost to hide
 * (~3–7 s cold on a loaded 2-core machine): the first start makes a snapshot of a loaded interpreter
 * (a process that runs no model code writes it, the only write permission any child gets), every
 * later process loads that in ~0.3–0.5 s, and once a session started, one booted process waits for
 * the next session or restart, which then only waits for its context.
 */
export class PyodideLauncher {
  private readonly spare = new SpareProcess<PyodideProcess>();
  private settings: Promise<PyodideChildSettings> | undefined;

  constructor(private readonly options: PyodideLauncherOptions) {}

  private resolveSettings(): Promise<PyodideChildSettings> {
    this.settings ??= (async () => {
      const denoPath = this.options.resolveDenoPath();
      const pyodideDirectory = findPyodideDirectory();
      const { directory, scriptPath } = await makeCacheDirectory(this.options.temporaryDirectory);
      const base: PyodideChildSettings = {
        denoPath,
        memoryLimitMb: this.options.memoryLimitMb,
        startupTimeoutMs: this.options.startupTimeoutMs,
        cacheDirectory: directory,
        scriptPath,
        pyodideDirectory,
        temporaryDirectory: this.options.temporaryDirectory,
      };
      if (!this.options.useSnapshot) return base;
      try {
        return { ...base, snapshotPath: await this.snapshotFor(base) };
      } catch {
        // A snapshot only makes starts faster: without one every process loads Pyodide itself.
        return base;
      }
    })();
    // A missing binary is not remembered: the user may install it and try again.
    this.settings.catch(() => {
      this.settings = undefined;
    });
    return this.settings;
  }

  /**
   * The snapshot to start from: the one in the snapshot cache when there is one, else one made now
   * by a process that runs no model code (and kept in the cache for the next host process).
   */
  private async snapshotFor(base: PyodideChildSettings): Promise<string> {
    const cache =
      this.options.snapshotDirectory === undefined
        ? undefined
        : new SnapshotCache(this.options.snapshotDirectory);
    const cached = cache?.prepare() ? cache.pathFor(base.pyodideDirectory, base.denoPath) : undefined;
    if (cached !== undefined && cache?.has(cached)) return cached;
    const made = join(base.cacheDirectory, 'pyodide.snapshot');
    await PyodideProcess.makeSnapshot(base, made);
    if (cached === undefined || cache === undefined) return made;
    try {
      cache.publish(made, cached);
      return cached;
    } catch {
      return made;
    }
  }

  /** Boots what the first session needs without waiting for it (the CLI calls it before the first model reply). */
  warmUp(): void {
    this.spare.fill(() =>
      this.resolveSettings().then(
        (settings) => this.bootSpare(settings),
        () => undefined,
      ),
    );
  }

  /** `text` without the host's paths, for what a cell gets to see. */
  scrubPaths(text: string): string {
    return text.replaceAll(this.options.temporaryDirectory, '<tmp>');
  }

  /** Starts a process ready to run cells on `context`; throws a `SandboxError` saying why it could not. */
  async launch(
    context: ContextValue,
    hostFunctions: Readonly<Record<string, HostFunction>>,
  ): Promise<PyodideProcess> {
    let settings = await this.resolveSettings();
    const spare = await this.spare.take();
    try {
      if (spare) {
        spare.keepHostAlive(true);
        try {
          await spare.initialize(context, hostFunctions);
          return spare;
        } catch (error) {
          await spare.dispose();
          // A spare that died while it waited is no reason to fail: start a fresh one.
          if (!spare.isGone) throw error;
        }
      }
      const process = await PyodideProcess.spawn(settings);
      try {
        await process.booted();
      } catch (error) {
        await process.dispose();
        if (settings.snapshotPath === undefined) throw error;
        // A snapshot that cannot start an interpreter (damaged, or from an incompatible build) is
        // dropped, and Pyodide loads the usual way from now on.
        if (this.options.snapshotDirectory !== undefined) {
          new SnapshotCache(this.options.snapshotDirectory).forget(settings.snapshotPath);
        }
        const { snapshotPath: _dropped, ...withoutSnapshot } = settings;
        settings = withoutSnapshot;
        this.settings = Promise.resolve(settings);
        return await this.startProcess(settings, context, hostFunctions);
      }
      try {
        await process.initialize(context, hostFunctions);
      } catch (error) {
        await process.dispose();
        throw error;
      }
      return process;
    } finally {
      if (this.options.keepSpareProcess) this.prepareSpare(settings);
    }
  }

  private async startProcess(
    settings: PyodideChildSettings,
    context: ContextValue,
    hostFunctions: Readonly<Record<string, HostFunction>>,
  ): Promise<PyodideProcess> {
    const process = await PyodideProcess.spawn(settings);
    try {
      await process.initialize(context, hostFunctions);
    } catch (error) {
      await process.dispose();
      throw error;
    }
    return process;
  }

  /** Ends the spare process, if one is booted or booting. */
  dispose(): Promise<void> {
    return this.spare.dispose();
  }

  private prepareSpare(settings: PyodideChildSettings) {
    this.spare.fill(() => this.bootSpare(settings));
  }

  private async bootSpare(settings: PyodideChildSettings): Promise<PyodideProcess | undefined> {
    try {
      const process = await PyodideProcess.spawn(settings);
      process.keepHostAlive(false);
      // Booted or not, it is handed over: the taker waits for the boot and reports what failed.
      process.booted().catch(() => {});
      return process;
    } catch {
      // The next launch starts a process itself, and reports what goes wrong.
      return undefined;
    }
  }
}
