import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, open, rename, rm, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { formatBytes } from './local-model-catalog';
import { ModelDownloadError } from './model-download-error';

/** What a download reports, in order: `start` (the size, before any byte), `progress`…, `verified`. */
export type ModelDownloadEvent =
  | {
      readonly type: 'start';
      readonly name: string;
      readonly url: string;
      readonly path: string;
      /** The file's full size, when the server said. */
      readonly totalBytes: number | undefined;
      /** Bytes already on disk from an earlier, cut download (0 for a fresh one). */
      readonly resumedFromBytes: number;
    }
  | { readonly type: 'progress'; readonly receivedBytes: number; readonly totalBytes: number | undefined }
  | {
      readonly type: 'verified';
      readonly path: string;
      readonly totalBytes: number;
      readonly sha256: string;
      /** Whose checksum the file matched: the caller's (`#sha256=`), the server's, or none (size and GGUF header only). */
      readonly checkedAgainst: 'pinned' | 'server' | 'none';
    };

/** What to download and how. */
export interface DownloadModelOptions {
  readonly name: string;
  readonly url: string;
  /** Where the finished file goes; the partial download is kept beside it as `<path>.part`. */
  readonly path: string;
  /** The SHA-256 the file must have; else the server's (Hugging Face's `X-Linked-Etag`) when it gives one. */
  readonly sha256?: string;
  readonly onEvent?: (event: ModelDownloadEvent) => void;
  readonly signal?: AbortSignal;
  /** Headers for the server (e.g. `Authorization` for a gated repository). */
  readonly headers?: Readonly<Record<string, string>>;
}

const SHA256_HEX = /^[0-9a-f]{64}$/;
const GGUF_MAGIC = 'GGUF';

/**
 * Downloads a model file into the cache. A cut download resumes from its `.part` file with an HTTP
 * range request; the finished file is checked (size, SHA-256 when one is known, the GGUF magic)
 * before it is moved into place, so a file at `path` is always whole. A file already at `path` is
 * used as it is.
 */
export async function downloadModel(options: DownloadModelOptions): Promise<string> {
  if (await fileSize(options.path)) return options.path;
  await mkdir(dirname(options.path), { recursive: true });
  const partPath = `${options.path}.part`;
  let resumeFrom = (await fileSize(partPath)) ?? 0;

  const response = await request(options, resumeFrom);
  if (resumeFrom > 0 && response.status === 200) resumeFrom = 0; // the server ignored the range: start over
  if (response.status === 416) {
    // The part file is at least as long as the file: it is whole (checked below) or wrong (deleted below).
    await response.body?.cancel();
  }
  const total = totalSize(response, resumeFrom);
  options.onEvent?.({
    type: 'start',
    name: options.name,
    url: options.url,
    path: options.path,
    totalBytes: total,
    resumedFromBytes: resumeFrom,
  });

  if (response.status !== 416) {
    let received = resumeFrom;
    const counter = countingStream((bytes) => {
      received += bytes;
      options.onEvent?.({ type: 'progress', receivedBytes: received, totalBytes: total });
    });
    const body = response.body;
    if (!body)
      throw new ModelDownloadError({
        url: options.url,
        message: `${options.url} answered with no body.`,
        isRetryable: true,
      });
    const file = createWriteStream(partPath, { flags: resumeFrom > 0 ? 'a' : 'w' });
    try {
      await pipeline(
        Readable.fromWeb(body as import('node:stream/web').ReadableStream<Uint8Array>),
        counter,
        file,
        ...(options.signal ? [{ signal: options.signal }] : []),
      );
    } catch (error) {
      // The file stream may still be writing what it buffered: a resume must start after the last byte.
      if (!file.closed) await new Promise<void>((resolve) => file.once('close', () => resolve()));
      if (options.signal?.aborted) throw options.signal.reason;
      throw new ModelDownloadError({
        url: options.url,
        message:
          `The download of ${options.name} was cut after ${formatBytes(received)}${total === undefined ? '' : ` of ${formatBytes(total)}`}: ${errorText(error)}. ` +
          `Run again to resume from ${partPath}.`,
        isRetryable: true,
        cause: error,
      });
    }
  }
  const sha256 = await verify(options, partPath, total, response);
  await rename(partPath, options.path);
  options.onEvent?.({
    type: 'verified',
    path: options.path,
    totalBytes: (await fileSize(options.path)) ?? 0,
    sha256,
    checkedAgainst: options.sha256 ? 'pinned' : response.linkedSha256 ? 'server' : 'none',
  });
  return options.path;
}

