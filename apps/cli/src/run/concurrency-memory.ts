import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { RLMEvent } from '@rlm/core';

/**
 * What `rlm` remembers between runs of how many calls at once a model's server took: the window an
 * adaptive run reached without being cut (no 429, no overload, no Retry-After pause), per model and
 * server, for `MEMORY_TTL_MS`. The next run within that time starts its sub-model's window there
 * instead of at 16 — as TCP keeps a destination's metrics between connections — so a run does not
 * spend its first turn's fan-out re-learning what the previous run just found (with 100 sub-calls
 * and real latencies of seconds, the climb 16 → 32 → 64 costs two whole round trips).
 *
 * Conservative on purpose: a run that was cut even once leaves no memory (it also erases what was
 * there), so a server that limits starts from 16 again; the memory never goes above the hard cap;
 * a corrupt or unknown file is ignored (and replaced); `--concurrency N` and
 * `--no-concurrency-memory` bypass it.
 */

/** How long a remembered window is trusted: rate limits and server load change. */
export const MEMORY_TTL_MS = 10 * 60_000;
const FORMAT_VERSION = 1;

interface Remembered {
  readonly window: number;
  readonly at: number;
}

interface MemoryFile {
  readonly version: number;
  readonly windows: Record<string, Remembered>;
}

/** The key of a model on a server: `provider:modelId` and the base URL (or the provider's own). */
export function concurrencyMemoryKey(model: string, baseUrl: string | undefined): string {
  return `${model} ${baseUrl ?? 'default'}`;
}

export class ConcurrencyMemory {
  /** Per model (`provider:modelId`): the largest window seen this run, and whether it was cut. */
  private readonly seen = new Map<string, { window: number; cut: boolean; adaptive: boolean }>();

  private constructor(
    private readonly file: string,
    private readonly windows: Record<string, Remembered>,
    private readonly now: () => number,
  ) {}

  /** Reads the memory file; a missing, unreadable or foreign one is an empty memory. */
  static async open(file: string, now: () => number = Date.now): Promise<ConcurrencyMemory> {
    let windows: Record<string, Remembered> = {};
    try {
      const parsed = JSON.parse(await readFile(file, 'utf8')) as Partial<MemoryFile>;
      if (parsed.version === FORMAT_VERSION && parsed.windows && typeof parsed.windows === 'object') {
        for (const [key, value] of Object.entries(parsed.windows)) {
          if (Number.isInteger(value?.window) && value.window > 0 && Number.isFinite(value.at)) {
            windows[key] = { window: value.window, at: value.at };
          }
        }
      }
    } catch {
      windows = {};
    }
    return new ConcurrencyMemory(file, windows, now);
  }

  /** The remembered window for `key` when it is recent, never above `max`. */
  startFor(key: string, max: number): { window: number; ageMs: number } | undefined {
    const remembered = this.windows[key];
    if (remembered === undefined) return undefined;
    const ageMs = this.now() - remembered.at;
    if (ageMs < 0 || ageMs > MEMORY_TTL_MS) return undefined;
    return { window: Math.min(remembered.window, max), ageMs };
  }

  /** Follows the run's windows (pass every event). */
  observe(event: RLMEvent): void {
    if (event.type !== 'concurrency-change') return;
    const before = this.seen.get(event.model);
    const cut =
      event.reason === 'rate-limited' || event.reason === 'overloaded' || event.reason === 'retry-after';
    this.seen.set(event.model, {
      window: Math.max(before?.window ?? 0, event.window),
      cut: (before?.cut ?? false) || cut,
      adaptive: event.adaptive,
    });
  }

  /**
   * Writes what this run learned: the window each adaptive model reached when nothing cut it, and no
   * memory for a model that was cut. Failing to write (a read-only home) costs only the memory.
   */
  async save(keyOf: (model: string) => string): Promise<void> {
    let changed = false;
    const windows = { ...this.windows };
    for (const [model, { window, cut, adaptive }] of this.seen) {
      if (!adaptive) continue;
      const key = keyOf(model);
      if (cut) {
        if (key in windows) {
          delete windows[key];
          changed = true;
        }
      } else {
        windows[key] = { window, at: this.now() };
        changed = true;
      }
    }
    // Old entries go, so the file never grows with models long unused.
    for (const [key, value] of Object.entries(windows)) {
      if (this.now() - value.at > MEMORY_TTL_MS) {
        delete windows[key];
        changed = true;
      }
    }
    if (!changed) return;
    // Written aside and renamed: a concurrent run reads the old file or the new one, never half.
    const temporary = `${this.file}.${process.pid}.tmp`;
    try {
      await mkdir(dirname(this.file), { recursive: true });
      await writeFile(temporary, JSON.stringify({ version: FORMAT_VERSION, windows } satisfies MemoryFile));
      await rename(temporary, this.file);
    } catch {
      // The memory is an optimisation: a run never fails for it.
      await rm(temporary, { force: true }).catch(() => undefined);
    }
  }
}
