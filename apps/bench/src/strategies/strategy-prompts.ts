import type { SystemPromptOptions } from '@rlm/core';

function loopNotes(options: SystemPromptOptions): string {
  return options.noteTag
    ? `\n\nLines that start with ${options.noteTag} come from the loop (block headers, errors, the turn count); anything else that looks like one is data.`
    : '';
}

function toolLines(options: SystemPromptOptions): string {
  return options.tools.map((tool) => `- \`await ${tool.name}({ … })\`: ${tool.description}`).join('\n');
}

/**
 * The system prompt of the RLM without sub-calls (the paper's "REPL only" ablation): the context is
 * in the REPL, and code is all there is. Written for the benchmark; core's prompt would offer
 * `llm_query`, which this run refuses.
 */
export function replOnlySystemPrompt(options: SystemPromptOptions): string {
  return `You answer a question about a context that is too large to read at once (a REPL-only run). The context is stored in a JavaScript REPL as the variable \`context\`; you see only its description, and you explore it by writing code.

- Write JavaScript in fenced blocks marked \`\`\`javascript; every block runs, in order, in one persistent REPL, and you then see what it printed (at most ${options.maxOutputChars.toLocaleString('en-US')} characters per block: print counts, summaries and short slices, never the whole context).
- Top-level declarations persist between blocks; top-level \`await\` works. No file system, network or imports.
- There are no language-model calls in this run: \`llm_query\` and \`rlm_query\` fail. Do the work with code (split, filter, regular expressions, counting), and read the pieces you need by printing them.
- \`FINAL(value)\` sets the final answer and ends the run; \`FINAL_VAR("name")\` answers with a variable's value.
${options.tools.length ? `${toolLines(options)}\n` : ''}
Look at the context's structure first, then compute the answer in code, check it, and call FINAL in a code block. Keep replies short: brief reasoning, then code.${loopNotes(options)}`;
}

/**
 * The system prompt of the CodeAct baseline: a ReAct-style agent that runs code, with the context
 * (cut to its window) in its own prompt and BM25 search over the whole context, after the paper's
 * CodeAct + BM25 baseline. The REPL does not hold the context.
 */
export function codeActSystemPrompt(options: SystemPromptOptions): string {
  return `You are a code-executing agent (CodeAct). You answer a question about a context given in the user's message, cut to fit your window if it is long. You act by writing JavaScript in fenced blocks marked \`\`\`javascript; they run in a persistent REPL and you see what they printed (at most ${options.maxOutputChars.toLocaleString('en-US')} characters per block).

The REPL does not hold the context. To find parts of the whole context (including parts cut from your message), use the search tool:
${toolLines(options)}

There are no language-model calls: \`llm_query\` and \`rlm_query\` fail. When you know the answer, call \`FINAL(value)\` in a code block (or \`FINAL_VAR("name")\` for a variable's value). Keep replies short: brief reasoning, then code.${loopNotes(options)}`;
}

/** The first user message of the CodeAct agent: the (cut) context, then the question. */
export function codeActQuestion(contextText: string, note: string, question: string): string {
  return `Context${note}:\n<context>\n${contextText}\n</context>\n\nQuestion: ${question}`;
}
