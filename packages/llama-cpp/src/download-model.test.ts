import { createHash } from 'node:crypto';
import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { InvalidArgumentError } from '@rlm/core';
import { describe, expect, it } from 'vitest';
import { downloadModel, type ModelDownloadEvent } from './download-model';
import { createDownloadProgressReporter } from './download-progress-reporter';
import { llamaCpp } from './llama-cpp-provider';
import { ModelDownloadError } from './model-download-error';
import { startModelFileServer } from './model-file-server-fixture';
import { tinyGgufBytes } from './testing/write-tiny-gguf';
import { testFolder } from './tiny-model-fixture';

/*
 * Downloads, against a real HTTP server on 127.0.0.1 that serves the file as Hugging Face does.
 * Nothing here reaches the internet.
 */

const gguf = tinyGgufBytes();
const sha256 = createHash('sha256').update(gguf).digest('hex');

let counter = 0;
async function target(): Promise<string> {
  const dir = join(await testFolder(), `download-${counter++}`);
  await mkdir(dir, { recursive: true });
  return join(dir, 'model.gguf');
}

describe('downloadModel', () => {
  it('announces the size before any byte, reports progress, checks the SHA-256 from the redirect, then moves the file in place', async () => {
    const server = await startModelFileServer({ bytes: gguf });
    const path = await target();
    const events: ModelDownloadEvent[] = [];
    await downloadModel({ name: 'tiny', url: server.url, path, onEvent: (event) => events.push(event) });
    expect((await readFile(path)).equals(gguf)).toBe(true); // (toEqual on 0.5 MB takes seconds)
    expect(events[0]).toMatchObject({ type: 'start', totalBytes: gguf.length, resumedFromBytes: 0, path });
    const progress = events.filter((event) => event.type === 'progress');
    expect(progress.length).toBeGreaterThan(0);
    expect(progress.at(-1)).toMatchObject({ receivedBytes: gguf.length, totalBytes: gguf.length });
    expect(events.at(-1)).toEqual({
      type: 'verified',
      path,
      totalBytes: gguf.length,
      sha256,
      checkedAgainst: 'server',
    });
    await expect(stat(`${path}.part`)).rejects.toThrow();

    // Already there: used as it is, nothing asked of the server.
    const before = server.requests.length;
    await downloadModel({ name: 'tiny', url: server.url, path });
    expect(server.requests.length).toBe(before);
  });

  it('resumes a cut download from where it stopped with a range request', async () => {
    for (const cutAt of [1, 4096, gguf.length - 10]) {
      const server = await startModelFileServer({ bytes: gguf, cutFirstResponseAfter: cutAt });
      const path = await target();
      const first = await downloadModel({ name: 'tiny', url: server.url, path }).catch((e) => e);
      expect(ModelDownloadError.isInstance(first)).toBe(true);
      expect(first.isRetryable).toBe(true);
      expect(first.message).toContain('Run again to resume');
      const kept = (await stat(`${path}.part`)).size;
      expect(kept).toBeGreaterThan(0);
      expect(kept).toBeLessThan(gguf.length);

      const events: ModelDownloadEvent[] = [];
      await downloadModel({ name: 'tiny', url: server.url, path, onEvent: (event) => events.push(event) });
      expect(server.requests.at(-1)?.range).toBe(`bytes=${kept}-`);
      expect(events[0]).toMatchObject({ type: 'start', totalBytes: gguf.length, resumedFromBytes: kept });
      expect((await readFile(path)).equals(gguf)).toBe(true);
    }
  });

  it('starts over when the server ignores the range', async () => {
    const server = await startModelFileServer({ bytes: gguf, ignoreRange: true });
    const path = await target();
    await writeFile(`${path}.part`, gguf.subarray(0, 1000));
    await downloadModel({ name: 'tiny', url: server.url, path });
    expect((await readFile(path)).equals(gguf)).toBe(true);
  });

  it('deletes a file whose checksum is wrong and says to download afresh (announced, or pinned by the caller)', async () => {
    const wrong = 'ab'.repeat(32);
    const cases = [
      { server: { bytes: gguf, linkedSha256: wrong }, pinned: undefined },
      { server: { bytes: gguf, linkedSha256: null }, pinned: wrong },
      // A pinned checksum wins over the server's own.
      { server: { bytes: gguf }, pinned: wrong },
    ];
    for (const { server: serverOptions, pinned } of cases) {
      const server = await startModelFileServer(serverOptions);
      const path = await target();
      const error = await downloadModel({
        name: 'tiny',
        url: server.url,
        path,
        ...(pinned ? { sha256: pinned } : {}),
      }).catch((e) => e);
      expect(ModelDownloadError.isInstance(error)).toBe(true);
      expect(error.message).toContain(`expected ${wrong}`);
      expect(error.message).toContain(sha256);
      expect(error.message).toContain('run again to download it afresh');
      await expect(stat(path)).rejects.toThrow();
      await expect(stat(`${path}.part`)).rejects.toThrow();
    }
  });

  it('refuses a file that is not GGUF even without a checksum', async () => {
    const server = await startModelFileServer({
      bytes: new TextEncoder().encode('<html>login</html>'),
      linkedSha256: null,
    });
    const path = await target();
    const error = await downloadModel({ name: 'tiny', url: server.url, path }).catch((e) => e);
    expect(error.message).toContain('GGUF header');
    await expect(stat(path)).rejects.toThrow();
  });

  it('says what a failed status means', async () => {
    for (const [status, hint, retryable] of [
      [404, 'Check the owner, repository and file name', false],
      [401, 'gated or private', false],
      [503, 'Run again later', true],
    ] as const) {
      const server = await startModelFileServer({ bytes: gguf, status });
      const error = await downloadModel({ name: 'tiny', url: server.url, path: await target() }).catch(
        (e) => e,
      );
      expect(ModelDownloadError.isInstance(error)).toBe(true);
      expect(error.message).toContain(String(status));
      expect(error.message).toContain(hint);
      expect(error.isRetryable).toBe(retryable);
    }
  });

  it('stops at once when aborted, keeping the part for a resume', async () => {
    const server = await startModelFileServer({ bytes: gguf, cutFirstResponseAfter: 2048 });
    const controller = new AbortController();
    const reason = new Error('stop');
    const path = await target();
    const error = await downloadModel({
      name: 'tiny',
      url: server.url,
      path,
      signal: controller.signal,
      onEvent: (event) => {
        if (event.type === 'progress') controller.abort(reason);
      },
    }).catch((e) => e);
    expect(error).toBe(reason);
    await expect(stat(path)).rejects.toThrow();
  });
});

