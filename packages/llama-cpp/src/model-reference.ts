import { existsSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { InvalidArgumentError } from '@rlm/core';
import { findLocalModel, LOCAL_MODELS } from './local-model-catalog';

/** A model the user named, resolved to a file on disk or to a download into the cache. */
export type ModelReference =
  | { readonly kind: 'file'; readonly path: string; readonly name: string }
  | {
      readonly kind: 'download';
      /** What the user wrote (an alias or a URI), for messages. */
      readonly name: string;
      readonly url: string;
      /** Where the finished file is kept. */
      readonly path: string;
      /** The SHA-256 the file must have, when the reference carries one (`#sha256=…`). */
      readonly sha256?: string;
      /** The catalog's approximate size, for messages before the server answered. */
      readonly approximateBytes?: number;
    };

/** How to resolve a reference. */
export interface ResolveModelReferenceOptions {
  /** The model cache folder. */
  readonly cacheDir: string;
  /** The Hugging Face server for `hf:` URIs. Default `$HF_ENDPOINT` or `https://huggingface.co`. */
  readonly huggingFaceEndpoint?: string;
}

const SHA256_FRAGMENT = /#sha256=([0-9a-fA-F]{64})$/;

/**
 * Resolves `modelRef`: a path to a GGUF file (kept where it is), a recommended model's alias, an
 * `hf:<owner>/<repo>/<file.gguf>` URI or an `http(s)://` URL (both downloaded into the cache folder
 * on first use). A URI may end in `#sha256=<hex>` to pin the file's checksum.
 */
export function resolveModelReference(
  modelRef: string,
  options: ResolveModelReferenceOptions,
): ModelReference {
  const text = modelRef.trim();
  if (text === '') {
    throw new InvalidArgumentError({
      argument: 'modelRef',
      message: `No model given: pass a GGUF file path, a model URI (hf:<owner>/<repo>/<file.gguf>) or one of ${aliasList()}.`,
    });
  }
  const fragment = SHA256_FRAGMENT.exec(text);
  const sha256 = fragment?.[1]?.toLowerCase();
  const bare = fragment ? text.slice(0, fragment.index) : text;
  const checksum = sha256 === undefined ? {} : { sha256 };

  if (bare.startsWith('hf:')) {
    const parts = bare.slice(3).split('/').filter(Boolean);
    if (parts.length < 3 || !bare.toLowerCase().endsWith('.gguf') || parts.some(isUnsafeSegment)) {
      throw new InvalidArgumentError({
        argument: 'modelRef',
        message: `'${modelRef}' is not a Hugging Face GGUF reference: write hf:<owner>/<repo>/<file.gguf>, e.g. ${LOCAL_MODELS[0]!.uri}.`,
      });
    }
    const [owner, repo, ...file] = parts as [string, string, ...string[]];
    const endpoint = (
      options.huggingFaceEndpoint ??
      process.env.HF_ENDPOINT ??
      'https://huggingface.co'
    ).replace(/\/+$/, '');
    return {
      kind: 'download',
      name: modelRef,
      url: `${endpoint}/${owner}/${repo}/resolve/main/${file.map(encodeURIComponent).join('/')}`,
      path: join(options.cacheDir, 'hf', owner, repo, ...file),
      ...checksum,
    };
  }

  if (/^https?:\/\//i.test(bare)) {
    let url: URL;
    try {
      url = new URL(bare);
    } catch (error) {
      throw new InvalidArgumentError({
        argument: 'modelRef',
        message: `'${modelRef}' is not a valid URL.`,
        cause: error,
      });
    }
    const segments = url.pathname.split('/').filter(Boolean).map(decodeURIComponent);
    if (segments.length === 0 || segments.some(isUnsafeSegment)) {
      throw new InvalidArgumentError({
        argument: 'modelRef',
        message: `'${modelRef}' names no file: give the URL of a .gguf file.`,
      });
    }
    return {
      kind: 'download',
      name: modelRef,
      url: url.href,
      path: join(options.cacheDir, 'url', url.host.replace(/[:]/g, '_'), ...segments),
      ...checksum,
    };
  }

  if (looksLikePath(bare)) {
    const path = isAbsolute(bare) ? bare : resolve(bare);
    if (!existsSync(path)) {
      throw new InvalidArgumentError({
        argument: 'modelRef',
        message: `The model file '${path}' does not exist. Give the path of a .gguf file, or one of ${aliasList()} to download it.`,
      });
    }
    return { kind: 'file', path, name: modelRef };
  }

  const known = findLocalModel(bare);
  if (known) {
    const resolved = resolveModelReference(known.uri, options);
    return {
      ...resolved,
      name: known.alias,
      ...(resolved.kind === 'download' ? { approximateBytes: known.approximateBytes } : {}),
    };
  }
  throw new InvalidArgumentError({
    argument: 'modelRef',
    message: `Unknown model '${modelRef}': not a file, a URI (hf:<owner>/<repo>/<file.gguf>, https://…/model.gguf) or a known alias. Known aliases: ${aliasList()}.`,
  });
}

function looksLikePath(text: string): boolean {
  return (
    text.includes('/') || text.includes('\\') || text.toLowerCase().endsWith('.gguf') || existsSync(text)
  );
}

/** A segment that, joined to the cache folder, would leave it (`..`, or a slash decoded from `%2F`). */
function isUnsafeSegment(segment: string): boolean {
  return (
    segment === '..' ||
    segment === '.' ||
    segment.includes('/') ||
    segment.includes('\\') ||
    segment.includes('\0')
  );
}

function aliasList(): string {
  return LOCAL_MODELS.map((model) => model.alias).join(', ');
}
