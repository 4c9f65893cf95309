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
