/**
 * How the reference library's visualizer reads a JSONL log, written down as rules, so a test can
 * hold every line we write to them. Read from alexzhang13/rlm at commit
 * 72d6940142ddfb84ee6be573dc999a37e633e671 (not copied: these are the rules, checked our own way):
 *
 * - visualizer/src/lib/parse-logs.ts `parseJSONL` (lines 37-67): the text is trimmed and split on
 *   '\n', blank lines dropped; a line that is not JSON is skipped with a console error; a line whose
 *   `type` is `"metadata"` sets the run's configuration from its `root_model`, `max_depth`,
 *   `max_iterations`, `backend`, `backend_kwargs`, `environment_type`, `environment_kwargs`,
 *   `other_backends` (each `?? null`; the LAST metadata line wins); EVERY other line, whatever its
 *   `type`, is pushed as an iteration. There is no line type it skips.
 * - `computeMetadata` (line 121 on) reads `iter.code_blocks.length` of every iteration (a line
 *   without `code_blocks` throws, and the upload fails with "Failed to read file"), each block's
 *   `result.stderr` and `result.rlm_calls.length`, `iteration_time` (else the blocks'
 *   `execution_time`), and the final answer from the last iteration with a truthy `final_answer`
 *   (a string, or `[_, answer]`).
 * - `extractContextQuestion` (line 70 on) iterates the first iteration's `prompt` (so it must be a
 *   list) and takes the question from a user message matching `original query: "…"`.
 * - visualizer/src/lib/types.ts (`RLMIteration`, `REPLResult`, `RLMChatCompletion`) and the
 *   components that dereference them: components/IterationTimeline.tsx (`prompt.map(m => m.content)`,
 *   `response.length`), components/ExecutionPanel.tsx (`code_blocks`, `timestamp` as a date, each
 *   call's `prompt_tokens`, `completion_tokens`, `execution_time.toFixed`), components/CodeBlock.tsx
 *   (`code`, `stdout`, `stderr`, `locals` entries, `execution_time.toFixed`, each call's `prompt`
 *   and `response.slice`).
 */

/** A parsed log line: the visualizer (like these rules) reads any field of it, of any shape. */
// biome-ignore lint/suspicious/noExplicitAny: a log line is whatever was written; the rules check its fields
export type LogLine = Record<string, any>;

/** The run's configuration as the visualizer shows it. */
export interface ReferenceConfig {
  readonly root_model: unknown;
  readonly max_depth: unknown;
  readonly max_iterations: unknown;
  readonly backend: unknown;
  readonly backend_kwargs: unknown;
  readonly environment_type: unknown;
  readonly environment_kwargs: unknown;
  readonly other_backends: unknown;
}

/** What the visualizer would show of a log, and every way a line breaks or skews it. */
export interface ReferenceReading {
  readonly config: ReferenceConfig | undefined;
  /** Every line it takes as an iteration, in order. */
  readonly iterations: readonly LogLine[];
  /** Rule violations, each naming the line: empty when the visualizer shows the log correctly. */
  readonly problems: readonly string[];
  /** Its header counts. */
  readonly totals: { iterations: number; codeBlocks: number; subCalls: number };
  /** Its "final answer" (the last iteration's). */
  readonly finalAnswer: string | undefined;
  /** The question as it finds it (`original query: "…"` in the first iteration's prompt), if there. */
  readonly question: string | undefined;
}

const CONFIG_FIELDS = [
  'root_model',
  'max_depth',
  'max_iterations',
  'backend',
  'backend_kwargs',
  'environment_type',
  'environment_kwargs',
  'other_backends',
] as const;

