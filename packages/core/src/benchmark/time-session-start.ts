import type { ReplEnvironment, ReplSessionOptions } from '../environment/repl-environment';

/**
 * Wall-clock milliseconds of creating one session of `environment` with `options` (the start of the
 * sandbox and the injection of its context), as the host sees it. The session is disposed after,
 * untimed.
 */
export async function timeSessionStart(
  environment: ReplEnvironment,
  options: ReplSessionOptions,
): Promise<number> {
  const started = performance.now();
  const session = await environment.createSession(options);
  const elapsed = performance.now() - started;
  await session.dispose();
  return elapsed;
}
