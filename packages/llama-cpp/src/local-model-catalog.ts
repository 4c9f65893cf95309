/** One recommended local model: small, instruction-tuned, and able to write the loop's code. */
export interface LocalModelFacts {
  /** The short name for `llamaCpp(alias)` and the CLI's `--model local:<alias>`. */
  readonly alias: string;
  /** Where the GGUF file lives (`hf:<owner>/<repo>/<file>`). */
  readonly uri: string;
  /**
   * The file's size in bytes when the list was written, for messages before the download starts;
   * the server's own size is shown at the start and checked at the end (a re-upload may differ).
   */
  readonly approximateBytes: number;
  /** One line on why it is on the list. */
  readonly note: string;
}

/**
 * Small models that write usable JavaScript for the RLM loop on a laptop CPU, smallest first. They
 * are the Q4_K_M quantizations (the usual size/quality trade-off) published by the model makers
 * themselves (Qwen). No checksum is pinned here: the files live on the repositories' main branch,
 * and Hugging Face announces each file's SHA-256, which the download checks. The list is short on purpose: below ~1.5B
 * parameters models rarely follow the REPL protocol; above ~8B a CPU is too slow for the loop.
 */
export const LOCAL_MODELS: readonly LocalModelFacts[] = [
  {
    alias: 'qwen2.5-coder-1.5b',
    uri: 'hf:Qwen/Qwen2.5-Coder-1.5B-Instruct-GGUF/qwen2.5-coder-1.5b-instruct-q4_k_m.gguf',
    approximateBytes: 1_117_320_768,
    note: 'the smallest that follows the REPL protocol; fast on any CPU',
  },
  {
    alias: 'qwen2.5-coder-3b',
    uri: 'hf:Qwen/Qwen2.5-Coder-3B-Instruct-GGUF/qwen2.5-coder-3b-instruct-q4_k_m.gguf',
    approximateBytes: 2_104_932_800,
    note: 'better code, still quick on a laptop',
  },
  {
    alias: 'qwen2.5-coder-7b',
    uri: 'hf:Qwen/Qwen2.5-Coder-7B-Instruct-GGUF/qwen2.5-coder-7b-instruct-q4_k_m.gguf',
    approximateBytes: 4_683_073_536,
    note: 'the best of the list; wants a GPU or patience',
  },
];

/** The model suggested when none is configured: the first of {@link LOCAL_MODELS}. */
export const DEFAULT_LOCAL_MODEL: LocalModelFacts = LOCAL_MODELS[0]!;

/** The catalog entry for an alias, case-insensitively. */
export function findLocalModel(alias: string): LocalModelFacts | undefined {
  const wanted = alias.trim().toLowerCase();
  return LOCAL_MODELS.find((model) => model.alias === wanted);
}

/** Bytes as people read them: `1.1 GB`, `640 MB`, `12 kB`. */
export function formatBytes(bytes: number): string {
  const units = ['bytes', 'kB', 'MB', 'GB', 'TB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit++;
  }
  if (unit === 0) return `${bytes} bytes`;
  return `${value >= 100 ? value.toFixed(0) : value.toFixed(1)} ${units[unit]}`;
}