/** Reads `text` by the rules above. */
export function readAsReferenceVisualizer(text: string): ReferenceReading {
  const problems: string[] = [];
  const iterations: LogLine[] = [];
  let config: ReferenceConfig | undefined;
  let firstConfig: string | undefined;
  const lines = text
    .trim()
    .split('\n')
    .filter((line) => line.trim() !== '');
  lines.forEach((line, index) => {
    const where = `line ${index + 1}`;
    let parsed: unknown;
    try {
      parsed = JSON.parse(line);
    } catch {
      problems.push(`${where} is not JSON: the visualizer skips it`);
      return;
    }
    const record = (parsed ?? {}) as LogLine;
    if (record.type === 'metadata') {
      config = Object.fromEntries(
        CONFIG_FIELDS.map((field) => [field, record[field] ?? null]),
      ) as unknown as ReferenceConfig;
      const shown = JSON.stringify(config);
      firstConfig ??= shown;
      if (shown !== firstConfig) {
        problems.push(
          `${where} is a metadata line with another configuration: the visualizer shows the last one (${shown}), not the run's (${firstConfig})`,
        );
      }
      return;
    }
    const label = `${where} (type ${JSON.stringify(record.type)}, taken for an iteration)`;
    iterations.push(record);
    problems.push(...iterationProblems(record, label));
  });
  const codeBlocks = iterations.reduce(
    (sum, iteration) => sum + (Array.isArray(iteration.code_blocks) ? iteration.code_blocks.length : 0),
    0,
  );
  const subCalls = iterations.reduce(
    (sum, iteration) =>
      sum +
      (Array.isArray(iteration.code_blocks) ? iteration.code_blocks : []).reduce(
        (inner: number, block: LogLine) =>
          inner + (Array.isArray(block?.result?.rlm_calls) ? block.result.rlm_calls.length : 0),
        0,
      ),
    0,
  );
  let finalAnswer: string | undefined;
  for (const iteration of iterations) {
    const answer = iteration.final_answer;
    if (answer) finalAnswer = Array.isArray(answer) ? answer[1] : answer;
  }
  const firstPrompt = Array.isArray(iterations[0]?.prompt) ? iterations[0]!.prompt : [];
  let question: string | undefined;
  for (const message of firstPrompt) {
    const match =
      message?.role === 'user' && typeof message.content === 'string'
        ? /original query: "([^"]+)"/.exec(message.content)
        : null;
    if (match) {
      question = match[1];
      break;
    }
  }
  return {
    config,
    iterations,
    problems,
    totals: { iterations: iterations.length, codeBlocks, subCalls },
    finalAnswer,
    question,
  };
}

/** What the visualizer's parse and components dereference on an iteration, checked field by field. */
function iterationProblems(record: LogLine, label: string): string[] {
  const problems: string[] = [];
  const want = (ok: boolean, what: string) => {
    if (!ok) problems.push(`${label}: ${what}`);
  };
  want(typeof record.iteration === 'number', '`iteration` is not a number');
  want(
    typeof record.timestamp === 'string' && !Number.isNaN(Date.parse(record.timestamp)),
    '`timestamp` is not a date string (shown as "Invalid Date")',
  );
  want(
    Array.isArray(record.prompt) &&
      record.prompt.every(
        (message: LogLine) => typeof message?.role === 'string' && typeof message?.content === 'string',
      ),
    '`prompt` is not a list of { role, content } strings (the timeline maps it)',
  );
  want(typeof record.response === 'string', '`response` is not a string (the timeline reads its length)');
  const answer = record.final_answer;
  want(
    answer === null ||
      typeof answer === 'string' ||
      (Array.isArray(answer) && answer.length === 2 && answer.every((part) => typeof part === 'string')),
    '`final_answer` is neither null, a string nor a [string, string] pair',
  );
  want(
    record.iteration_time === null || typeof record.iteration_time === 'number',
    '`iteration_time` is neither null nor a number',
  );
  if (!Array.isArray(record.code_blocks)) {
    problems.push(`${label}: no \`code_blocks\` list (computeMetadata reads its length and throws)`);
    return problems;
  }
  record.code_blocks.forEach((block: LogLine, blockIndex: number) => {
    const at = `code block ${blockIndex + 1}`;
    want(typeof block?.code === 'string', `${at}: \`code\` is not a string`);
    const result = block?.result;
    if (typeof result !== 'object' || result === null) {
      problems.push(`${label}: ${at}: no \`result\` object`);
      return;
    }
    want(typeof result.stdout === 'string', `${at}: \`stdout\` is not a string`);
    want(typeof result.stderr === 'string', `${at}: \`stderr\` is not a string`);
    want(
      typeof result.locals === 'object' && result.locals !== null && !Array.isArray(result.locals),
      `${at}: \`locals\` is not an object`,
    );
    want(typeof result.execution_time === 'number', `${at}: \`execution_time\` is not a number (toFixed)`);
    if (!Array.isArray(result.rlm_calls)) {
      problems.push(`${label}: ${at}: \`rlm_calls\` is not a list`);
      return;
    }
    result.rlm_calls.forEach((call: LogLine, callIndex: number) => {
      const sub = `${at}, sub-call ${callIndex + 1}`;
      want(
        typeof call?.prompt === 'string' || (typeof call?.prompt === 'object' && call.prompt !== null),
        `${sub}: \`prompt\` is neither a string nor an object`,
      );
      want(typeof call?.response === 'string', `${sub}: \`response\` is not a string (sliced)`);
      want(typeof call?.prompt_tokens === 'number', `${sub}: \`prompt_tokens\` is not a number`);
      want(typeof call?.completion_tokens === 'number', `${sub}: \`completion_tokens\` is not a number`);
      want(typeof call?.execution_time === 'number', `${sub}: \`execution_time\` is not a number (toFixed)`);
    });
  });
  return problems;
}
