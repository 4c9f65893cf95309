import { spawn, spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { readCpuTimeMs, readProcessStatus } from './process-status';

describe.runIf(process.platform === 'linux')('reading a process from /proc', () => {
  it("reads a live process's private memory and threads, and sees the memory it takes", async () => {
    // A child that holds 64 MiB more than it started with once it says so (zero-filled lazily, so
    // only private memory, not the resident size, shows it at once).
    const child = spawn(
      process.execPath,
      [
        '-e',
        'process.stdout.write("a\\n"); process.stdin.once("data", () => { globalThis.held = new Uint8Array(64 * 1024 * 1024); process.stdout.write("b\\n"); }); process.stdin.resume();',
      ],
      { stdio: ['pipe', 'pipe', 'inherit'] },
    );
    try {
      const lines = (async function* () {
        for await (const chunk of child.stdout) yield String(chunk);
      })();
      await lines.next();
      const before = readProcessStatus(child.pid ?? -1);
      expect(before?.privateBytes).toBeGreaterThan(1024 * 1024);
      expect(before?.threads).toBeGreaterThanOrEqual(1);
      child.stdin.write('go\n');
      await lines.next();
      const after = readProcessStatus(child.pid ?? -1);
      expect((after?.privateBytes ?? 0) - (before?.privateBytes ?? 0)).toBeGreaterThanOrEqual(
        60 * 1024 * 1024,
      );
    } finally {
      child.kill();
    }
  });

  it('counts the CPU time of every thread of a process, in milliseconds', () => {
    const start = readCpuTimeMs(process.pid);
    expect(start).toBeGreaterThanOrEqual(0);
    const until = performance.now() + 120;
    let spins = 0;
    while (performance.now() < until) spins++;
    expect(spins).toBeGreaterThan(0);
    // 120 ms of busy waiting, counted in 10 ms ticks.
    expect((readCpuTimeMs(process.pid) ?? 0) - (start ?? 0)).toBeGreaterThanOrEqual(60);
  });

  it('reads nothing of a process that is gone', () => {
    const gone = spawnSync(process.execPath, ['-e', '0']);
    expect(gone.status).toBe(0);
    expect(readProcessStatus(gone.pid)).toBeUndefined();
    expect(readCpuTimeMs(gone.pid)).toBeUndefined();
  });
});

describe.skipIf(process.platform === 'linux')('on systems without /proc', () => {
  it('reads nothing rather than guessing', () => {
    expect(readProcessStatus(process.pid)).toBeUndefined();
    expect(readCpuTimeMs(process.pid)).toBeUndefined();
  });
});
