/** The next macrotask: `setImmediate` where there is one (Node, Bun, Deno), else a 0 ms timer. */
export const nextMacrotask: (callback: () => void) => unknown =
  typeof globalThis.setImmediate === 'function'
    ? (callback) => globalThis.setImmediate(callback)
    : (callback) => setTimeout(callback, 0);
