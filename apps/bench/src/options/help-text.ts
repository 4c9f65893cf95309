import { STRATEGY_DESCRIPTIONS, STRATEGY_NAMES } from '../strategies/strategy';
import { TASK_FAMILIES } from '../tasks/bench-instance';

export const HELP_TEXT = `rlm-bench: does an RLM answer better than the plain model, at what cost, and where does it break?

Usage:
  rlm-bench --model PROVIDER:MODEL [--sub-model PROVIDER:MODEL] [--base-url URL] [options]
  rlm-bench --model openai:gpt-5 --dry-run       instances, tokens and estimated cost per strategy
  rlm-bench --offline                            the whole harness against scripted models (a check, not results)

Models (as the rlm command takes them):
  --model, --sub-model      openai:MODEL or anthropic:MODEL; keys from OPENAI_API_KEY / ANTHROPIC_API_KEY
  --base-url URL            an OpenAI-compatible server (vLLM, Ollama): openai:MODEL --base-url URL (key: RLM_API_KEY)
  --context-window TOKENS   the model's window, for a model the catalog does not know (default: catalog, else 128k)
  --max-retries N           retries of a failed call

What to run:
  --tasks LIST              ${TASK_FAMILIES.join(', ')} (default: all)
  --sizes LIST              context sizes in tokens: 8k,32k,128k,512k (default), or 2^13, 8192, 1m
  --strategies LIST         default: all of
${STRATEGY_NAMES.map((name) => `                              ${name.padEnd(17)} ${STRATEGY_DESCRIPTIONS[name]}`).join('\n')}
  --instances N             instances per task and size (default 5; offline 2)
  --seed N                  the generators' seed (default 1)
  --repo PATH               the code base of the CodeQA questions (default: this repository)

Running:
  --out DIR                 where results go (default .rlm-bench/quality): results.md, results.csv,
                            results.jsonl (one line per instance and strategy), chart.svg, trajectories/
  --concurrency N           instances run at once (default 2)
  --budget USD              refuse to start when the estimate is above it; stop starting work once it is spent
  --dry-run                 print the plan and its estimated cost, run nothing
  --offline                 scripted models on a local test server; results are harness checks

Re-running the same command skips the instances already in results.jsonl (resumable).
Exit codes: 0 done, 1 a failure of the harness, 2 bad usage or over budget, 3 stopped by the budget or Ctrl-C.
`;
