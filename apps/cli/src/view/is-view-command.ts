/** Whether the command line is `rlm view …` (kept apart so that the viewer loads only for it). */
export function isViewCommand(argv: readonly string[]): boolean {
  return argv[0] === 'view';
}
