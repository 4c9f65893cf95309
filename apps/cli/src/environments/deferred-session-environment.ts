import type { ReplEnvironment, ReplSession } from '@rlm/core';

/**
 * Wraps an environment so that `createSession` resolves at once while the real session starts in
 * the background; the session's first `runCell` waits for it. The loop creates its session before
 * the root model's first call, but that call does not need the sandbox (the model sees only a
 * description of the context): deferring lets the first request go out while the sandbox compiles
 * and loads a context of up to tens of megabytes, instead of after. If the sandbox fails to start,
 * the first cell rejects with its error, so the run still fails with it: nothing is papered over.
 */
export function withDeferredSessions(environment: ReplEnvironment): ReplEnvironment {
  // Everything but createSession is the environment's own (prepare, warmUp, dispose, and whatever
  // the contract gains later): delegated through the prototype, not copied member by member, so a
  // new optional member can never be dropped here.
  const deferred = Object.create(environment) as ReplEnvironment;
  const createSession: ReplEnvironment['createSession'] = async (options) => {
    const starting = environment.createSession(options);
    // Observed here so that a failure before the first cell is not an unhandled rejection.
    starting.catch(() => undefined);
    let disposed = false;
    const session: ReplSession = {
      runCell: async (code, cellOptions) => (await starting).runCell(code, cellOptions),
      // Always offered (whether the real session has it is known only once it started), so a
      // session (`rlm chat`) can bind its later contexts; a sandbox without it says so then.
      addContext: async (name, value) => {
        const started = await starting;
        if (!started.addContext) {
          throw new Error(
            `The ${environment.environmentId} environment cannot add values to a running REPL (ReplSession.addContext), which rlm chat needs for /context add and history. Use another --env.`,
          );
        }
        return started.addContext(name, value);
      },
      dispose: async () => {
        if (disposed) return;
        disposed = true;
        const started = await starting.catch(() => undefined);
        await started?.dispose();
      },
    };
    return session;
  };
  Object.defineProperty(deferred, 'createSession', { value: createSession, enumerable: true });
  return deferred;
}
