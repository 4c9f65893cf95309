import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { RLMEvent } from '@rlm/core';
import { startViewerServer, type ViewerServer } from '@rlm/viewer';
import type { CliIO } from '../cli-io';
import type { CliSettings } from '../options/cli-settings';
import type { ProgressReporter } from '../progress/progress-reporter';
import { openUnlessAsked, untilInterrupted } from './view-command';

/** A run shown in the browser as it goes (`--view`): the server, and how the CLI feeds it. */
export interface LiveView {
  /** The settings the run goes on with: a trajectory file, a temporary one when none was asked for. */
  readonly settings: CliSettings;
  /** The reporter that also sends each event to the page. */
  reporter(inner: ProgressReporter): ProgressReporter;
  /** After the run: hands the page the saved trajectory, then serves it until Ctrl-C. */
  finishAndServe(): Promise<void>;
}

/**
 * Starts the viewer for a run about to begin (`rlm "…" --view`). The run's trajectory is what the
 * page shows once it ends, so a run without `--trajectory` writes one to a temporary file (its path
 * is printed: `rlm view FILE` opens it again later).
 */
export async function startLiveView(settings: CliSettings, io: CliIO, title: string): Promise<LiveView> {
  const say = (text: string) => io.stderr.write(`${text}\n`);
  const trajectory =
    settings.trajectory ?? join(tmpdir(), `rlm-view-${process.pid}-${Date.now().toString(36)}.jsonl`);
  const server: ViewerServer = await startViewerServer({
    source: { live: true, title },
    ...(settings.viewPort !== undefined ? { port: settings.viewPort } : {}),
  });
  say(`rlm: watching the run at ${server.url}`);
  await openUnlessAsked(server.url, settings.noOpen !== true, say);
  return {
    settings: { ...settings, trajectory },
    reporter: (inner) => ({
      onEvent(event: RLMEvent) {
        inner.onEvent(event);
        server.publish(event);
      },
      note: (message) => inner.note(message),
      markStopping: () => inner.markStopping(),
      close: () => inner.close(),
    }),
    async finishAndServe() {
      server.finish({ file: resolve(io.cwd, trajectory) });
      say(
        `rlm: the run is saved in ${trajectory}; the viewer shows it at ${server.url} until Ctrl-C (rlm view ${trajectory} opens it again).`,
      );
      await untilInterrupted();
      await server.close();
    },
  };
}
