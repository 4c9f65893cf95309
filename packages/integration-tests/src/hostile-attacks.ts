/**
 * Cells that once crashed, escaped or swamped the host (issue "sandbox holes"), written the way a
 * model would write them, for end-to-end runs through `createRLM` in every environment.
 */
export interface HostileAttack {
  /** What the attack did before it was fixed. */
  readonly description: string;
  /**
   * The replies of the root model before its last one, which calls FINAL("survived"): a string is
   * code (sent as one fenced block), `{ reply }` is sent as it is.
   */
  readonly cells: readonly (string | { readonly reply: string })[];
}

export const HOSTILE_ATTACKS: Readonly<Record<string, HostileAttack>> = {
  waitAsync: {
    description: 'Atomics.waitAsync with a timeout aborted the host under isolated-vm (exit 134).',
    cells: [
      "try { Atomics.waitAsync(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 300); } catch (error) { console.log(error.name); }\nawait llm_query('wait a little');",
      "try { const w = Atomics.waitAsync(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 1); if (w.async) w.value.then(() => console.log('woke')); } catch (error) { console.log(error.name); }",
    ],
  },
  protocolLine: {
    description: 'A 512 MiB host-call argument crashed the host in the Deno line reader.',
    cells: [
      "let s; try { s = 'x'.repeat(536870888 - 4); } catch (error) { console.log(error.name); }\nif (s) { try { await llm_query(s); } catch (error) { console.log(error.message.slice(0, 80)); } }\ns = undefined;",
    ],
  },
  wasmMemory: {
    description: 'WebAssembly.Memory was not counted by memoryLimitMb (isolated-vm: +768 MB host RSS).',
    cells: [
      'globalThis.kept = [];\ntry { for (let i = 0; i < 4; i++) { const m = new WebAssembly.Memory({ initial: 4096 }); new Uint8Array(m.buffer).fill(1); kept.push(m); } } catch (error) { console.log(error.name); }',
    ],
  },
  leftovers: {
    description: 'Finalizers and WebAssembly compilations ran after their cell and spun a core.',
    cells: [
      'try { const r = new FinalizationRegistry(() => { for (;;) {} }); for (let i = 0; i < 5000; i++) r.register({ i }, i); globalThis.r = r; } catch (error) { console.log(error.name); }\ntry { WebAssembly.compile(new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0])).then(() => { for (;;) {} }); } catch (error) { console.log(error.name); }',
      "let garbage = []; for (let i = 0; i < 300000; i++) garbage.push({ i }); garbage = null; await llm_query('x');",
    ],
  },
  argumentsInFlight: {
    description: '12 host calls with 40 MB arguments each peaked the host heap near 1 GB.',
    cells: [
      "const big = 'x'.repeat(40_000_000);\nconst settled = await Promise.allSettled(Array.from({ length: 12 }, () => llm_query(big)));\nconsole.log(settled.filter((s) => s.status === 'rejected').length);",
    ],
  },
  flood: {
    description:
      'A million host calls without await blocked the host event loop for 10 s (isolated-vm); 300,000 here.',
    cells: ["for (let i = 0; i < 300_000; i++) llm_query('x' + i).catch(() => {});\n'flooded'"],
  },
  quadraticReply: {
    description: 'A 100k-character reply of backticks took the loop 21 s to parse.',
    cells: [{ reply: `\`\`\`${'a'.repeat(100_000)}\`` }, { reply: `Plan: ${'FINAL('.repeat(20_000)}` }],
  },
};
