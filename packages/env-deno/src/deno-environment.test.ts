import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InvalidArgumentError, type ReplSession, SandboxError } from '@rlm/core';
import { testEnvironment } from '@rlm/core/testing/vitest';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { createDenoEnvironment, type DenoEnvironmentOptions } from './deno-environment';

const MEMORY_LIMIT_MB = 256;

testEnvironment(() => createDenoEnvironment({ memoryLimitMb: MEMORY_LIMIT_MB }), {
  memoryLimit: true,
  configure: (options) => createDenoEnvironment({ memoryLimitMb: MEMORY_LIMIT_MB, ...options }),
});

const onLinux = process.platform === 'linux';
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The Deno processes whose command line names `directory` (each test's own temporary directory). */
function childPids(directory: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const commandLine = readFileSync(`/proc/${entry}/cmdline`, 'utf8');
      if (commandLine.includes('deno-child.js') && commandLine.includes(directory)) pids.push(Number(entry));
    } catch {
      // The process ended while we looked.
    }
  }
  return pids;
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('Deno environment', () => {
  const sessions: ReplSession[] = [];
  const directories: string[] = [];
  afterEach(async () => {
    await Promise.all(sessions.splice(0).map((session) => session.dispose()));
  });
  afterAll(() => {
    for (const directory of directories) rmSync(directory, { recursive: true, force: true });
  });

  function temporaryDirectory(): string {
    const directory = mkdtempSync(join(tmpdir(), 'rlm-deno-test-'));
    directories.push(directory);
    return directory;
  }

  async function open(
    options: DenoEnvironmentOptions = {},
    context: unknown = 'the context',
    signal?: AbortSignal,
  ) {
    const directory = options.temporaryDirectory ?? temporaryDirectory();
    // Without a spare, each test's directory names only its session's process.
    const environment = createDenoEnvironment({
      memoryLimitMb: MEMORY_LIMIT_MB,
      temporaryDirectory: directory,
      keepSpareProcess: false,
      ...options,
    });
    const started: string[] = [];
    let release: ((value: string) => void) | undefined;
    const received: unknown[][] = [];
    const session = await environment.createSession({
      context: context as string,
      hostFunctions: {
        echo: async (args) => {
          received.push([...args]);
          return args[0] ?? null;
        },
        slow: (args) => {
          started.push(String(args[0]));
          return new Promise<string>((resolve) => {
            release = resolve;
          });
        },
      },
      ...(signal ? { signal } : {}),
    });
    sessions.push(session);
    return { session, directory, started, received, release: (value: string) => release?.(value) };
  }

  it.skipIf(!onLinux)(
    'reports a process killed mid-cell as a crash, and starts a new one with the context',
    async () => {
      const { session, directory, started } = await open();
      await session.runCell('const kept = 1;');
      const [pid] = childPids(directory);
      expect(pid).toBeDefined();
      const running = session.runCell("await slow('waiting');");
      while (started.length === 0) await sleep(10);
      process.kill(pid!, 'SIGKILL');
      const result = await running;
      expect(result.error).toMatchObject({ kind: 'crash', name: 'SandboxError' });
      expect(result.error?.message).toMatch(/^The Deno process died \(killed by SIGKILL\)/);
      expect(result.stateLost).toMatch(
        /A new Deno process was started: `context` and the functions are back/,
      );
      expect((await session.runCell('typeof kept + " " + context')).value).toBe('"undefined the context"');
      expect(childPids(directory)).not.toContain(pid);
    },
  );

  it.skipIf(!onLinux)(
    'kills the process when synchronous code overruns its cell, and starts a new one',
    async () => {
      const { session, directory } = await open();
      await session.runCell('const kept = 1;');
      const [pid] = childPids(directory);
      const started = performance.now();
      const result = await session.runCell('while (true) {}', { timeoutMs: 300 });
      expect(performance.now() - started).toBeLessThan(5_000);
      expect(result.error?.kind).toBe('timeout');
      expect(result.stateLost).toMatch(/did not let go within 500 ms .* so its Deno process was killed/);
      expect(isRunning(pid!)).toBe(false);
      expect(childPids(directory)).toHaveLength(1);
      expect((await session.runCell('typeof kept + " " + context')).value).toBe('"undefined the context"');
    },
  );

  it('runs model code in a context without Deno, web APIs, timers or Node', async () => {
    const { session } = await open();
    const names = [
      'Deno',
      'fetch',
      'Request',
      'WebSocket',
      'Worker',
      'setTimeout',
      'setInterval',
      'MessageChannel',
      'BroadcastChannel',
      'navigator',
      'location',
      'localStorage',
      'caches',
      'crypto',
      'performance',
      'addEventListener',
      'close',
      'prompt',
      'process',
      'Buffer',
      'require',
    ];
    const result = await session.runCell(`[${names.map((name) => `typeof ${name}`).join(', ')}].join(' ')`);
    expect(result.value).toBe(JSON.stringify(names.map(() => 'undefined').join(' ')));
  });

  it('keeps Error.prepareStackTrace unset, so no host call site reaches the cell', async () => {
    const { session } = await open();
    const result = await session.runCell(
      "Error.prepareStackTrace = () => 'prepared';\ntry { null.x; } catch (error) { console.log(typeof Error.prepareStackTrace, error.stack.startsWith('TypeError')); }",
    );
    expect(result.stdout).toBe('undefined true\n');
  });

  it('removes the context file once the child has read it, and leaves nothing of the session after dispose', async () => {
    const directory = temporaryDirectory();
    const contextDirectories = () =>
      readdirSync(directory).filter((name) => name.startsWith('rlm-deno-context-'));
    const { session } = await open({ temporaryDirectory: directory });
    expect(contextDirectories()).toEqual([]);
    expect((await session.runCell('context')).value).toBe('"the context"');
    const restarted = await session.runCell('while (true) {}', { timeoutMs: 100 });
    expect(restarted.stateLost).toBeDefined();
    expect(contextDirectories()).toEqual([]);
    await session.dispose();
    expect(contextDirectories()).toEqual([]);
    if (onLinux) expect(childPids(directory)).toEqual([]);
  });

  it('hands the spare process to one of two sessions that start at once', async () => {
    const directory = temporaryDirectory();
    const environment = createDenoEnvironment({
      memoryLimitMb: MEMORY_LIMIT_MB,
      temporaryDirectory: directory,
    });
    sessions.push(await environment.createSession({ context: 'warm-up', hostFunctions: {} }));
    const [first, second] = await Promise.all([
      environment.createSession({ context: 'first', hostFunctions: {} }),
      environment.createSession({ context: 'second', hostFunctions: {} }),
    ]);
    sessions.push(first, second);
    expect((await first.runCell('context')).value).toBe('"first"');
    expect((await second.runCell('context')).value).toBe('"second"');
  });

  it('keeps one booted process for the next session, which holds no file of another session', async () => {
    const directory = temporaryDirectory();
    const environment = createDenoEnvironment({
      memoryLimitMb: MEMORY_LIMIT_MB,
      temporaryDirectory: directory,
    });
    // The first session boots its own process: a spare is readied for the next.
    const first = await environment.createSession({ context: 'first', hostFunctions: {} });
    sessions.push(first);
    while (onLinux && childPids(directory).length < 2) await sleep(10);
    const booted = childPids(directory);
    const second = await environment.createSession({ context: 'second', hostFunctions: {} });
    sessions.push(second);
    expect((await first.runCell('context')).value).toBe('"first"');
    expect((await second.runCell('context')).value).toBe('"second"');
    if (onLinux) {
      // The second session took the spare, and readied none: a spare costs ~0.1 s of CPU.
      await sleep(500);
      expect(childPids(directory).sort()).toEqual([...booted].sort());
    }
    // The third boots its own again, and readies a spare after it.
    const third = await environment.createSession({ context: 'third', hostFunctions: {} });
    sessions.push(third);
    expect((await third.runCell('context')).value).toBe('"third"');
    if (onLinux) {
      while (childPids(directory).length < 4) await sleep(10);
      expect(childPids(directory).filter((pid) => booted.includes(pid))).toEqual(booted);
    }
    const files = readdirSync(directory)
      .filter((name) => name.startsWith('rlm-deno-context-'))
      .flatMap((name) => readdirSync(join(directory, name)));
    expect(files).toEqual([]);
  });

  it('prepare() boots the first session’s process ahead, which the session then takes', async () => {
    const directory = temporaryDirectory();
    const environment = createDenoEnvironment({
      memoryLimitMb: MEMORY_LIMIT_MB,
      temporaryDirectory: directory,
      // No spare after sessions: the only process booted ahead is prepare()'s.
      keepSpareProcess: false,
    });
    environment.prepare!();
    environment.prepare!();
    const deadline = Date.now() + 15_000;
    while (onLinux && childPids(directory).length < 1 && Date.now() < deadline) await sleep(10);
    const booted = childPids(directory);
    if (onLinux) expect(booted, 'prepare() booted no process').toHaveLength(1);
    const session = await environment.createSession({ context: 'prepared', hostFunctions: {} });
    sessions.push(session);
    expect((await session.runCell('context')).value).toBe('"prepared"');
    // The session runs in the process booted ahead, and no other was started.
    if (onLinux) expect(childPids(directory)).toEqual(booted);
    await environment.dispose?.();
  });

  it('a session that takes the process prepare() booted readies no spare (a one-session program boots one process)', async () => {
    const directory = temporaryDirectory();
    const environment = createDenoEnvironment({
      memoryLimitMb: MEMORY_LIMIT_MB,
      temporaryDirectory: directory,
    });
    environment.prepare!();
    const deadline = Date.now() + 15_000;
    while (onLinux && childPids(directory).length < 1 && Date.now() < deadline) await sleep(10);
    const booted = childPids(directory);
    const session = await environment.createSession({ context: 'only', hostFunctions: {} });
    sessions.push(session);
    expect((await session.runCell('context')).value).toBe('"only"');
    if (onLinux) {
      await sleep(500);
      expect(childPids(directory)).toEqual(booted);
    }
    await environment.dispose?.();
  });

  it('ends its spare process on dispose(), and boots one again for the next session', async () => {
    const directory = temporaryDirectory();
    const environment = createDenoEnvironment({
      memoryLimitMb: MEMORY_LIMIT_MB,
      temporaryDirectory: directory,
    });
    const session = await environment.createSession({ context: 'first', hostFunctions: {} });
    while (onLinux && childPids(directory).length < 2) await sleep(10);
    await session.dispose();
    await environment.dispose?.();
    if (onLinux) expect(childPids(directory)).toEqual([]);
    const again = await environment.createSession({ context: 'again', hostFunctions: {} });
    sessions.push(again);
    expect((await again.runCell('context')).value).toBe('"again"');
    await environment.dispose?.();
  });

  it('carries a 50 MB line each way: a host call with the whole context and its 50 MB result', async () => {
    const text = `${'0123456789'.repeat(5_000_000)}é€🚀`;
    // The child holds the context, the arguments' JSON, the result's bytes and its string at once.
    const { session, received } = await open({ memoryLimitMb: 1024 }, text);
    const result = await session.runCell('const back = await echo(context);\nback === context', {
      timeoutMs: 60_000,
    });
    expect(result.error).toBeUndefined();
    expect(result.value).toBe('true');
    expect(received).toHaveLength(1);
    expect(received[0]?.[0] === text).toBe(true);
  }, 60_000);

  it('refuses a context that does not fit memoryLimitMb, saying so', async () => {
    const environment = createDenoEnvironment({
      memoryLimitMb: 64,
      temporaryDirectory: temporaryDirectory(),
    });
    const creating = environment.createSession({ context: '€'.repeat(40_000_000), hostFunctions: {} });
    await expect(creating).rejects.toThrow(SandboxError);
    await expect(creating).rejects.toThrow(/memoryLimitMb/);
  }, 60_000);

  it('says what to set when the Deno binary is missing', async () => {
    const environment = createDenoEnvironment({ denoPath: '/nonexistent/deno' });
    const creating = environment.createSession({ context: '', hostFunctions: {} });
    await expect(creating).rejects.toThrow(SandboxError);
    await expect(creating).rejects.toThrow(
      'the denoPath option points at /nonexistent/deno, which is not an executable file. Point it at a Deno 2.9+ binary',
    );
  });

  it.skipIf(!onLinux)('says what happened when the binary is not Deno', async () => {
    const environment = createDenoEnvironment({
      denoPath: '/bin/false',
      temporaryDirectory: temporaryDirectory(),
    });
    const creating = environment.createSession({ context: '', hostFunctions: {} });
    await expect(creating).rejects.toThrow(/^Deno at \/bin\/false exited while starting \(exit code 1\)/);
  });

  it('checks its options', () => {
    expect(() => createDenoEnvironment({ memoryLimitMb: 10 })).toThrow(InvalidArgumentError);
    expect(() => createDenoEnvironment({ denoPath: '' })).toThrow(/denoPath/);
  });
});
