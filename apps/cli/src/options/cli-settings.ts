/** The REPL environments the CLI can run the model's code in. */
export const ENVIRONMENT_NAMES = ['quickjs', 'isolated-vm', 'deno', 'pyodide'] as const;

/** One of {@link ENVIRONMENT_NAMES}. */
export type EnvironmentName = (typeof ENVIRONMENT_NAMES)[number];

/**
 * The host-side tools the CLI can give the model: `grep` and `search` from `@rlm/tool-search`,
 * `retrieve` from `@rlm/tool-retrieval` (it needs an embedding model).
 */
export const TOOL_NAMES = ['grep', 'search', 'retrieve'] as const;

/** One of {@link TOOL_NAMES}. */
export type ToolName = (typeof TOOL_NAMES)[number];

/** Every setting of a run that can come from a flag, an environment variable or a config file. */
export interface CliSettings {
  /** The root model as `provider:model`. */
  model?: string;
  /** The model for sub-calls as `provider:model`. Default: the root model. */
  subModel?: string;
  /** The embedding model of the `retrieve` tool as `provider:model`; setting it turns `retrieve` on unless `tools` is set without it. */
  embeddingModel?: string;
  /** Length of the embedding vectors to ask for (`dimensions`); default the model's own. */
  embeddingDimensions?: number;
  /** Base URL of an OpenAI-compatible (or Anthropic-compatible) server. */
  baseUrl?: string;
  /** Where the model's code runs. Default `quickjs`. */
  env?: EnvironmentName;
  maxDepth?: number;
  maxTurns?: number;
  maxSubCalls?: number;
  maxTokens?: number;
  /** US dollars across the whole run. */
  maxCost?: number;
  /** Wall-clock limit of the whole run, in milliseconds. */
  timeout?: number;
  /** Characters of each cell's output the model sees. */
  outputCap?: number;
  /** Retries of a failed model call (rate limits, server errors, dropped connections). */
  maxRetries?: number;
  /** Time one code cell may run, in milliseconds. */
  cellTimeout?: number;
  /** The tools the model may call; empty for none. Default: `grep` and `search`, and `retrieve` too when `embeddingModel` is set. */
  tools?: readonly ToolName[];
  /** Memory limit of the sandbox, in megabytes. */
  memory?: number;
  /** Model calls in flight at once, per model, fixed (no adaptation). Default: adaptive. */
  concurrency?: number;
  /** Where to write the trajectory as JSONL. */
  trajectory?: string;
  /**
   * The sub-call cache: `true` for the default folder (see `defaultCacheDirectory`), a folder, or
   * `false` (off, the default).
   */
  cache?: string | boolean;
  /** A JSON Schema file the answer must match; the answer is then data, printed as JSON. */
  schema?: string;
  /** Print the whole result as JSON on stdout. */
  json?: boolean;
  /** No progress, no summary: only the answer, warnings and errors. */
  quiet?: boolean;
  /** More detail: where each setting came from, each cell's code and output, each sub-call. */
  verbose?: boolean;
  /** Show the run in the browser as it goes (`rlm view`'s page, live). */
  view?: boolean;
  /** The viewer's port on 127.0.0.1 (`--port`); default a free one. */
  viewPort?: number;
  /** Do not open a browser for the viewer: only print its address. */
  noOpen?: boolean;
  /** Start at 16 even when a recent run remembered a higher window (see ConcurrencyMemory). */
  noConcurrencyMemory?: boolean;
}

/** The name of a setting, e.g. `'subModel'`. */
export type SettingName = keyof CliSettings;
