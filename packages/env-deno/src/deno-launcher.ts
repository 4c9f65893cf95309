import type { ContextValue, HostFunction } from '@rlm/core';
import { makeDenoCacheDirectory, SpareProcess } from '@rlm/core/environment';
import { DenoChildProcess, type DenoChildSettings, scrubHostPaths } from './deno-child-process';

/** How an environment starts its processes. */
export interface DenoLauncherOptions extends Omit<DenoChildSettings, 'denoPath' | 'cacheDirectory'> {
  /** Finds the Deno binary; called at the first start, so a missing one fails a session, not the import. */
  readonly resolveDenoPath: () => string;
  /** Keep one booted process waiting for the next session. */
  readonly keepSpareProcess: boolean;
}

/** Deno's cache directories, one per parent directory, shared by every environment of this host process. */
const cacheDirectories = new Map<string, Promise<string>>();

function cacheDirectoryIn(parent: string): Promise<string> {
  let directory = cacheDirectories.get(parent);
  if (directory === undefined) {
    directory = makeDenoCacheDirectory(parent, 'rlm-deno-cache-');
    // A failure is not cached: the next start tries again.
    directory.catch(() => cacheDirectories.delete(parent));
    cacheDirectories.set(parent, directory);
  }
  return directory;
}

/** Launchers by their options: environments created with the same options share one (and its spare). */
const launchers = new Map<string, DenoLauncher>();

/**
 * The launcher for these options, shared by every environment created with the same ones, so that a
 * program (or a test suite) that creates many environments still keeps only one spare process.
 */
export function sharedLauncher(
  options: DenoLauncherOptions & { readonly denoPath: string | undefined },
): DenoLauncher {
  const { denoPath, memoryLimitMb, startupTimeoutMs, temporaryDirectory, keepSpareProcess, childScriptPath } =
    options;
  const key = JSON.stringify([
    childScriptPath ?? null,
    denoPath ?? null,
    memoryLimitMb,
    startupTimeoutMs,
    temporaryDirectory,
    keepSpareProcess,
  ]);
  let launcher = launchers.get(key);
  if (launcher === undefined) {
    launcher = new DenoLauncher(options);
    launchers.set(key, launcher);
  }
  return launcher;
}

/**
 * Starts the Deno processes of one environment. Booting Deno takes most of a session's start-up
 * (~70–100 ms, its Node compatibility layer included), so once a session had to boot its own
 * process, the launcher keeps one booted process waiting — with no context, no code, and no hold
 * on the host's event loop — and hands it to the next session (or to a restart after a crash),
 * which then only waits for its context to load. A session that took a process booted ahead
 * (`prepare`, or a spare) readies none: most programs start one session.
 */
export class DenoLauncher {
  private readonly spare = new SpareProcess<DenoChildProcess>();
  private settings: Promise<DenoChildSettings> | undefined;
  private resolvedSettings: DenoChildSettings | undefined;

  constructor(private readonly options: DenoLauncherOptions) {}

  private resolveSettings(): Promise<DenoChildSettings> {
    this.settings ??= (async () => {
      const denoPath = this.options.resolveDenoPath();
      const cacheDirectory = await cacheDirectoryIn(this.options.temporaryDirectory);
      this.resolvedSettings = { ...this.options, denoPath, cacheDirectory };
      return this.resolvedSettings;
    })();
    // A missing binary is not remembered: the user may install it and try again.
    this.settings.catch(() => {
      this.settings = undefined;
    });
    return this.settings;
  }

  /** `text` without the host's paths (see {@link scrubHostPaths}), for what a cell gets to see. */
  scrubPaths(text: string): string {
    return scrubHostPaths(text, {
      denoPath: this.resolvedSettings?.denoPath ?? '',
      cacheDirectory: this.resolvedSettings?.cacheDirectory ?? '',
      temporaryDirectory: this.options.temporaryDirectory,
    });
  }

  /** Starts a process ready to run cells on `context`; throws a `SandboxError` saying why it could not. */
  async launch(
    context: ContextValue,
    hostFunctions: Readonly<Record<string, HostFunction>>,
  ): Promise<DenoChildProcess> {
    const settings = await this.resolveSettings();
    const spare = await this.spare.take();
    let bootedHere = false;
    try {
      if (spare) {
        spare.keepHostAlive(true);
        try {
          await spare.initialize(context, hostFunctions);
          return spare;
        } catch (error) {
          // A spare that died while it waited is no reason to fail: start a fresh one.
          if (!spare.diedBeforeInitialize) throw error;
        }
      }
      bootedHere = true;
      const process = await DenoChildProcess.spawn(settings);
      await process.initialize(context, hostFunctions);
      return process;
    } finally {
      // A launch that had to boot its own process means sessions come faster than spares (children
      // of rlm_query, restarts, no prepare()): one is readied for the next. Not after a launch that
      // took a spare: booting one costs ~0.1 s of CPU beside the first cell's work, for a program
      // (the CLI's run) that never starts a second session.
      if (this.options.keepSpareProcess && bootedHere) this.prepareSpare(settings);
    }
  }

  /**
   * Boots the next session's process ahead, unless one is booted or booting already
   * (`ReplEnvironment.prepare`: the CLI calls it while it reads the context and loads the SDKs, so
   * the first session only waits for its context). A binary that cannot be found is reported by
   * that session's launch.
   */
  prepare(): void {
    void this.resolveSettings().then(
      (settings) => this.prepareSpare(settings),
      () => undefined,
    );
  }

  /**
   * Ends the spare process, if one is booted or booting. The next launch boots what it needs again.
   * Processes of open sessions are theirs to dispose.
   */
  dispose(): Promise<void> {
    return this.spare.dispose();
  }

  private prepareSpare(settings: DenoChildSettings) {
    this.spare.fill(() =>
      DenoChildProcess.spawn(settings).then(
        (process) => {
          process.keepHostAlive(false);
          return process;
        },
        // The next launch starts a process itself, and reports what goes wrong.
        () => undefined,
      ),
    );
  }
}
