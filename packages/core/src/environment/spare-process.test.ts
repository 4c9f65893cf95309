import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { afterEach, describe, expect, it } from 'vitest';
import { type SpareableProcess, SpareProcess } from './spare-process';

/** A real child process that idles until killed. */
class IdleProcess implements SpareableProcess {
  readonly child: ChildProcess = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], {
    stdio: 'ignore',
  });
  readonly exited = once(this.child, 'exit');
  referenced = true;

  get isGone(): boolean {
    return this.child.exitCode !== null || this.child.signalCode !== null;
  }

  keepHostAlive(keep: boolean): void {
    this.referenced = keep;
    if (keep) this.child.ref();
    else this.child.unref();
  }

  async dispose(): Promise<void> {
    if (!this.isGone) this.child.kill();
    await this.exited;
  }
}

const started: IdleProcess[] = [];
function boot(): Promise<IdleProcess> {
  const process = new IdleProcess();
  started.push(process);
  process.keepHostAlive(false);
  return once(process.child, 'spawn').then(() => process);
}

afterEach(async () => {
  await Promise.all(started.splice(0).map((process) => process.dispose()));
});

describe('SpareProcess', () => {
  it('boots one spare however often it is filled, and hands it to one of two takers', async () => {
    const spare = new SpareProcess<IdleProcess>();
    spare.fill(boot);
    spare.fill(boot);
    expect(started).toHaveLength(1);
    const [first, second] = await Promise.all([spare.take(), spare.take()]);
    expect([first, second].filter((taken) => taken !== undefined)).toEqual([started[0]]);
    expect(await spare.take()).toBeUndefined();
    spare.fill(boot);
    expect(started).toHaveLength(2);
    expect(await spare.take()).toBe(started[1]);
  });

  it('does not hand out a spare that died while it waited', async () => {
    const spare = new SpareProcess<IdleProcess>();
    spare.fill(boot);
    const waiting = started[0] as IdleProcess;
    await once(waiting.child, 'spawn');
    waiting.child.kill('SIGKILL');
    await waiting.exited;
    expect(await spare.take()).toBeUndefined();
  });

  it('is empty again after a boot that found no process, so the next fill tries again', async () => {
    const spare = new SpareProcess<IdleProcess>();
    spare.fill(async () => undefined);
    expect(await spare.take()).toBeUndefined();
    spare.fill(boot);
    expect(await spare.take()).toBe(started[0]);
  });

  it('ends a booting or booted spare on dispose, holding the host while it dies', async () => {
    const spare = new SpareProcess<IdleProcess>();
    spare.fill(boot);
    await spare.dispose();
    const disposed = started[0] as IdleProcess;
    expect(disposed.isGone).toBe(true);
    expect(disposed.referenced).toBe(true);
    expect(await spare.take()).toBeUndefined();
    await expect(new SpareProcess<IdleProcess>().dispose()).resolves.toBeUndefined();
  });
});
