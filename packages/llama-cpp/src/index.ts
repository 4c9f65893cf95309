export {
  type DownloadModelOptions,
  downloadModel,
  type ModelDownloadEvent,
} from './download-model';
export { createDownloadProgressReporter, type ProgressOutput } from './download-progress-reporter';
export {
  LLAMA_CPP_DEFAULT_MAX_OUTPUT_TOKENS,
  LLAMA_CPP_PROVIDER,
  LlamaCppLanguageModel,
} from './llama-cpp-language-model';
export type { LlamaCppGpu, LlamaCppModelSettings } from './llama-cpp-model-settings';
export { llamaCpp } from './llama-cpp-provider';
export {
  DEFAULT_LOCAL_MODEL,
  findLocalModel,
  formatBytes,
  LOCAL_MODELS,
  type LocalModelFacts,
} from './local-model-catalog';
export { defaultModelCacheDir, MODELS_DIR_VARIABLE } from './model-cache-dir';
export { ModelDownloadError } from './model-download-error';
export { type ModelReference, resolveModelReference } from './model-reference';
