import { expect } from 'vitest';
import type { ContextValue, JsonValue } from '../environment/context-value';
import type {
  CellResult,
  HostFunction,
  ReplEnvironment,
  ReplSession,
  RunCellOptions,
} from '../environment/repl-environment';

/** The context a conformance session gets unless a test passes its own: 44 characters. */
export const DEFAULT_CONFORMANCE_CONTEXT = 'The quick brown fox jumps over the lazy dog.';

/** The host functions every conformance session gets, and what they saw. */
export interface ConformanceHost {
  readonly hostFunctions: Record<string, HostFunction>;
  /** The arguments of every call, by function name. */
  readonly calls: Record<string, JsonValue[][]>;
  /** The most `llm_query` calls that were in flight at once. */
  peakInFlight(): number;
  /** The signal each `never` call received, in call order. */
  readonly neverSignals: AbortSignal[];
}

/**
 * Builds the host functions of a conformance session: `llm_query` (answers `answer:<prompt>` after
 * `latencyMs`, counting concurrent calls), `echo` (returns its arguments and a nested list), `fail`
 * (rejects), `never` (never settles) and `nothing` (returns undefined). Every call is recorded.
 */
export function createConformanceHost(latencyMs: number): ConformanceHost {
  const calls: Record<string, JsonValue[][]> = {};
  let inFlight = 0;
  let peak = 0;
  const record = (name: string, args: readonly JsonValue[]) => {
    calls[name] ??= [];
    // Copied only when it is a list: a host function must cope with whatever arrives, and the
    // security suite checks separately that it always is one.
    calls[name].push(Array.isArray(args) ? [...args] : (args as JsonValue[]));
  };
  const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
  const neverSignals: AbortSignal[] = [];
  return {
    calls,
    neverSignals,
    peakInFlight: () => peak,
    hostFunctions: {
      llm_query: async (args) => {
        record('llm_query', args);
        inFlight++;
        peak = Math.max(peak, inFlight);
        try {
          await sleep(latencyMs);
          return `answer:${String(args[0])}`;
        } finally {
          inFlight--;
        }
      },
      echo: async (args) => {
        record('echo', args);
        return { args: [...args], nested: { list: [1, 'two', null] } };
      },
      fail: async (args) => {
        record('fail', args);
        throw new Error('the host said no');
      },
      never: (args, { signal }) => {
        record('never', args);
        neverSignals.push(signal);
        return new Promise(() => {});
      },
      nothing: async () => undefined,
    },
  };
}

/** What a test may pass when it opens a session. */
export interface OpenSessionOptions {
  /** Default {@link DEFAULT_CONFORMANCE_CONTEXT} (`null` is passed as it is). */
  readonly context?: ContextValue;
  /** How long each `llm_query` takes. Default 1 ms. */
  readonly latencyMs?: number;
  /**
   * Wraps each host function, e.g. to check what it receives. Gets the name and the function the
   * host would otherwise have used.
   */
  readonly wrapHostFunction?: (name: string, hostFunction: HostFunction) => HostFunction;
}

/** An open conformance session and the helpers tests drive it with. */
export interface ConformanceSession {
  readonly environment: ReplEnvironment;
  readonly session: ReplSession;
  readonly host: ConformanceHost;
  /** Runs a cell. */
  run(code: string, options?: RunCellOptions): Promise<CellResult>;
  /** Runs a cell that must succeed, and returns its result. */
  ok(code: string, options?: RunCellOptions): Promise<CellResult>;
}

/** Opens sessions of one environment for a test file; `dispose` closes every session it opened. */
export interface ConformanceSessionOpener {
  open(options?: OpenSessionOptions): Promise<ConformanceSession>;
  /** Disposes every session opened so far (call it after each test). */
  dispose(): Promise<void>;
}

/** Creates a {@link ConformanceSessionOpener} that calls `factory` once per opened session. */
export function createSessionOpener(
  factory: () => ReplEnvironment | Promise<ReplEnvironment>,
): ConformanceSessionOpener {
  const sessions: ReplSession[] = [];
  return {
    async open(options: OpenSessionOptions = {}) {
      const environment = await factory();
      const host = createConformanceHost(options.latencyMs ?? 1);
      const wrap = options.wrapHostFunction;
      const hostFunctions = wrap
        ? Object.fromEntries(
            Object.entries(host.hostFunctions).map(([name, hostFunction]) => [
              name,
              wrap(name, hostFunction),
            ]),
          )
        : host.hostFunctions;
      const session = await environment.createSession({
        // `null` is a context like any other; only a missing one gets the default.
        context: options.context === undefined ? DEFAULT_CONFORMANCE_CONTEXT : options.context,
        hostFunctions,
      });
      sessions.push(session);
      const run = (code: string, runOptions?: RunCellOptions) => session.runCell(code, runOptions);
      const ok = async (code: string, runOptions?: RunCellOptions) => {
        const result = await run(code, runOptions);
        expect(result.error, `cell failed: ${code}`).toBeUndefined();
        return result;
      };
      return { environment, session, host, run, ok };
    },
    async dispose() {
      await Promise.all(sessions.splice(0).map((session) => session.dispose()));
    },
  };
}

/**
 * A cell that ran out of memory: a `memory` error, or a restart (`stateLost`) after a memory or crash
 * error. `what` (e.g. the cell's code) starts the failure message.
 */
export function expectMemoryFailure(result: CellResult, what = 'the cell'): void {
  const got = result.error
    ? `${result.error.kind} error ${result.error.name}: ${result.error.message.slice(0, 200)}`
    : 'no error';
  const message = `${what}: must end in a memory error or a restart that says so, not ${got}${result.stateLost ? ' (restarted)' : ''}`;
  expect(result.error, message).toBeDefined();
  if (result.stateLost === undefined) expect(result.error?.kind, message).toBe('memory');
  else expect(['memory', 'crash'], message).toContain(result.error?.kind);
}
