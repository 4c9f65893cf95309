import { readFile } from 'node:fs/promises';

/**
 * The private memory of a process in bytes, as Linux counts it for `RLIMIT_DATA` (`VmData` in
 * `/proc/<pid>/status`: every private writable mapping, touched or not). Unlike the resident size it
 * grows as soon as memory is handed out, so typed arrays V8 keeps outside its heap, which are
 * zero-filled lazily, are counted when they are made. `undefined` on other systems, or once the
 * process is gone.
 */
export async function readPrivateMemoryBytes(pid: number): Promise<number | undefined> {
  if (process.platform !== 'linux') return undefined;
  let status: string;
  try {
    status = await readFile(`/proc/${pid}/status`, 'utf8');
  } catch {
    return undefined;
  }
  const match = /^VmData:\s+(\d+) kB$/m.exec(status);
  return match ? Number(match[1]) * 1024 : undefined;
}
