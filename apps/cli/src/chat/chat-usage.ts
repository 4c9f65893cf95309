import { EXIT_CODES } from '../exit-codes';

/** The `/`-commands of `rlm chat`, as `/help` lists them. */
export function chatCommandHelp(): string {
  return `Commands (piped in as lines too):
  /context add PATH...   load files, folders or globs as --context does; the next question gets
                         them as the next context_N (context_1, context_2, …; context if none yet)
  /cost                  the session's questions, tokens and cost so far
  /save FILE             every question's trajectory so far, in order, as JSONL
  /help                  this list
  /exit                  end the session (also Ctrl-D, or the end of piped input)
Anything else is a question (one that starts with / is typed with //). The REPL persists: a
question can use the variables earlier ones made, and \`history\` holds every earlier question and
answer.
`;
}

/** `rlm chat --help`. */
export function chatUsage(): string {
  return `Usage: rlm chat [--context PATH...] --model PROVIDER:MODEL [options]

Several questions over one context in one REPL: each question can reuse what earlier ones computed.
  In a terminal: a prompt with line editing and history (kept in ~/.local/state/rlm/chat-history,
    or $XDG_STATE_HOME/rlm/chat-history; RLM_CHAT_HISTORY=FILE, or empty for none); live progress
    while a question runs; Ctrl-C stops the running question (the session goes on), Ctrl-C twice at
    an empty prompt or Ctrl-D ends the session.
  Piped: one question per line; each answer on stdout as it finishes (with --json one JSON object
    per question: question, answer, usage, costUsd, turns, failedSubCalls, error, exitCode);
    progress and messages on stderr; the end of the input ends the session.

${chatCommandHelp()}
Options are those of a question (rlm --help). --max-cost, --max-tokens and --max-sub-calls cap the
whole session; --max-turns, --timeout and --max-depth apply to each question. --trajectory FILE is
rewritten after every question with all of them (as /save). --resume and --context - do not apply.

Exit status: ${EXIT_CODES.answered} when every question answered (questions stopped with Ctrl-C aside); otherwise the
code of the first question or command that did not: ${EXIT_CODES.runtimeError} failed, ${EXIT_CODES.limitReached} a limit stopped it,
${EXIT_CODES.answeredWithFailedSubCalls} answered with failed sub-calls, ${EXIT_CODES.usageError} a command failed (or the options were wrong at start).
Ctrl-C in piped mode stops the running question and ends the session (${EXIT_CODES.interrupted}).
`;
}
