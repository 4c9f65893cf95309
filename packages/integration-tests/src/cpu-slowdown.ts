/**
 * How many times slower CPU-bound work runs than in a plain test run: 1, or what
 * `RLM_TEST_CPU_SLOWDOWN` says. Mutation testing (`pnpm test:mutation`) sets it, because the code
 * it instruments runs several times slower. Only bounds on CPU-bound work use it; bounds that tell
 * one wait from another (200 ms from a second) stay as they are.
 */
export const CPU_SLOWDOWN = Math.max(1, Number(process.env.RLM_TEST_CPU_SLOWDOWN ?? '1') || 1);
