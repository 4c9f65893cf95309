import { warmUpCellRewriter } from './javascript-cell-rewriter';
import type { JavaScriptEngine } from './javascript-engine';
import { JavaScriptSession } from './javascript-session';
import type { ReplEnvironment, ReplSession, ReplSessionOptions } from './repl-environment';
import type { JavaScriptSandbox } from './sandbox-cell';

/**
 * Makes a JavaScript `ReplEnvironment` out of an engine's sandbox primitive. The engine supplies
 * only what is its own (start a sandbox with the context and the bridge, run a rewritten cell, stop,
 * dispose); the sessions come from the kit, so every engine queues, rewrites, times, restarts and
 * disposes the same way and words its results alike.
 *
 * ```ts
 * export function createMyEnvironment(): ReplEnvironment {
 *   return defineJavaScriptEnvironment({
 *     environmentId: 'my-engine',
 *     sandboxName: 'my-engine sandbox',
 *     defaultTimeoutMs: 60_000,
 *     defaultMaxOutputChars: 1_000_000,
 *     createSandbox: (options) => MySandbox.create(options),
 *   });
 * }
 * ```
 */
export function defineJavaScriptEnvironment<Sandbox extends JavaScriptSandbox>(
  engine: JavaScriptEngine<Sandbox>,
): ReplEnvironment {
  return {
    specificationVersion: 'v1',
    environmentId: engine.environmentId,
    language: 'javascript',
    createSession(options: ReplSessionOptions): Promise<ReplSession> {
      return JavaScriptSession.create(engine, options);
    },
    ...(engine.prepare ? { prepare: () => engine.prepare!() } : {}),
    // The rewriter every cell goes through, loaded and compiled before the first one.
    warmUp: warmUpCellRewriter,
    async dispose(): Promise<void> {
      await engine.dispose?.();
    },
  };
}
