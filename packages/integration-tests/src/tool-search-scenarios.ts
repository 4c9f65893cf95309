import type { ContextValue } from '@rlm/core';

/** One scripted run that uses a tool: the context, the question and the root model's code, turn by turn. */
export interface ToolSearchScenario {
  readonly name: string;
  readonly question: string;
  readonly context: ContextValue;
  readonly replies: readonly string[];
  /** The answer the run must give. */
  readonly expected: string;
}

/** ~2 MB of log lines; every 997th line is an error with a code. */
function logLines(): { text: string; errors: number; firstErrorLine: number; codes: number } {
  const lines: string[] = [];
  let errors = 0;
  let firstErrorLine = 0;
  let codes = 0;
  for (let i = 0; i < 20_000; i++) {
    if (i % 997 === 500) {
      errors++;
      firstErrorLine ||= i + 1;
      codes += i % 100;
      lines.push(
        `2024-03-${String((i % 28) + 1).padStart(2, '0')} ERROR code=${i % 100} request ${i} failed`,
      );
    } else {
      lines.push(
        `2024-03-${String((i % 28) + 1).padStart(2, '0')} INFO request ${i} served in ${i % 250} ms`,
      );
    }
  }
  return { text: lines.join('\n'), errors, firstErrorLine, codes };
}

/** 300 documents; one says where the meeting is. */
function documents(): { path: string; text: string }[] {
  const topics = ['invoices', 'shipping', 'weather', 'holidays', 'printers', 'parking'];
  const docs = Array.from({ length: 300 }, (_, i) => ({
    path: `notes/${String(i).padStart(3, '0')}.md`,
    text: `# Note ${i}\nThis note is about ${topics[i % topics.length]} and ${topics[(i * 5) % topics.length]}.\n`.repeat(
      5,
    ),
  }));
  docs[217] = {
    path: 'notes/rendezvous.md',
    text: '# Plans\nThe secret rendezvous point for the team is the old lighthouse on the north pier.\n',
  };
  return docs;
}

const log = logLines();

export const TOOL_SEARCH_SCENARIOS: readonly ToolSearchScenario[] = [
  {
    name: 'grep',
    question:
      'How many requests failed, on which line is the first failure, and what is the sum of the error codes?',
    context: log.text,
    replies: [
      // A bad pattern first: the tool's error must reach the model, and the run go on.
      "const bad = await grep({ pattern: 'code=(' });",
      [
        "const found = await grep({ pattern: 'ERROR code=(\\\\d+)', maxMatches: 1000, contextLines: 1 });",
        'const sum = found.matches.reduce((total, match) => total + Number(/code=(\\d+)/.exec(match.line)[1]), 0);',
        'console.log(found.totalMatches, found.truncated, found.matches[0].before.length);',
        'FINAL([found.totalMatches, found.matches[0].lineNumber, sum].join(" "));',
      ].join('\n'),
    ],
    expected: `${log.errors} ${log.firstErrorLine} ${log.codes}`,
  },
  {
    name: 'search',
    question: 'Where is the secret rendezvous point?',
    context: documents(),
    replies: [
      [
        "const hits = await search({ query: 'secret rendezvous point', k: 3 });",
        'console.log(hits.map((hit) => hit.path + " " + hit.score).join("\\n"));',
        'const best = hits[0];',
        "FINAL(best.path + ' | ' + /the (old lighthouse[^.]*)/.exec(best.text)[1] + ' | ' + best.document + ' ' + best.lineNumber);",
      ].join('\n'),
    ],
    expected: 'notes/rendezvous.md | old lighthouse on the north pier | 217 1',
  },
  {
    name: 'catastrophic',
    question: 'Does the line end with a run of a?',
    context: `${'a'.repeat(5_000)}b\nshort line`,
    replies: [
      [
        'let message;',
        "try { await grep({ pattern: '(a+)+$' }); } catch (error) { message = (error instanceof Error) + ' ' + error.message; }",
        "const next = await grep({ pattern: 'short' });",
        "FINAL(message.split('. ')[0] + ' | ' + next.totalMatches);",
      ].join('\n'),
    ],
    expected: 'true grep: the pattern /(a+)+$/ ran for more than 1 s and was stopped | 1',
  },
];
