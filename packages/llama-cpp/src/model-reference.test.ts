import { join } from 'node:path';
import { InvalidArgumentError } from '@rlm/core';
import { describe, expect, it } from 'vitest';
import { LOCAL_MODELS } from './local-model-catalog';
import { resolveModelReference } from './model-reference';

const cacheDir = '/cache';
const options = { cacheDir, huggingFaceEndpoint: 'https://hf.example' };

describe('resolveModelReference', () => {
  it('maps hf: URIs into the cache folder and onto the resolve URL, nested folders included', () => {
    expect(resolveModelReference('hf:Org/Repo-GGUF/model-q4_k_m.gguf', options)).toEqual({
      kind: 'download',
      name: 'hf:Org/Repo-GGUF/model-q4_k_m.gguf',
      url: 'https://hf.example/Org/Repo-GGUF/resolve/main/model-q4_k_m.gguf',
      path: join(cacheDir, 'hf', 'Org', 'Repo-GGUF', 'model-q4_k_m.gguf'),
    });
    expect(resolveModelReference('hf:Org/Repo/sub dir/m.gguf', options)).toMatchObject({
      url: 'https://hf.example/Org/Repo/resolve/main/sub%20dir/m.gguf',
      path: join(cacheDir, 'hf', 'Org', 'Repo', 'sub dir', 'm.gguf'),
    });
  });

  it('reads a pinned checksum from #sha256=', () => {
    const sha = 'AB'.repeat(32);
    expect(resolveModelReference(`hf:O/R/m.gguf#sha256=${sha}`, options)).toMatchObject({
      sha256: sha.toLowerCase(),
      url: 'https://hf.example/O/R/resolve/main/m.gguf',
    });
    expect(resolveModelReference(`http://127.0.0.1:8080/a/m.gguf#sha256=${sha}`, options)).toMatchObject({
      url: 'http://127.0.0.1:8080/a/m.gguf',
      path: join(cacheDir, 'url', '127.0.0.1_8080', 'a', 'm.gguf'),
      sha256: sha.toLowerCase(),
    });
  });

  it('resolves every alias of the catalog to its URI, with the approximate size', () => {
    for (const model of LOCAL_MODELS) {
      const resolved = resolveModelReference(model.alias, options);
      expect(resolved).toMatchObject({
        kind: 'download',
        name: model.alias,
        approximateBytes: model.approximateBytes,
      });
      expect(resolved.kind === 'download' && resolved.url.endsWith(model.uri.split('/').at(-1)!)).toBe(true);
    }
    expect(resolveModelReference(LOCAL_MODELS[0]!.alias.toUpperCase(), options).name).toBe(
      LOCAL_MODELS[0]!.alias,
    );
  });

  it('keeps an existing file where it is', () => {
    const here = import.meta.filename;
    expect(resolveModelReference(here, options)).toEqual({ kind: 'file', path: here, name: here });
  });

  it('explains each wrong reference', () => {
    const cases: [string, RegExp][] = [
      ['', /No model given/],
      ['hf:Org/Repo', /hf:<owner>\/<repo>\/<file.gguf>/],
      ['hf:Org/Repo/notes.txt', /not a Hugging Face GGUF reference/],
      ['hf:Org/../x.gguf', /not a Hugging Face GGUF reference/],
      ['https://example.com/', /names no file/],
      ['https://example.com/a/..%2F..%2Fm.gguf', /names no file/],
      ['./missing/model.gguf', /does not exist/],
      ['no-such-alias', /Unknown model 'no-such-alias'.*Known aliases: qwen2.5-coder-1.5b/],
    ];
    for (const [reference, message] of cases) {
      let error: unknown;
      try {
        resolveModelReference(reference, options);
      } catch (caught) {
        error = caught;
      }
      expect(InvalidArgumentError.isInstance(error), reference).toBe(true);
      expect((error as Error).message, reference).toMatch(message);
    }
  });
});
