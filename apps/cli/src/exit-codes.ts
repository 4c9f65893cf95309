/**
 * What the process exit status means. Ctrl-C always exits 130 (the shell's 128 + SIGINT), also when
 * a partial answer was printed: scripts can then tell "the user stopped it" from "a limit stopped
 * it" (3), whose partial answer is printed too.
 */
export const EXIT_CODES = {
  /** The run answered; the answer is on stdout. */
  answered: 0,
  /**
   * The run answered, but some of its sub-calls failed (after the provider's retries, or refused
   * before sending): the answer is on stdout, and stderr says "answered, N of M sub-calls failed" and
   * why. The model was told of each failure, but the answer may rest on missing pieces.
   */
  answeredWithFailedSubCalls: 4,
  /** The run failed: the provider, the network or the sandbox (message on stderr). */
  runtimeError: 1,
  /** The command was wrong: an option, the context, the model, a key, a missing package. Nothing was sent. */
  usageError: 2,
  /** A limit (turns, cost, tokens, sub-calls, time, errors in a row) stopped the run; the partial answer, if any, is on stdout. */
  limitReached: 3,
  /** Interrupted with Ctrl-C; the partial answer, if any, is on stdout. */
  interrupted: 130,
} as const;
