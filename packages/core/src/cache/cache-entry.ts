import type { ModelCallKey, StoredModelCall } from '../model-call-store/model-call-store';

/** What the first line of every entry names, so a stray file is never taken for one. */
export const CACHE_ENTRY_FORMAT = 'rlm-model-call';

/**
 * Bumped when the layout of an entry changes: an entry of another version is a miss, and is
 * overwritten by the next answer for its key.
 */
export const CACHE_ENTRY_VERSION = 1;

/** A key's hash as `modelCallKey` makes it: hex SHA-256. Anything else never becomes a path. */
const HASH_PATTERN = /^[0-9a-f]{64}$/;

/** The first line of an entry: what it is, for which call, and a checksum of the answer below it. */
interface CacheEntryHeader {
  readonly format: string;
  readonly version: number;
  readonly hash: string;
  readonly provider: string;
  readonly modelId: string;
  /** When the answer was kept (ISO 8601), for people reading the folder. */
  readonly storedAt: string;
  /** Hex SHA-256 of the second line's UTF-8 bytes. */
  readonly bodySha256: string;
}

/** Whether `hash` can name an entry. */
export function isEntryHash(hash: unknown): hash is string {
  return typeof hash === 'string' && HASH_PATTERN.test(hash);
}

/**
 * An entry as bytes: a header line (format, version, key, checksum of the body), then the answer as
 * one JSON line. Only the fields of a {@link StoredModelCall} are kept, whatever else `call` carries.
 */
export function encodeCacheEntry(
  key: ModelCallKey,
  call: StoredModelCall,
  sha256: (bytes: Buffer) => string,
  now: Date = new Date(),
): Buffer {
  const body = Buffer.from(
    JSON.stringify({
      text: call.text,
      usage: call.usage,
      ...(call.costUsd !== undefined ? { costUsd: call.costUsd } : {}),
      ...(call.finishReason !== undefined ? { finishReason: call.finishReason } : {}),
    }),
  );
  const header: CacheEntryHeader = {
    format: CACHE_ENTRY_FORMAT,
    version: CACHE_ENTRY_VERSION,
    hash: key.hash,
    provider: key.provider,
    modelId: key.modelId,
    storedAt: now.toISOString(),
    bodySha256: sha256(body),
  };
  return Buffer.concat([Buffer.from(`${JSON.stringify(header)}\n`), body, Buffer.from('\n')]);
}

/**
 * The answer in an entry's bytes, or `undefined` when the entry cannot be trusted: not two lines,
 * not JSON, another format or version, another key, provider or model, a body whose checksum does
 * not match (a truncated or damaged file), or a body without the shape of an answer.
 */
export function decodeCacheEntry(
  bytes: Buffer,
  key: ModelCallKey,
  sha256: (bytes: Buffer) => string,
): StoredModelCall | undefined {
  const headerEnd = bytes.indexOf(10);
  if (headerEnd === -1 || bytes[bytes.length - 1] !== 10) return undefined;
  const header = parseJson(bytes.subarray(0, headerEnd)) as Partial<CacheEntryHeader> | undefined;
  if (
    !header ||
    header.format !== CACHE_ENTRY_FORMAT ||
    header.version !== CACHE_ENTRY_VERSION ||
    header.hash !== key.hash ||
    header.provider !== key.provider ||
    header.modelId !== key.modelId
  ) {
    return undefined;
  }
  const body = bytes.subarray(headerEnd + 1, bytes.length - 1);
  if (header.bodySha256 !== sha256(body)) return undefined;
  const call = parseJson(body);
  return isStoredModelCall(call) ? call : undefined;
}

/** Whether `value` has the shape of a kept answer: text, token counts, and a finite cost if any. */
export function isStoredModelCall(value: unknown): value is StoredModelCall {
  if (value === null || typeof value !== 'object') return false;
  const { text, usage, costUsd, finishReason } = value as Partial<StoredModelCall>;
  return (
    typeof text === 'string' &&
    typeof usage === 'object' &&
    usage !== null &&
    Number.isFinite(usage.inputTokens) &&
    Number.isFinite(usage.outputTokens) &&
    (costUsd === undefined || Number.isFinite(costUsd)) &&
    (finishReason === undefined || typeof finishReason === 'string')
  );
}

function parseJson(bytes: Buffer): unknown {
  try {
    return JSON.parse(bytes.toString('utf8'));
  } catch {
    return undefined;
  }
}
