import type { RecordedRequest, ScriptedReply } from '@rlm/test-server';
import { logAnalystReply } from './scripted-log-analyst';

/** The first question of a chat: the log analyst counts the errors per kind (2 turns, a sub-call per ERROR line). */
export const COUNT_QUESTION = 'How many errors of each kind?';
/** The second: answered from the `counts` variable the first left in the REPL, with no sub-call. */
export const TOP_QUESTION = 'Which kind is most common?';
/** A question the scripted server fails (a 500, and the CLI runs with --max-retries 0). */
export const FAILING_QUESTION = 'Please fail this one';
/** A question whose root reply takes 60 s, to be stopped with Ctrl-C. */
export const SLOW_QUESTION = 'Take your time';
/** A question that starts with a slash (typed as `//etc/hosts: …`); answered at once. */
export const SLASH_QUESTION = '/etc/hosts: is it there?';
/** A question answered with data (run with --schema): `{ "errors": 2 }`. */
export const DATA_QUESTION = 'How many errors, as data?';
/** A question answered from `context_1`, bound by `/context add`. */
export const ADDED_QUESTION = 'How many lines has the added file?';

export const TOP_REPLY = [
  'The counts are in the REPL from the last question.',
  '```javascript',
  'const top = Object.keys(counts).sort((a, b) => counts[b] - counts[a])[0];',
  "FINAL(top + ' (' + counts[top] + ')');",
  '```',
].join('\n');

export const ADDED_REPLY = [
  '```javascript',
  "FINAL(String(context_1.split('\\n').length) + ' lines');",
  '```',
].join('\n');

/**
 * The root model's reply depends on the question it is on (the last user message naming one of
 * the questions above); the log analyst answers the rest, and every sub-call.
 */
export function chatReply(request: RecordedRequest): ScriptedReply {
  const isRoot = request.messages[0]?.role === 'system';
  if (!isRoot) return logAnalystReply(request);
  const asking = (question: string) =>
    request.messages.findLast((message) => message.role === 'user')?.content.includes(question) === true;
  const current = [
    TOP_QUESTION,
    FAILING_QUESTION,
    SLOW_QUESTION,
    ADDED_QUESTION,
    SLASH_QUESTION,
    DATA_QUESTION,
  ].find(asking);
  if (current === DATA_QUESTION) return { text: '```javascript\nFINAL({ errors: 2 })\n```' };
  if (current === SLASH_QUESTION) return { text: '```javascript\nFINAL("no")\n```' };
  if (current === TOP_QUESTION) return { text: TOP_REPLY, usage: { inputTokens: 900, outputTokens: 40 } };
  if (current === FAILING_QUESTION) return { fault: 'server-error', status: 500 };
  if (current === SLOW_QUESTION) return { text: 'FINAL("too late")', delayMs: 60_000 };
  if (current === ADDED_QUESTION) return { text: ADDED_REPLY };
  // The count question: its turn is the number of the model's replies since it was asked (later
  // messages repeat the question, so the first that names it).
  const asked = request.messages.findIndex(
    (message) => message.role === 'user' && message.content.includes(COUNT_QUESTION),
  );
  const turn = request.messages.slice(asked).filter((message) => message.role === 'assistant').length + 1;
  return logAnalystReply({
    ...request,
    messages: [
      request.messages[0]!,
      ...Array.from({ length: turn - 1 }, () => ({ role: 'assistant' as const, content: '' })),
    ],
  });
}
