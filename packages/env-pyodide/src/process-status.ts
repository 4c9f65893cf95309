import { readFileSync } from 'node:fs';

/** Linux counts CPU time in clock ticks of 10 ms (`USER_HZ` is 100 on every architecture it runs on). */
const TICK_MS = 10;

/**
 * The CPU time a process has used so far, all its threads together, in milliseconds
 * (`/proc/<pid>/stat`: user plus system time). `undefined` on other systems, or once it is gone.
 */
export function readCpuTimeMs(pid: number): number | undefined {
  if (process.platform !== 'linux') return undefined;
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // The command name (field 2) may hold spaces and parentheses: fields are counted after its last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const user = Number(fields[11]);
  const system = Number(fields[12]);
  return Number.isFinite(user) && Number.isFinite(system) ? (user + system) * TICK_MS : undefined;
}

/**
 * A process's private memory in bytes, as Linux counts it for `RLIMIT_DATA` (`VmData`: every private
 * writable mapping, touched or not), so that buffers V8 keeps outside its heap (`ArrayBuffer`s made
 * through the realm behind the interpreter) count as soon as they are made. `undefined` on other
 * systems, or once the process is gone.
 */
export function readPrivateMemoryBytes(pid: number): number | undefined {
  if (process.platform !== 'linux') return undefined;
  let status: string;
  try {
    status = readFileSync(`/proc/${pid}/status`, 'utf8');
  } catch {
    return undefined;
  }
  const memory = /^VmData:\s+(\d+) kB$/m.exec(status);
  return memory ? Number(memory[1]) * 1024 : undefined;
}