/** GET with a range from `resumeFrom`, following redirects by hand to see each hop's headers (Hugging Face puts the checksum on the first). */
async function request(
  options: DownloadModelOptions,
  resumeFrom: number,
): Promise<Response & { linkedSha256?: string }> {
  let url = options.url;
  let linkedSha256: string | undefined;
  for (let hop = 0; hop < 10; hop++) {
    let response: Response;
    try {
      response = await fetch(url, {
        redirect: 'manual',
        headers: { ...options.headers, ...(resumeFrom > 0 ? { Range: `bytes=${resumeFrom}-` } : {}) },
        ...(options.signal ? { signal: options.signal } : {}),
      });
    } catch (error) {
      if (options.signal?.aborted) throw options.signal.reason;
      throw new ModelDownloadError({
        url: options.url,
        message: `Could not reach ${url} to download ${options.name}: ${errorText(error)}. Check the network and run again.`,
        isRetryable: true,
        cause: error,
      });
    }
    linkedSha256 ??= checksumHeader(response.headers);
    const location = response.headers.get('location');
    if (response.status >= 300 && response.status < 400 && location) {
      await response.body?.cancel();
      url = new URL(location, url).href;
      continue;
    }
    if (response.ok || response.status === 416)
      return Object.assign(response, linkedSha256 ? { linkedSha256 } : {});
    await response.body?.cancel();
    const hint =
      response.status === 401 || response.status === 403
        ? ' The repository may be gated or private: accept its terms on the website and pass an access token (headers: { Authorization: "Bearer …" }).'
        : response.status === 404
          ? ' Check the owner, repository and file name.'
          : ' Run again later.';
    throw new ModelDownloadError({
      url: options.url,
      message: `Downloading ${options.name} failed: ${url} answered ${response.status} ${response.statusText}.${hint}`,
      isRetryable: response.status === 408 || response.status === 429 || response.status >= 500,
    });
  }
  throw new ModelDownloadError({
    url: options.url,
    message: `Too many redirects downloading ${options.name} from ${options.url}.`,
  });
}

/** Hugging Face names an LFS file's SHA-256 in `X-Linked-Etag`; some servers use it as the plain `ETag`. */
function checksumHeader(headers: Headers): string | undefined {
  for (const name of ['x-linked-etag', 'etag']) {
    const value = headers.get(name)?.replace(/^W\//, '').replaceAll('"', '').toLowerCase();
    if (value && SHA256_HEX.test(value)) return value;
  }
  return undefined;
}

function totalSize(response: Response, resumeFrom: number): number | undefined {
  const range = response.headers.get('content-range');
  const fromRange = range ? /\/(\d+)\s*$/.exec(range)?.[1] : undefined;
  if (fromRange !== undefined) return Number(fromRange);
  const length = response.headers.get('content-length');
  if (response.status === 416 || length === null) return undefined;
  return Number(length) + (response.status === 206 ? resumeFrom : 0);
}

async function verify(
  options: DownloadModelOptions,
  partPath: string,
  total: number | undefined,
  response: { linkedSha256?: string },
): Promise<string> {
  const size = (await fileSize(partPath)) ?? 0;
  const discard = async (problem: string): Promise<never> => {
    await rm(partPath, { force: true });
    throw new ModelDownloadError({
      url: options.url,
      message: `The download of ${options.name} is not the expected file: ${problem}. The partial file was deleted; run again to download it afresh.`,
      isRetryable: true,
    });
  };
  if (total !== undefined && size !== total) {
    await discard(`it has ${size} bytes, the server announced ${total}`);
  }
  const handle = await open(partPath, 'r');
  const magic = Buffer.alloc(4);
  try {
    await handle.read(magic, 0, 4, 0);
  } finally {
    await handle.close();
  }
  const actual = await sha256Of(partPath);
  const expected = options.sha256?.toLowerCase() ?? response.linkedSha256;
  if (expected !== undefined && actual !== expected)
    await discard(`its SHA-256 is ${actual}, expected ${expected}`);
  if (magic.toString('latin1') !== GGUF_MAGIC) await discard('it does not start with the GGUF header');
  return actual;
}

async function sha256Of(path: string): Promise<string> {
  const hash = createHash('sha256');
  await pipeline(createReadStream(path), hash);
  return hash.digest('hex');
}

async function fileSize(path: string): Promise<number | undefined> {
  try {
    const info = await stat(path);
    return info.isFile() ? info.size : undefined;
  } catch {
    return undefined;
  }
}

function errorText(error: unknown): string {
  if (error instanceof Error) {
    const cause = error.cause instanceof Error ? ` (${error.cause.message})` : '';
    return `${error.message}${cause}`;
  }
  return String(error);
}

/** Counts bytes as they pass, for the progress events. */
function countingStream(onChunk: (bytes: number) => void): Transform {
  return new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      onChunk(chunk.length);
      callback(null, chunk);
    },
  });
}
