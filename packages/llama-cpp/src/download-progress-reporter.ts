import type { ModelDownloadEvent } from './download-model';
import { formatBytes } from './local-model-catalog';

/** Where the progress goes: a stream with `write`, and whether it is a terminal (a redrawn bar) or not (a line per 10 %). */
export interface ProgressOutput {
  write(text: string): unknown;
  readonly isTTY?: boolean;
}

const BAR_WIDTH = 30;

/**
 * The default download display: the size and destination first, then a progress bar (redrawn in
 * place on a terminal, one line per 10 % elsewhere, so logs stay short), then the checked result.
 */
export function createDownloadProgressReporter(
  output: ProgressOutput = process.stderr,
  now: () => number = () => performance.now(),
): (event: ModelDownloadEvent) => void {
  let startedAt = 0;
  let startBytes = 0;
  let lastDecile = -1;
  let lastDrawAt = 0;
  return (event) => {
    switch (event.type) {
      case 'start': {
        startedAt = now();
        startBytes = event.resumedFromBytes;
        const size = event.totalBytes === undefined ? 'size unknown' : formatBytes(event.totalBytes);
        const resumed =
          event.resumedFromBytes > 0 ? `, resuming at ${formatBytes(event.resumedFromBytes)}` : '';
        output.write(
          `Downloading ${event.name} (${size}${resumed})\n  from ${event.url}\n  to   ${event.path}\n`,
        );
        return;
      }
      case 'progress': {
        const { receivedBytes, totalBytes } = event;
        const fraction = totalBytes ? Math.min(1, receivedBytes / totalBytes) : undefined;
        const elapsed = (now() - startedAt) / 1000;
        const rate = elapsed > 0 ? (receivedBytes - startBytes) / elapsed : 0;
        const line =
          `${fraction === undefined ? '' : `[${'#'.repeat(Math.round(fraction * BAR_WIDTH)).padEnd(BAR_WIDTH, ' ')}] ${(fraction * 100).toFixed(0).padStart(3)}% `}` +
          `${formatBytes(receivedBytes)}${totalBytes ? ` / ${formatBytes(totalBytes)}` : ''}` +
          `${rate > 0 ? `  ${formatBytes(rate)}/s` : ''}`;
        if (output.isTTY) {
          const time = now();
          if (time - lastDrawAt < 100 && fraction !== 1) return;
          lastDrawAt = time;
          output.write(`\r${line}\u001b[K`);
          return;
        }
        const decile = fraction === undefined ? -1 : Math.floor(fraction * 10);
        if (decile > lastDecile) {
          lastDecile = decile;
          output.write(`${line}\n`);
        }
        return;
      }
      case 'verified': {
        const against =
          event.checkedAgainst === 'none'
            ? 'no published checksum: size and GGUF header checked'
            : `matches the ${event.checkedAgainst === 'pinned' ? 'pinned' : "server's"} checksum`;
        output.write(
          `${output.isTTY ? '\n' : ''}Checked ${formatBytes(event.totalBytes)} (SHA-256 ${event.sha256.slice(0, 12)}…, ${against}): ${event.path}\n`,
        );
        return;
      }
    }
  };
}
