import { mkdir, open, readFile, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';

const MAGIC = 'rlm-vectors-v1\n';

/** What a cache file holds besides its vectors, checked when it is read. */
export interface VectorCacheHeader {
  readonly provider: string;
  readonly modelId: string;
  readonly dimensions: number;
  readonly count: number;
}

/**
 * Vectors of an embedded corpus on disk, one file per key (a sha256 of the chunk texts and the
 * model): a magic line, a JSON header line, then the vectors as little-endian float32. A file is
 * written under a temporary name and renamed into place, so a reader never sees half of one and
 * two processes building the same index at once both end with a whole file.
 */
export class VectorCache {
  constructor(readonly directory: string) {}

  pathOf(key: string): string {
    return join(this.directory, `${key}.vectors`);
  }

  /** The cached vectors of `key`, or `undefined` when there are none (or the file does not match `expected`). */
  async read(
    key: string,
    expected: Omit<VectorCacheHeader, 'dimensions'>,
  ): Promise<{ header: VectorCacheHeader; vectors: Float32Array } | undefined> {
    let bytes: Buffer;
    try {
      bytes = await readFile(this.pathOf(key));
    } catch {
      return undefined;
    }
    const headerEnd = bytes.indexOf(10, MAGIC.length);
    if (bytes.toString('latin1', 0, MAGIC.length) !== MAGIC || headerEnd === -1) return undefined;
    let header: VectorCacheHeader;
    try {
      header = JSON.parse(bytes.toString('utf8', MAGIC.length, headerEnd)) as VectorCacheHeader;
    } catch {
      return undefined;
    }
    const dataStart = headerEnd + 1;
    // The vectors start at a multiple of 4 (the header line is padded), so they can be viewed in place
    // when the buffer itself is aligned; otherwise they are copied.
    const byteLength = header.count * header.dimensions * 4;
    if (
      header.provider !== expected.provider ||
      header.modelId !== expected.modelId ||
      header.count !== expected.count ||
      bytes.length - dataStart !== byteLength
    ) {
      return undefined;
    }
    const offset = bytes.byteOffset + dataStart;
    const vectors =
      offset % 4 === 0
        ? new Float32Array(bytes.buffer, offset, byteLength / 4)
        : new Float32Array(bytes.buffer.slice(offset, offset + byteLength));
    return { header, vectors };
  }

  /** Writes the vectors of `key` atomically (temporary file, then rename). */
  async write(key: string, header: VectorCacheHeader, vectors: Float32Array): Promise<void> {
    await mkdir(this.directory, { recursive: true });
    let headerLine = `${MAGIC}${JSON.stringify(header)}`;
    const padding = (4 - ((Buffer.byteLength(headerLine) + 1) % 4)) % 4;
    headerLine = `${headerLine}${' '.repeat(padding)}\n`;
    const temporary = `${this.pathOf(key)}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
    const file = await open(temporary, 'w');
    try {
      await file.write(Buffer.from(headerLine));
      await file.write(Buffer.from(vectors.buffer, vectors.byteOffset, vectors.byteLength));
      await file.sync();
    } finally {
      await file.close();
    }
    try {
      await rename(temporary, this.pathOf(key));
    } catch (error) {
      await rm(temporary, { force: true });
      throw error;
    }
  }
}
