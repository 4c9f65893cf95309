import type { RecordedRequest, ScriptedReply } from '@rlm/test-server';
import { goldText } from '../scoring/score-answer';
import { BASE_SYSTEM_PROMPT } from '../strategies/base-model-strategy';
import type { BenchInstance } from '../tasks/bench-instance';

/** Offline questions start with this tag, so that the scripted models know which instance a request is about. */
export function tagQuestion(instance: BenchInstance): string {
  return `[bench item ${instance.id}] ${instance.question}`;
}

const TAG = /\[bench (?:item|child of) ([^\]]+)\]/;

/** What the windowed model keeps of each part when it summarises (its notes' length). */
const NOTES_CHARACTERS = 2_000;

function fence(code: string): string {
  return `\`\`\`javascript\n${code}\n\`\`\``;
}

/**
 * The code the oracle runs at its last turn: S-NIAH's needle is found with a regular expression,
 * the other answers are the gold, passed to FINAL (the oracle "reads the gold").
 */
function finalCode(instance: BenchInstance): string {
  if (instance.family === 'sniah') {
    const key = /magic number for (\S+) mentioned/.exec(instance.question)?.[1] ?? '';
    return [
      `const found = new RegExp(${JSON.stringify(`special magic numbers for ${key} is: (\\d{7})`)}).exec(context);`,
      "FINAL(found ? found[1] : 'not found');",
    ].join('\n');
  }
  const gold =
    instance.gold.kind === 'pairs'
      ? goldText(instance.gold).replaceAll(') (', ')\n(') || 'none'
      : goldText(instance.gold);
  return `FINAL(${JSON.stringify(gold)});`;
}

/** The first turn of an RLM root: look at the context, and make the sub-calls its depth allows. */
function exploreCode(instance: BenchInstance, subCalls: 'none' | 'plain' | 'recursive'): string {
  const lines = [
    "const text = typeof context === 'string' ? context : context.map((document) => document.text).join('\\n');",
    "console.log('context:', typeof context === 'string' ? 'text' : context.length + ' documents', text.length, 'characters');",
  ];
  if (subCalls !== 'none') {
    lines.push(
      'const parts = [];',
      'for (let start = 0; start < text.length; start += 20000) parts.push(text.slice(start, start + 20000));',
      `const notes = await llm_query_batched(parts.slice(0, 3).map((part, index) => ${JSON.stringify(`[bench item ${instance.id}] part `)} + index + ': reply ok.\\n' + part.slice(0, 1500)));`,
      "console.log('sub-calls answered:', notes.filter((note) => !note.startsWith('Error:')).length, 'of', notes.length);",
    );
  }
  if (subCalls === 'recursive') {
    lines.push(
      `const child = await rlm_query(${JSON.stringify(`[bench child of ${instance.id}] How many lines has your context?`)}, text.slice(0, 4000));`,
      "console.log('child RLM:', child);",
    );
  }
  return lines.join('\n');
}

function assistantTurns(request: RecordedRequest): number {
  return request.messages.filter((message) => message.role === 'assistant').length;
}

/**
 * The scripted models of `rlm-bench --offline`, behind `@rlm/test-server`:
 *
 * - an **oracle** for the REPL strategies: its code looks at the context, makes real sub-calls
 *   (plain at depth 1, a child RLM at depth 2), then computes the answer (S-NIAH's needle by a regex
 *   over `context`) or FINALs the gold;
 * - a **windowed** model for the base model, the summary agent and CodeAct: it answers only from the
 *   text in its prompt (`answerFrom`: the complete records, documents or needle found there), so
 *   what was cut to fit the window is missing, and the summary agent keeps 2,000 characters of notes.
 *
 * The numbers they produce check the harness; they say nothing about any model.
 */
export function createOracleResponder(instances: ReadonlyMap<string, BenchInstance>) {
  const instanceOf = (request: RecordedRequest): BenchInstance => {
    for (const message of request.messages) {
      const id = TAG.exec(message.content)?.[1];
      const instance = id === undefined ? undefined : instances.get(id);
      if (instance) return instance;
    }
    throw new Error(
      `offline oracle: no known [bench item …] tag in the request (${request.messages.length} messages).`,
    );
  };
  return (request: RecordedRequest): ScriptedReply => {
    const instance = instanceOf(request);
    const system = request.messages[0]?.role === 'system' ? request.messages[0].content : undefined;
    const lastUser =
      [...request.messages].reverse().find((message) => message.role === 'user')?.content ?? '';
    if (system === BASE_SYSTEM_PROMPT) {
      // The base model, or the summary agent's last call: answer from what the prompt holds.
      return { text: instance.answerFrom(lastUser) };
    }
    if (system === undefined) {
      if (lastUser.startsWith(`[bench item ${instance.id}] part `)) return { text: 'ok' };
      const notes = /<notes>\n([\s\S]*?)\n<\/notes>/.exec(lastUser)?.[1] ?? '';
      const part = /<part>\n([\s\S]*)\n<\/part>/.exec(lastUser)?.[1];
      if (part !== undefined) {
        const kept = notes === '(none yet)' ? '' : notes;
        return { text: `${kept}\n${part}`.trim().slice(0, NOTES_CHARACTERS) };
      }
      return { text: instance.answerFrom(lastUser) };
    }
    const turn = assistantTurns(request) + 1;
    if (system.includes('code-executing agent (CodeAct)')) {
      if (turn === 1) {
        const words = instance.question
          .replace(/[^\w\s-]/g, ' ')
          .split(/\s+/)
          .filter((word) => word.length > 5)
          .slice(-6)
          .join(' ');
        return {
          text: fence(
            `const hits = await search({ query: ${JSON.stringify(words || 'context')}, k: 5 });\nconsole.log(hits.map((hit) => hit.text).join('\\n'));`,
          ),
        };
      }
      const seen = request.messages
        .slice(1)
        .map((message) => message.content)
        .join('\n');
      return { text: fence(`FINAL(${JSON.stringify(instance.answerFrom(seen))});`) };
    }
    const firstUser = request.messages.find((message) => message.role === 'user')?.content ?? '';
    if (firstUser.includes(`[bench child of ${instance.id}]`)) {
      return { text: fence("FINAL(String(context.split('\\n').length));") };
    }
    const subCalls = system.includes('REPL-only run')
      ? 'none'
      : system.includes('Starts a child of you')
        ? 'recursive'
        : 'plain';
    return { text: fence(turn === 1 ? exploreCode(instance, subCalls) : finalCode(instance)) };
  };
}
