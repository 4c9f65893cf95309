import type { ModelDownloadEvent } from './download-model';

/** Where llama.cpp runs: `'auto'` takes the GPU node-llama-cpp finds (CUDA, Vulkan, Metal), else the CPU. */
export type LlamaCppGpu = 'auto' | false | 'cuda' | 'vulkan' | 'metal';

/** The settings of `llamaCpp(modelRef, settings)`. All optional. */
export interface LlamaCppModelSettings {
  /** The model id reported in usage and trajectories. Default: the alias, or the file name without `.gguf`. */
  readonly modelId?: string;
  /** Where downloaded models are kept. Default `$RLM_MODELS_DIR`, else `~/.cache/rlm/models`. */
  readonly cacheDir?: string;
  /**
   * Whether a model that is not on disk may be downloaded. Default `true`: naming an alias or a URI
   * is asking for that model (and only that one). `false` makes a missing model an error instead.
   */
  readonly download?: boolean;
  /**
   * Receives the download's events (size first, progress, checked result). Default: a progress
   * bar on stderr. `false` shows nothing.
   */
  readonly onDownload?: ((event: ModelDownloadEvent) => void) | false;
  /** Headers for the download (e.g. `{ Authorization: 'Bearer hf_…' }` for a gated repository). */
  readonly downloadHeaders?: Readonly<Record<string, string>>;
  /** The server of `hf:` URIs. Default `$HF_ENDPOINT`, else `https://huggingface.co`. */
  readonly huggingFaceEndpoint?: string;
  /**
   * The largest context window wanted, in tokens per sequence. Default: what the model was trained
   * on. Either way node-llama-cpp lowers it to what fits in memory; `contextWindow` reports the result.
   */
  readonly contextSize?: number;
  /**
   * How many calls run at once on the one loaded model, as sequences of one context (each takes
   * its own share of memory). Calls beyond it wait. Default 4.
   */
  readonly sequences?: number;
  /** Default `'auto'`. */
  readonly gpu?: LlamaCppGpu;
  /** CPU threads. Default node-llama-cpp's (the machine's cores). One is fastest for tiny models on a busy machine. */
  readonly threads?: number;
  /** Sampling temperature. Default 0 (greedy): the loop wants the model's most likely code. */
  readonly temperature?: number;
  /** The random seed for sampling at a temperature above 0. */
  readonly seed?: number;
  /** The output cap when a call gives none. Default 4096 tokens (and never past the context window). */
  readonly maxOutputTokens?: number;
  /**
   * A GBNF grammar every answer must follow (llama.cpp's constrained decoding). A call may give its
   * own as `providerOptions['llama-cpp'].grammar`.
   */
  readonly grammar?: string;
}
