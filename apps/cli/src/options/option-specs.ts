import { ENVIRONMENT_NAMES, type SettingName, TOOL_NAMES } from './cli-settings';

/** How an option's text value is read. */
export type OptionKind =
  | 'string'
  | 'integer'
  | 'cost'
  | 'duration'
  | 'boolean'
  | 'environment'
  | 'tools'
  /** A flag whose value is optional: alone it means on (`true`), with a value a folder; `--no-FLAG` is off. */
  | 'optional-folder';

/** One setting: its flag, environment variable, config-file key and help. The single source for parsing and `--help`. */
export interface OptionSpec {
  /** The setting it fills; also its key in config files. */
  readonly key: SettingName;
  /** The long flag without dashes, e.g. `'sub-model'`. */
  readonly flag: string;
  readonly short?: string;
  readonly kind: OptionKind;
  /** The environment variable, e.g. `'RLM_SUB_MODEL'`; booleans have none. */
  readonly envVar?: string;
  /** What the value looks like in help, e.g. `'PROVIDER:MODEL'`. */
  readonly valueName?: string;
  readonly description: string;
  /** An example value or use. */
  readonly example: string;
}

/** Every setting, in the order `--help` lists them. */
export const OPTION_SPECS: readonly OptionSpec[] = [
  {
    key: 'model',
    flag: 'model',
    short: 'm',
    kind: 'string',
    envVar: 'RLM_MODEL',
    valueName: 'PROVIDER:MODEL',
    description:
      'The root model, which writes the code. Providers: openai (and any OpenAI-compatible server), anthropic, local (a GGUF here).',
    example: '--model openai:gpt-5.5',
  },
  {
    key: 'subModel',
    flag: 'sub-model',
    kind: 'string',
    envVar: 'RLM_SUB_MODEL',
    valueName: 'PROVIDER:MODEL',
    description: 'The model for llm_query sub-calls and child RLMs, usually a cheaper one. Default: --model.',
    example: '--sub-model openai:gpt-5.4-mini',
  },
  {
    key: 'embeddingModel',
    flag: 'embedding-model',
    kind: 'string',
    envVar: 'RLM_EMBEDDING_MODEL',
    valueName: 'PROVIDER:MODEL',
    description:
      'The embedding model of the retrieve tool (semantic search over the context); giving it turns retrieve on, unless --tools lists the tools without it. Only openai has embeddings (also an OpenAI-compatible server with --base-url). The first retrieve embeds the whole context (cached on disk for later runs); its tokens and cost count in the run. Default none.',
    example: '--embedding-model openai:text-embedding-3-small',
  },
  {
    key: 'embeddingDimensions',
    flag: 'embedding-dimensions',
    kind: 'integer',
    envVar: 'RLM_EMBEDDING_DIMENSIONS',
    valueName: 'N',
    description:
      "Length of the embedding vectors to ask for (the text-embedding-3 models and some servers shorten them): 256 or 512 keep most of the quality and take a sixth or a third of the memory and scan time of 1536. Default: the model's own.",
    example: '--embedding-dimensions 256',
  },
  {
    key: 'baseUrl',
    flag: 'base-url',
    kind: 'string',
    envVar: 'RLM_BASE_URL',
    valueName: 'URL',
    description:
      'Send the requests to this server instead of the provider: any OpenAI-compatible server (Ollama, vLLM, LM Studio, llama.cpp) with openai: models. A key is then optional.',
    example: '--base-url http://localhost:11434/v1',
  },
  {
    key: 'env',
    flag: 'env',
    kind: 'environment',
    envVar: 'RLM_ENV',
    valueName: ENVIRONMENT_NAMES.join('|'),
    description:
      "Where the model's code runs: quickjs (WebAssembly, built in), isolated-vm (V8 isolate; add @rlm/env-isolated-vm), deno (a Deno process; add @rlm/env-deno) or pyodide (Python in a Deno process; add @rlm/env-pyodide). Default quickjs.",
    example: '--env isolated-vm',
  },
  {
    key: 'maxDepth',
    flag: 'max-depth',
    kind: 'integer',
    envVar: 'RLM_MAX_DEPTH',
    valueName: 'N',
    description:
      'Recursion depth: 1 makes sub-calls plain model calls, 2 lets rlm_query start child RLMs. Default 1.',
    example: '--max-depth 2',
  },
  {
    key: 'maxTurns',
    flag: 'max-turns',
    kind: 'integer',
    envVar: 'RLM_MAX_TURNS',
    valueName: 'N',
    description: 'Root-model turns; then one last call asks for the best answer. Default 30.',
    example: '--max-turns 10',
  },
  {
    key: 'maxSubCalls',
    flag: 'max-sub-calls',
    kind: 'integer',
    envVar: 'RLM_MAX_SUB_CALLS',
    valueName: 'N',
    description: 'Sub-calls across the whole run. Default unlimited.',
    example: '--max-sub-calls 200',
  },
  {
    key: 'maxTokens',
    flag: 'max-tokens',
    kind: 'integer',
    envVar: 'RLM_MAX_TOKENS',
    valueName: 'N',
    description: 'Input plus output tokens across the whole run. Default unlimited.',
    example: '--max-tokens 2000000',
  },
  {
    key: 'maxCost',
    flag: 'max-cost',
    kind: 'cost',
    envVar: 'RLM_MAX_COST',
    valueName: 'USD',
    description: 'Dollars across the whole run (models with known prices). Default unlimited.',
    example: '--max-cost 0.50',
  },
  {
    key: 'timeout',
    flag: 'timeout',
    kind: 'duration',
    envVar: 'RLM_TIMEOUT',
    valueName: 'DURATION',
    description: 'Wall-clock limit of the whole run: seconds, or with a unit (ms, s, m, h). Default none.',
    example: '--timeout 10m',
  },
  {
    key: 'outputCap',
    flag: 'output-cap',
    kind: 'integer',
    envVar: 'RLM_OUTPUT_CAP',
    valueName: 'CHARS',
    description:
      "Characters of each code cell's output shown to the model (head and tail kept). Default 20000.",
    example: '--output-cap 8000',
  },
  {
    key: 'maxRetries',
    flag: 'max-retries',
    kind: 'integer',
    envVar: 'RLM_MAX_RETRIES',
    valueName: 'N',
    description:
      'Retries of a failed model call (overload, server errors, dropped or garbled responses). Default 4. Rate limits (429) are retried apart, up to 10 times; 0 turns all retrying off.',
    example: '--max-retries 5',
  },
  {
    key: 'cellTimeout',
    flag: 'cell-timeout',
    kind: 'duration',
    envVar: 'RLM_CELL_TIMEOUT',
    valueName: 'DURATION',
    description:
      'Time one code cell may run before it is stopped (the model sees a timeout error and goes on). Default 120s.',
    example: '--cell-timeout 5m',
  },
  {
    key: 'tools',
    flag: 'tools',
    kind: 'tools',
    envVar: 'RLM_TOOLS',
    valueName: `${TOOL_NAMES.join(',')}|none`,
    description:
      'Search tools the model may call, run natively outside the sandbox: grep (a regular expression over every line, much faster than a regex in QuickJS), search (BM25 ranking of chunks for a question) and retrieve (chunks closest in meaning, by embeddings; needs --embedding-model). Comma-separated; none turns them off. Default grep,search, plus retrieve when --embedding-model is given.',
    example: '--tools grep,search,retrieve',
  },
  {
    key: 'memory',
    flag: 'memory',
    kind: 'integer',
    envVar: 'RLM_MEMORY',
    valueName: 'MB',
    description:
      "Memory limit of the sandbox, in megabytes (raise it for contexts of hundreds of MB). Default: the sandbox's own (quickjs 512).",
    example: '--memory 2048',
  },
  {
    key: 'concurrency',
    flag: 'concurrency',
    kind: 'integer',
    envVar: 'RLM_CONCURRENCY',
    valueName: 'N',
    description:
      "Fixes the model calls in flight at once, per model, at N. Default: adaptive, from 16 up to 64 per model: it grows while calls succeed, halves on a rate limit (429) or overload, and waits out the server's Retry-After.",
    example: '--concurrency 4',
  },
  {
    key: 'noConcurrencyMemory',
    flag: 'no-concurrency-memory',
    kind: 'boolean',
    description:
      "Starts each model's window at 16. Default: a run within 10 minutes of one that reached a higher window with the same model and server, without a rate limit, starts there (remembered in the user's cache folder; a run that was rate-limited leaves no memory).",
    example: '--no-concurrency-memory',
  },
  {
    key: 'trajectory',
    flag: 'trajectory',
    kind: 'string',
    envVar: 'RLM_TRAJECTORY',
    valueName: 'FILE.jsonl',
    description:
      'Write the whole run (every turn, code cell, output and sub-call, and every model answer in full) as JSONL, line by line as it goes: a limit, Ctrl-C or a killed process leaves a file that rlm --resume FILE continues. The reference RLM visualizer opens it.',
    example: '--trajectory run.jsonl',
  },
  {
    key: 'cache',
    flag: 'cache',
    kind: 'optional-folder',
    envVar: 'RLM_CACHE',
    valueName: '[DIR]',
    description:
      "Keep every model call's answer on disk and reuse it: a call asked again with the same model, messages and settings is answered from the cache, sends nothing and costs nothing (the summary counts it as cached). DIR defaults to $XDG_CACHE_HOME/rlm/model-calls, else ~/.cache/rlm/model-calls (macOS ~/Library/Caches/rlm/model-calls, Windows %LOCALAPPDATA%\\rlm\\Cache\\model-calls). --no-cache turns it off. See rlm cache stats|clear. Default off.",
    example: '--cache',
  },
  {
    key: 'schema',
    flag: 'schema',
    kind: 'string',
    envVar: 'RLM_SCHEMA',
    valueName: 'FILE.json',
    description:
      'A JSON Schema the answer must match. The model is shown it and must give data of that shape; an answer that does not match is sent back with what is wrong (twice at most), then the run fails. The answer is printed as JSON. Default none (a text answer).',
    example: '--schema answer.schema.json',
  },
  {
    key: 'json',
    flag: 'json',
    kind: 'boolean',
    description:
      'Print the whole result as one JSON object on stdout (answer, partial, usage, cost, turns, error).',
    example: '--json | jq .answer',
  },
  {
    key: 'quiet',
    flag: 'quiet',
    short: 'q',
    kind: 'boolean',
    description: 'No progress and no summary on stderr; warnings and errors still appear.',
    example: '--quiet',
  },
  {
    key: 'verbose',
    flag: 'verbose',
    short: 'v',
    kind: 'boolean',
    description:
      "More on stderr: where each setting came from, every cell's code and output, every sub-call.",
    example: '--verbose',
  },
  {
    key: 'view',
    flag: 'view',
    kind: 'boolean',
    description:
      'Watch the run in the browser as it goes (turns, code, outputs, sub-calls, concurrency); when it ends the page shows its saved trajectory, until Ctrl-C. The page is served on 127.0.0.1 only. See rlm view FILE.',
    example: '--view',
  },
  {
    key: 'viewPort',
    flag: 'port',
    kind: 'integer',
    envVar: 'RLM_VIEW_PORT',
    valueName: 'N',
    description: "The port of --view's page on 127.0.0.1. Default: a free one (printed).",
    example: '--view --port 8080',
  },
  {
    key: 'noOpen',
    flag: 'no-open',
    kind: 'boolean',
    description: "With --view: print the page's address instead of opening the default browser.",
    example: '--view --no-open',
  },
];

/** Looks up a spec by its setting name. */
export function optionSpecOf(key: SettingName): OptionSpec {
  return OPTION_SPECS.find((spec) => spec.key === key)!;
}
