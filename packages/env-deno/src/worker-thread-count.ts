import { readdirSync, readFileSync } from 'node:fs';

/**
 * How many threads of a process are named like Deno's `Worker` threads (`worker-<n>`); 0 on other
 * systems or once it is gone.
 */
export function readWorkerThreadCount(pid: number): number {
  if (process.platform !== 'linux') return 0;
  let count = 0;
  try {
    for (const task of readdirSync(`/proc/${pid}/task`)) {
      try {
        if (/^worker-\d+$/.test(readFileSync(`/proc/${pid}/task/${task}/comm`, 'utf8').trim())) count++;
      } catch {
        // The thread ended while we looked.
      }
    }
  } catch {
    return 0;
  }
  return count;
}
