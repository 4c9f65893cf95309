import type { HostFunction } from '../environment/repl-environment';

/**
 * The host functions of the host-pressure benchmarks, which count every call an attack makes:
 * `noop()` answers `null` at once, `hold(x)` answers `String(x)` after `holdMs` milliseconds (a
 * call that keeps its cell waiting). `calls()` is how many calls both have had.
 */
export function countingHostFunctions(holdMs: number): {
  readonly hostFunctions: Record<string, HostFunction>;
  calls(): number;
} {
  let calls = 0;
  return {
    hostFunctions: {
      noop: async () => {
        calls++;
        return null;
      },
      hold: async ([value]) => {
        calls++;
        await new Promise((resolve) => setTimeout(resolve, holdMs));
        return String(value);
      },
    },
    calls: () => calls,
  };
}
