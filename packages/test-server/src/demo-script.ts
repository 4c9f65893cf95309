import type { RecordedRequest } from './recorded-request';
import type { ScriptedReply } from './scripted-reply';

/**
 * (Addition) A scripted pair of models for a first try of the `rlm` command without an API key:
 * `rlm-test-server --demo`. It plays a plausible root model that counts the ERROR lines of a log by
 * kind, in three turns of real JavaScript run in the sandbox — look at the context, hand 100-line
 * chunks to the sub-model with `llm_query_batched`, answer with `FINAL_VAR` — and a sub-model that
 * counts the ERROR lines of the chunk it is given and answers in JSON, after 400–900 ms, so the live
 * display has something to show.
 *
 * How a script tells the two apart: a root-model request starts with the loop's system prompt (its
 * first message has role `system`); a sub-call (`llm_query`) is a single user message. The root's
 * turn is one more than the assistant messages already in the history.
 */
export async function demoResponder(request: RecordedRequest): Promise<ScriptedReply> {
  const isRoot = request.messages[0]?.role === 'system';
  if (!isRoot) {
    const prompt = request.messages.at(-1)?.content ?? '';
    const counts: Record<string, number> = {};
    // The excerpt only (after the instruction: up to its blank line, else its first line), so the
    // instruction's own "ERROR" is not counted; any log line with "ERROR <kind>" in it
    // ("2026-03-01 08:00:04 ERROR disk …", "[ERROR] disk: …", "ERROR: disk …"), not only the demo
    // log's format.
    const blank = prompt.indexOf('\n\n');
    const excerpt = blank >= 0 ? prompt.slice(blank + 2) : prompt.slice(prompt.indexOf('\n') + 1);
    for (const match of excerpt.matchAll(/\bERROR\b\]?:?[ \t]+(\w+)/g))
      counts[match[1]!] = (counts[match[1]!] ?? 0) + 1;
    await new Promise((resolve) => setTimeout(resolve, 400 + Math.floor(Math.random() * 500)));
    return {
      text: JSON.stringify(counts),
      usage: { inputTokens: Math.ceil(prompt.length / 4), outputTokens: 12 },
    };
  }
  const turn = request.messages.filter((message) => message.role === 'assistant').length + 1;
  const inputTokens = Math.ceil(
    request.messages.reduce((sum, message) => sum + message.content.length, 0) / 4,
  );
  await new Promise((resolve) => setTimeout(resolve, 600));
  if (turn === 1) return { text: DEMO_PEEK, usage: { inputTokens, outputTokens: 80 } };
  if (turn === 2) return { text: DEMO_COUNT, usage: { inputTokens, outputTokens: 190 } };
  return { text: DEMO_ANSWER, usage: { inputTokens, outputTokens: 40 } };
}

const fence = '```';

/** Turn 1: look before answering. */
export const DEMO_PEEK = [
  "I haven't seen the context yet, so let me look at its size and first lines.",
  `${fence}javascript`,
  "const text = Array.isArray(context) ? context.join('\\n') : String(context);",
  "const lines = text.split('\\n');",
  "console.log(lines.length, 'lines;', lines.filter((line) => line.includes('ERROR')).length, 'mention ERROR');",
  "console.log(lines.slice(0, 5).join('\\n'));",
  fence,
].join('\n');

/** Turn 2: fan out over chunks, add up the sub-model's counts. */
export const DEMO_COUNT = [
  'A log. I will hand 100-line chunks to the sub-model, have it count the ERROR lines by kind, and add the counts up.',
  `${fence}javascript`,
  'const chunks = [];',
  "for (let i = 0; i < lines.length; i += 100) chunks.push(lines.slice(i, i + 100).join('\\n'));",
  'const answers = await llm_query_batched(',
  '  chunks.map((chunk) => \'Count the ERROR lines of this log excerpt by kind (the word after ERROR). Answer only JSON, e.g. {"disk": 2}.\\n\\n\' + chunk),',
  ');',
  'const counts = {};',
  'for (const answer of answers) {',
  "  if (answer.startsWith('Error:')) continue;",
  '  for (const [kind, n] of Object.entries(JSON.parse(answer))) counts[kind] = (counts[kind] ?? 0) + n;',
  '}',
  "const summary = Object.entries(counts).sort((a, b) => b[1] - a[1]).map(([kind, n]) => kind + ': ' + n).join('\\n') || 'No ERROR lines found.';",
  'console.log(chunks.length, "chunks");',
  'console.log(summary);',
  fence,
].join('\n');

/** Turn 3: the counts are in a variable; answer with it. */
export const DEMO_ANSWER = [
  'The counts above are the answer.',
  `${fence}javascript`,
  "FINAL_VAR('summary');",
  fence,
].join('\n');
