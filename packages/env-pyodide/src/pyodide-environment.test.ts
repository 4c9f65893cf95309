import { testEnvironment } from '@rlm/core/testing/vitest';
import { createPyodideEnvironment } from './pyodide-environment';

// One launcher (and its snapshot and spare interpreter) serves every test: the factory is called per
// test, but environments created with the same options share it.
testEnvironment(() => createPyodideEnvironment({ memoryLimitMb: 512 }), {
  language: 'python',
  configure: (options) => createPyodideEnvironment({ memoryLimitMb: 512, ...options }),
  // A busy interpreter is stopped by ending its process; the session then takes the spare, which on a
  // loaded 2-core machine may still be booting (~0.7 s on an idle one, 3-4 s at a load of 20).
  busyStopMs: 5_000,
  // A cell that never yields is stopped by ending the process 0.5 s after its deadline, and the next
  // cell waits for a new interpreter: ~1.5 s on an idle machine, 6–7 s at a load of 20 on 2 cores.
  stopGraceMs: 8_000,
});
