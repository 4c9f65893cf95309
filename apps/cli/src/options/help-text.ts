import { ENVIRONMENT_PACKAGE_VARIABLE } from '../environments/load-environment';
import { EXIT_CODES } from '../exit-codes';
import { BASE_URL_KEY_VARIABLE, KNOWN_PROVIDERS } from '../models/known-providers';
import { homeConfigPath, PROJECT_CONFIG_NAMES } from './config-files';
import { OPTION_SPECS, type OptionSpec } from './option-specs';

function flagLabel(spec: OptionSpec): string {
  const short = spec.short ? `-${spec.short}, ` : '    ';
  return `${short}--${spec.flag}${spec.valueName ? ` ${spec.valueName}` : ''}`;
}

/** `rlm --help`: usage, examples, every option with its variable and an example, config files, exit codes. */
export function helpText(): string {
  const optionLines = OPTION_SPECS.flatMap((spec) => [
    `  ${flagLabel(spec)}`,
    `        ${spec.description}`,
    `        e.g. ${spec.example}${spec.envVar ? `   (env ${spec.envVar})` : ''}`,
  ]);
  return `rlm — ask a question of any amount of text with a Recursive Language Model

The text never enters a prompt: it is loaded into a sandboxed JavaScript REPL as \`context\`, and the
model answers by writing code that searches it and hands chosen pieces to a sub-model. The answer
goes to stdout; progress, warnings and the summary go to stderr.

Usage:
  rlm "QUESTION" --context PATH... --model PROVIDER:MODEL [options]
  cat FILE | rlm "QUESTION" --model PROVIDER:MODEL
  rlm chat [--context PATH...] --model PROVIDER:MODEL [options]   several questions in one REPL
  rlm cache stats|clear [--cache DIR]   entries and size of the sub-call cache, or remove them
  rlm mcp [--root DIR...] [--http] --model PROVIDER:MODEL   an MCP server (rlm mcp --help)
  rlm view FILE.jsonl [--port N] [--no-open]   a run's trajectory in the browser (rlm view --help)

Examples:
  export OPENAI_API_KEY=...
  rlm "Which modules call the payment API without retrying?" --context ./src --model openai:gpt-5.5 --sub-model openai:gpt-5.4-mini
  cat server.log | rlm "Summarise the errors per hour" --model anthropic:claude-sonnet-4-6
  rlm "What changed in 2024?" --context 'docs/**/*.md' --context CHANGELOG.md --model openai:gpt-5.4-mini --max-cost 0.50
  rlm "..." --context corpus/ --base-url http://localhost:11434/v1 --model openai:qwen3-coder   # any OpenAI-compatible server
  rlm "..." --context notes/ --model local:qwen2.5-coder-1.5b   # run here: no key, no server (1.1 GB download once)
  rlm "..." --context corpus/ --model ai-sdk:@ai-sdk/google:gemini-2.5-pro   # any AI SDK provider package installed here
  rlm "..." --context notes/ --model openai:gpt-5.4-mini --json --trajectory run.jsonl | jq -r .answer
  rlm "..." --context notes/ --model openai:gpt-5.4-mini --cache   # asked again: answered from the cache, $0

Context (-c, --context PATH, repeatable; paths after the question count too):
  a file         read as one text
  a folder       every text file below it, recursively, skipping .git, node_modules, what .gitignore
                 files exclude, binary files (a NUL byte in the first 8 KB) and files that are not
                 UTF-8 (named in one warning)
  a glob         quoted, e.g. 'src/**/*.ts', with the same exclusions
  -              stdin (without --context, text piped in is read too)
  --exclude GLOB leave paths out of folders and globs (.gitignore syntax, repeatable), e.g. --exclude 'dist/' --exclude '*.min.js'
  Several files become a list of documents, each starting with a line "=== path ===". Text must be UTF-8.

Resume (--resume FILE):
  rlm --resume run.jsonl --context PATH... --model PROVIDER:MODEL [--max-cost USD ...]
  Continues a run stopped by a limit, Ctrl-C or a killed process from the trajectory it wrote with
  --trajectory: the recorded cells re-run in a fresh sandbox with the recorded model answers (no
  request is sent for them), then the run goes on with real calls and what is left of the budget
  (replayed calls count against --max-cost, --max-tokens, --max-sub-calls and --max-turns: raise
  the one that stopped it; --timeout counts from the resume). Give the same context again (checked
  by its SHA-256) and the same models; the question may be left out. The trajectory is rewritten in
  place (or to --trajectory FILE). Refused for another context, question or sandbox language (exit ${EXIT_CODES.usageError}).

Chat (rlm chat; rlm chat --help for all of it):
  Questions share one REPL: a later one can use the variables earlier ones computed; \`history\` holds
  the earlier questions and answers. In a terminal: a prompt with history, live progress, Ctrl-C stops
  the running question. Piped: one question per line, each answer on stdout (--json: one object per
  question). Commands: /context add PATH (the next question gets it as context_1, context_2, …),
  /cost, /save FILE (every question's trajectory as JSONL), /help, /exit. --max-cost, --max-tokens
  and --max-sub-calls cap the whole session. Exit 0 when every question answered, else the first
  failure's code.

Options:
${optionLines.join('\n')}
  -h, --help
        This help.
      --version
        The version of rlm.

Keys and other environment variables:
  ${KNOWN_PROVIDERS.map((provider) => `${provider.keyVariable} (${provider.name}:…)`).join(', ')}: sent only to the provider's own API.
  ${BASE_URL_KEY_VARIABLE}: the key for the server given by --base-url, if it needs one (default none).
  ${ENVIRONMENT_PACKAGE_VARIABLE}: load --env isolated-vm/deno from this package instead (custom builds).
  Every option above has its RLM_* variable; a flag beats its variable.

Config files (JSON objects whose keys are the options in camelCase, e.g. {"model": "openai:gpt-5.5", "subModel": "openai:gpt-5.4-mini", "maxCost": 2}):
  ${PROJECT_CONFIG_NAMES.join(' or ')} in the working folder or the nearest folder above it
  ${homeConfigPath({ HOME: '~', XDG_CONFIG_HOME: undefined })} (or $XDG_CONFIG_HOME/rlm/config.json)
  Precedence: flags, then environment variables, then the project's file, then the home file.
  A project's file may not set baseUrl (a cloned repository must not choose where your files go).

Sub-call cache (--cache [DIR], off by default):
  Every model call (root turns and sub-calls) is looked up by a SHA-256 of its provider, model,
  messages, output cap and provider options; a hit sends nothing and costs nothing, and the summary
  says "N model calls (M cached, $X saved)". One file per call, written whole or not at all; an
  entry that is damaged, cut short or from another version is ignored (the call is sent again).
  The cache never expires: rlm cache clear empties it. Models that sample (temperature > 0) answer
  differently each time; the cache keeps the first answer.

Exit codes:
  ${EXIT_CODES.answered}    answered
  ${EXIT_CODES.runtimeError}    runtime error (provider, network, sandbox)
  ${EXIT_CODES.usageError}    usage error (options, context, model, key, missing package); nothing was sent
  ${EXIT_CODES.limitReached}    a limit stopped the run (also --max-turns running out before FINAL); the partial answer, if any, is on stdout, marked partial on stderr
  ${EXIT_CODES.answeredWithFailedSubCalls}    answered, but some sub-calls failed ("answered, N of M sub-calls failed" on stderr); check the answer
  ${EXIT_CODES.interrupted}  interrupted with Ctrl-C (also when a partial answer was printed)
`;
}
