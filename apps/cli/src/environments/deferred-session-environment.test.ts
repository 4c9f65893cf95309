import { type CellResult, type ReplEnvironment, type ReplSession, SandboxError } from '@rlm/core';
import { describe, expect, it } from 'vitest';
import { withDeferredSessions } from './deferred-session-environment';

function slowEnvironment(startMs: number, fail?: Error) {
  const log: string[] = [];
  const environment: ReplEnvironment = {
    specificationVersion: 'v1',
    environmentId: 'slow',
    language: 'javascript',
    createSession: async () => {
      log.push('create');
      await new Promise((resolve) => setTimeout(resolve, startMs));
      if (fail) throw fail;
      log.push('ready');
      const session: ReplSession = {
        runCell: async (code) => {
          log.push(`run ${code}`);
          return { stdout: code, stderr: '', durationMs: 0 } as CellResult;
        },
        addContext: async (name) => {
          log.push(`add ${name}`);
        },
        dispose: async () => {
          log.push('dispose');
        },
      };
      return session;
    },
  };
  return { environment, log };
}

describe('withDeferredSessions', () => {
  it('passes prepare on, and offers none when the environment has none', () => {
    const { environment } = slowEnvironment(0);
    expect(withDeferredSessions(environment).prepare).toBeUndefined();
    let prepared = 0;
    withDeferredSessions({ ...environment, prepare: () => void prepared++ }).prepare!();
    expect(prepared).toBe(1);
  });

  it('passes on every other member of the environment: warmUp, dispose, and any it gains later', async () => {
    const { environment } = slowEnvironment(0);
    const calls: string[] = [];
    const full = {
      ...environment,
      warmUp: () => void calls.push('warmUp'),
      dispose: async () => void calls.push('dispose'),
      // A member the contract does not have (yet): a wrapper that copied members one by one lost such.
      futureMember: () => 'kept',
    };
    const deferred = withDeferredSessions(full) as typeof full;
    expect(withDeferredSessions(environment).warmUp).toBeUndefined();
    deferred.warmUp();
    await deferred.dispose();
    expect(calls).toEqual(['warmUp', 'dispose']);
    expect(deferred.futureMember()).toBe('kept');
    expect(deferred.createSession).not.toBe(full.createSession);
  });

  it('resolves createSession at once; the first cell waits for the real session', async () => {
    const { environment, log } = slowEnvironment(50);
    const deferred = withDeferredSessions(environment);
    expect([deferred.specificationVersion, deferred.environmentId, deferred.language]).toEqual([
      'v1',
      'slow',
      'javascript',
    ]);
    const started = performance.now();
    const session = await deferred.createSession({ context: 'x', hostFunctions: {} });
    expect(performance.now() - started).toBeLessThan(40);
    expect(log).toEqual(['create']);
    expect((await session.runCell('1 + 1')).stdout).toBe('1 + 1');
    expect(log).toEqual(['create', 'ready', 'run 1 + 1']);
    await session.dispose();
    await session.dispose();
    expect(log).toEqual(['create', 'ready', 'run 1 + 1', 'dispose']);
  });

  it('fails the first cell with the sandbox error, and disposes quietly', async () => {
    const failure = new SandboxError({ environmentId: 'slow', message: 'could not start' });
    const { environment } = slowEnvironment(10, failure);
    const session = await withDeferredSessions(environment).createSession({
      context: 'x',
      hostFunctions: {},
    });
    await expect(session.runCell('1')).rejects.toBe(failure);
    await expect(session.dispose()).resolves.toBeUndefined();
  });

  it('disposes a session that is still starting once it has started', async () => {
    const { environment, log } = slowEnvironment(30);
    const session = await withDeferredSessions(environment).createSession({
      context: 'x',
      hostFunctions: {},
    });
    await session.dispose();
    expect(log).toEqual(['create', 'ready', 'dispose']);
  });

  it('forwards addContext (a session binds later contexts with it) once the real session started', async () => {
    const { environment, log } = slowEnvironment(20);
    const session = await withDeferredSessions(environment).createSession({
      context: 'x',
      hostFunctions: {},
    });
    await session.addContext!('context_1', 'more');
    expect(log).toEqual(['create', 'ready', 'add context_1']);
    await session.dispose();
  });
});
