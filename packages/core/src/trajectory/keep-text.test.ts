import { createHash } from 'node:crypto';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_MAX_TRAJECTORY_TEXT_CHARS,
  flatCopy,
  keepText,
  loadSha256,
  nodeSha256,
  webSha256,
} from './keep-text';

const nodeHash = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');

describe('keepText', () => {
  it('keeps a text of at most the limit whole', async () => {
    const sha256 = await loadSha256();
    const text = 'a'.repeat(DEFAULT_MAX_TRAJECTORY_TEXT_CHARS);
    expect(keepText(text, DEFAULT_MAX_TRAJECTORY_TEXT_CHARS, sha256)).toEqual({ text });
  });

  it('keeps head, tail, length and sha256 of a longer one, with a line saying what was cut', async () => {
    const sha256 = await loadSha256();
    const text = `HEAD${'x'.repeat(200_000)}TAIL`;
    const kept = keepText(text, 1_000, sha256);
    expect(kept.cut).toEqual({ length: 200_008, sha256: nodeHash(text), head: 500, tail: 500 });
    expect(kept.text).toBe(
      `HEAD${'x'.repeat(496)}\n… [199,008 of 200,008 characters not kept in the trajectory] …\n${'x'.repeat(496)}TAIL`,
    );
    expect(kept.hashed).toBeUndefined();
  });

  it('fills the hash in when it is computed asynchronously (Web Crypto)', async () => {
    const text = 'é'.repeat(5_000);
    const kept = keepText(text, 100, webSha256);
    await kept.hashed;
    expect(kept.cut?.sha256).toBe(nodeHash(text));
  });

  it('node:crypto in slices and Web Crypto agree with hashing the whole text, surrogates included', async () => {
    const sliced = nodeSha256(createHash);
    const boundary = 1_048_576;
    const texts = [
      '',
      'plain',
      // A surrogate pair across the first slice boundary, and one right after it.
      `${'a'.repeat(boundary - 1)}😀${'b'.repeat(10)}`,
      `${'a'.repeat(boundary)}😀`,
      // Lone surrogates (encoded as U+FFFD), at and around the boundary.
      `${'a'.repeat(boundary - 1)}\ud800${'b'.repeat(3)}`,
      `${'a'.repeat(boundary - 1)}\udc00\ud800`,
      '😀'.repeat(boundary),
    ];
    for (const text of texts) {
      expect(sliced(text)).toBe(nodeHash(text));
      expect(await webSha256(text)).toBe(nodeHash(text));
    }
  });

  it('kept heads and tails are flat copies: the long strings they came from can be collected', () => {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const count = 20;
    const retained = (keep: (text: string) => string): number => {
      gc();
      const before = process.memoryUsage().heapUsed;
      const kept: string[] = [];
      for (let i = 0; i < count; i++) kept.push(keep(`${'a'.repeat(5_000_000)}${i}`));
      gc();
      const after = process.memoryUsage().heapUsed;
      expect(kept).toHaveLength(count);
      return after - before;
    };
    // A plain slice keeps its 5 MB parent alive (V8's sliced strings): the reason for flatCopy.
    expect(retained((text) => text.slice(0, 32_768))).toBeGreaterThan(50_000_000);
    expect(retained((text) => flatCopy(text.slice(0, 32_768)))).toBeLessThan(10_000_000);
    expect(retained((text) => keepText(text, 65_536, () => '').text)).toBeLessThan(10_000_000);
  });
});
