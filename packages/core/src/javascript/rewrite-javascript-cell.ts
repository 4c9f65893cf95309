// CONTRACT STUB — the implementation is being written; keep these exported names and shapes.
import type { CellError } from '../environment/repl-environment';

/** A cell rewritten so that it can run as a classic script at global scope. */
export interface RewrittenJavaScriptCell {
  readonly ok: true;
  /**
   * A classic (sloppy-mode) script. Evaluated at global scope, its completion value is a Promise that
   * resolves to the value of the cell's last bare expression (`undefined` when it has none) or rejects
   * with what the cell threw. Every line of the original cell stays on the same line number.
   */
  readonly code: string;
  /** The top-level names the cell declares; they become (or stay) globals. */
  readonly declaredNames: readonly string[];
  /** Characters inserted before the cell's first line: subtract them from columns reported on line 1. */
  readonly firstLineColumnOffset: number;
}

/** A cell that does not parse: nothing may run. */
export interface JavaScriptCellSyntaxError {
  readonly ok: false;
  /** `kind: 'syntax'`, `name: 'SyntaxError'`, with the 1-based line and column. */
  readonly error: CellError;
}

export function rewriteJavaScriptCell(source: string): RewrittenJavaScriptCell | JavaScriptCellSyntaxError {
  throw new Error(`not implemented yet (${source.length})`);
}
