import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, onTestFinished } from 'vitest';
import { LlamaCppLanguageModel } from './llama-cpp-language-model';
import type { LlamaCppModelSettings } from './llama-cpp-model-settings';
import { type TinyGgufOptions, writeTinyGguf } from './testing/write-tiny-gguf';

// Test-only helpers; not exported by the package. The tiny model has random weights: these tests
// check the plumbing (loading, template, sequences, abort, usage), never the quality of answers.

let folder: Promise<string> | undefined;
const written = new Map<string, Promise<string>>();

/** A temporary folder for this test file, removed after it. */
export function testFolder(): Promise<string> {
  if (!folder) {
    folder = mkdtemp(join(tmpdir(), 'rlm-llama-cpp-'));
    afterAll(async () => {
      if (folder) await rm(await folder, { recursive: true, force: true });
    });
  }
  return folder;
}

/** The path of a tiny GGUF written with these options (once per test file). */
export function tinyModelPath(options: TinyGgufOptions = {}): Promise<string> {
  const key = JSON.stringify(options);
  let path = written.get(key);
  if (!path) {
    path = testFolder().then((dir) => writeTinyGguf(join(dir, `tiny-${written.size}.gguf`), options));
    written.set(key, path);
  }
  return path;
}

/**
 * The tiny model behind `llamaCpp`, disposed when the test ends. On the CPU (looking for a GPU
 * tests each GPU build in a child process first), with one thread: the model is so small that more
 * threads only wait for each other, and on a shared machine much longer.
 */
export async function tinyModel(
  settings: LlamaCppModelSettings = {},
  gguf: TinyGgufOptions = {},
): Promise<LlamaCppLanguageModel> {
  const model = new LlamaCppLanguageModel(await tinyModelPath(gguf), {
    gpu: false,
    threads: 1,
    contextSize: 2048,
    onDownload: false,
    ...settings,
  });
  onTestFinished(() => model.dispose());
  return model;
}
