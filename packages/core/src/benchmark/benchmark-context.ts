/**
 * About `characters` characters of OOLONG-like lines (~100 characters each: a date, a user id and a
 * question), the text `benchEnvironment` injects unless it is given its own.
 */
export function makeBenchmarkLines(characters: number): string {
  const labels = ['What is', 'Who was', 'Where is', 'How many', 'When did'];
  const lines: string[] = [];
  let size = 0;
  for (let i = 0; size < characters; i++) {
    const day = String((i % 28) + 1).padStart(2, '0');
    const user = String(10000 + ((i * 7919) % 90000));
    const line = `Date: Mar ${day}, 2024 || User: ${user} || Instance: ${labels[i % labels.length]} item ${i}?`;
    lines.push(line);
    size += line.length + 1;
  }
  return lines.join('\n').slice(0, characters);
}

/**
 * The string work `benchEnvironment` times on its largest context, by row label: code for a cell
 * that reads the global `context` (a string). Plain expressions, so the same code can run on the
 * host as a baseline (`new Function('context', 'return ' + code)`).
 */
export const BENCHMARK_STRING_WORK: Readonly<Record<string, string>> = {
  'regex count': '(context.match(/User: 1\\d{4}/g) || []).length',
  'split lines': 'context.split("\\n").length',
  'indexOf near the end': 'context.indexOf("Instance", context.length - 2000)',
};

/**
 * The same string work as {@link BENCHMARK_STRING_WORK}, by the same row labels, as Python
 * expressions for a Python REPL (`@rlm/env-pyodide`).
 */
export const PYTHON_BENCHMARK_STRING_WORK: Readonly<Record<string, string>> = {
  'regex count': 'len(__import__("re").findall(r"User: 1\\d{4}", context))',
  'split lines': 'len(context.split("\\n"))',
  'indexOf near the end': 'context.find("Instance", len(context) - 2000)',
};

/**
 * `work` (default {@link BENCHMARK_STRING_WORK}) as cells by row name, each label followed by the
 * size of the context it runs on (`regex count (50 MB)`): the rows `benchEnvironment` times by
 * default, and the names to give the same work measured elsewhere (on the host, with more cells).
 */
export function stringWorkCells(
  megabytes: number,
  work: Readonly<Record<string, string>> = BENCHMARK_STRING_WORK,
): Record<string, string> {
  return Object.fromEntries(
    Object.entries(work).map(([label, code]) => [`${label} (${megabytes} MB)`, code]),
  );
}