describe('the progress display', () => {
  it('shows the size first, a bar per 10 % in a log, and the checked result', () => {
    const lines: string[] = [];
    let time = 0;
    const report = createDownloadProgressReporter({ write: (text: string) => lines.push(text) }, () => {
      time += 100;
      return time;
    });
    const total = 1_120_000_000;
    report({
      type: 'start',
      name: 'qwen',
      url: 'https://x/y.gguf',
      path: '/c/y.gguf',
      totalBytes: total,
      resumedFromBytes: 0,
    });
    for (let received = 0; received <= total; received += total / 40) {
      report({ type: 'progress', receivedBytes: received, totalBytes: total });
    }
    report({ type: 'verified', path: '/c/y.gguf', totalBytes: total, sha256, checkedAgainst: 'server' });
    expect(lines[0]).toContain('Downloading qwen (1.1 GB)');
    const bars = lines.filter((line) => line.startsWith('['));
    expect(bars.length).toBe(11);
    expect(bars.at(-1)).toContain('100% 1.1 GB / 1.1 GB');
    expect(lines.at(-1)).toContain(
      `Checked 1.1 GB (SHA-256 ${sha256.slice(0, 12)}…, matches the server's checksum)`,
    );
  });
});

describe('llamaCpp with a model URI', () => {
  it('downloads the model it was asked for into the cache folder on first use, then runs it', async () => {
    const server = await startModelFileServer({ bytes: gguf, path: '/Owner/Repo/resolve/main/tiny.gguf' });
    const cacheDir = join(await testFolder(), 'cache-a');
    const events: ModelDownloadEvent[] = [];
    const model = llamaCpp('hf:Owner/Repo/tiny.gguf', {
      cacheDir,
      huggingFaceEndpoint: server.origin,
      threads: 1,
      gpu: false,
      contextSize: 512,
      onDownload: (event) => events.push(event),
    });
    expect(server.requests).toEqual([]); // nothing before the first use
    const result = await model.doGenerate({
      messages: [{ role: 'user', content: 'hi' }],
      maxOutputTokens: 3,
    });
    expect(result.usage.outputTokens).toBeGreaterThan(0);
    expect(events[0]).toMatchObject({ type: 'start', totalBytes: gguf.length });
    expect((await readFile(join(cacheDir, 'hf', 'Owner', 'Repo', 'tiny.gguf'))).equals(gguf)).toBe(true);
    await model.dispose();

    // A second model object for the same URI finds it in the cache.
    const again = llamaCpp('hf:Owner/Repo/tiny.gguf', {
      cacheDir,
      huggingFaceEndpoint: server.origin,
      threads: 1,
      gpu: false,
      contextSize: 512,
    });
    const requests = server.requests.length;
    await again.load();
    expect(server.requests.length).toBe(requests);
    await again.dispose();
  });

  it("a caller's abort during the download stops only its own wait: the next call gets the model", async () => {
    const server = await startModelFileServer({
      bytes: gguf,
      path: '/Owner/Repo/resolve/main/slow.gguf',
      delayMs: 300,
    });
    const model = llamaCpp('hf:Owner/Repo/slow.gguf', {
      cacheDir: join(await testFolder(), 'cache-c'),
      huggingFaceEndpoint: server.origin,
      threads: 1,
      gpu: false,
      contextSize: 512,
      onDownload: false,
    });
    const controller = new AbortController();
    const reason = new Error('not waiting');
    const messages = [{ role: 'user' as const, content: 'hi' }];
    const first = model.doGenerate({ messages, maxOutputTokens: 2, abortSignal: controller.signal });
    const second = model.doGenerate({ messages, maxOutputTokens: 2 });
    const settled = Promise.allSettled([first, second]);
    setTimeout(() => controller.abort(reason), 20);
    const [aborted, served] = await settled;
    expect(aborted).toEqual({ status: 'rejected', reason });
    expect(served.status).toBe('fulfilled');
    expect(server.requests.filter((request) => request.path === '/cdn/blob')).toHaveLength(1);
    await model.dispose();
  });

  it('with download: false, a missing model is an error naming the cache path, and nothing is fetched', async () => {
    const server = await startModelFileServer({ bytes: gguf });
    const model = llamaCpp(`${server.url}#sha256=${sha256}`, {
      cacheDir: join(await testFolder(), 'cache-b'),
      download: false,
    });
    const error = await model.load().catch((e) => e);
    expect(InvalidArgumentError.isInstance(error)).toBe(true);
    expect(error.message).toContain('downloads are off');
    expect(server.requests).toEqual([]);
  });
});
