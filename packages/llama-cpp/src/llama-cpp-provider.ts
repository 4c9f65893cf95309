import { LlamaCppLanguageModel } from './llama-cpp-language-model';
import type { LlamaCppModelSettings } from './llama-cpp-model-settings';

/**
 * A local model run by llama.cpp: `llamaCpp('./model.gguf')`, `llamaCpp('qwen2.5-coder-1.5b')` (an
 * alias of `LOCAL_MODELS`) or `llamaCpp('hf:<owner>/<repo>/<file.gguf>')`. A model named by alias
 * or URI is downloaded into the cache folder on first use, with its size shown first.
 */
export function llamaCpp(modelRef: string, settings: LlamaCppModelSettings = {}): LlamaCppLanguageModel {
  return new LlamaCppLanguageModel(modelRef, settings);
}
