import type { RecordedRequest, ScriptedReply } from '@rlm/test-server';

/**
 * A scripted pair of models for end-to-end runs, answering "how many errors of each kind?" about
 * log files. The root model (its requests carry the system prompt) writes real JavaScript: turn 1
 * peeks at `context`; turn 2 splits it into ERROR lines, asks the sub-model to classify each with
 * `llm_query_batched`, counts the labels and ends with `FINAL_VAR`. The sub-model (a single user
 * message) answers with the word after "ERROR".
 */
export function logAnalystReply(request: RecordedRequest): ScriptedReply {
  const isRoot = request.messages[0]?.role === 'system';
  if (!isRoot) {
    const prompt = request.messages.at(-1)?.content ?? '';
    const label = /ERROR (\w+)/.exec(prompt)?.[1] ?? 'unknown';
    return { text: label, usage: { inputTokens: 40, outputTokens: 1 } };
  }
  const turn = request.messages.filter((message) => message.role === 'assistant').length + 1;
  if (turn === 1) return { text: PEEK_REPLY, usage: { inputTokens: 1200, outputTokens: 60 } };
  return { text: COUNT_REPLY, usage: { inputTokens: 1500, outputTokens: 120 } };
}

export const PEEK_REPLY = [
  'Let me look at the context first.',
  '```javascript',
  'const documents = Array.isArray(context) ? context : [context];',
  "console.log(documents.length, 'documents');",
  "console.log(documents.map((document) => document.split('\\n', 1)[0]).join('\\n'));",
  '```',
].join('\n');

export const COUNT_REPLY = [
  'Now classify every ERROR line with the sub-model and count the labels.',
  '```javascript',
  "const errorLines = documents.flatMap((document) => document.split('\\n')).filter((line) => line.includes(' ERROR '));",
  "const labels = await llm_query_batched(errorLines.map((line) => 'Which subsystem failed? One word.\\n' + line));",
  'const counts = {};',
  'for (const label of labels) counts[label] = (counts[label] ?? 0) + 1;',
  "const summary = Object.keys(counts).sort().map((label) => label + ': ' + counts[label]).join(', ');",
  'FINAL_VAR("summary");',
  '```',
].join('\n');

/** Log lines: three disk errors, one network error, and noise. */
export const LOG_A = [
  '2025-03-01 10:00:01 INFO start',
  '2025-03-01 10:00:02 ERROR disk full on /var',
  '2025-03-01 10:05:00 ERROR network unreachable',
  '2025-03-01 10:06:00 WARN slow',
].join('\n');

export const LOG_B = [
  '2025-03-01 11:00:00 ERROR disk quota',
  '2025-03-01 11:30:00 ERROR disk full again',
].join('\n');
