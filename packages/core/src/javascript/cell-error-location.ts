/** A 1-based position in a cell's own source. */
export interface CellErrorLocation {
  readonly line: number;
  /** Absent when the engine reported no column. */
  readonly column?: number;
}

/**
 * Finds where in a cell an error arose, from the first stack frame that points into the cell's file.
 *
 * Understands V8's frames (`    at foo (cell-3.js:4:7)`, `    at cell-3.js:4:7`,
 * `    at async cell-3.js:4:7`) and QuickJS's (`    at <anonymous> (cell-3.js:4)`, with or without a
 * column). Only lines that are frames are read, so a message quoting a location is not mistaken for
 * one. `firstLineColumnOffset` (see `rewriteJavaScriptCell`) is subtracted from columns on line 1,
 * the only line with text inserted before the cell's own.
 */
export function findCellErrorLocation(
  stack: string,
  fileName: string,
  firstLineColumnOffset: number,
): CellErrorLocation | undefined {
  // The file name must be the whole path of the frame: `my-cell-3.js` is not `cell-3.js`.
  const framePattern = new RegExp(
    `^\\s*at\\s(?:.*[\\s(])?${escapeRegExp(fileName)}:(\\d+)(?::(\\d+))?(?!\\d)`,
  );
  for (const frame of stack.split('\n')) {
    const match = framePattern.exec(frame);
    if (!match) continue;
    const line = Number(match[1]);
    if (match[2] === undefined) return { line };
    // Text inserted before the cell stands before its first character: attribute it to column 1
    // (V8 reports a failing leading identifier of `return (…)` at the `return`).
    const column = Math.max(1, Number(match[2]) - (line === 1 ? firstLineColumnOffset : 0));
    return { line, column };
  }
  return undefined;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
