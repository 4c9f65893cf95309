import type { rewriteJavaScriptCell } from '../javascript/rewrite-javascript-cell';
import { nextMacrotask } from '../util/next-macrotask';

type RewriteCell = typeof rewriteJavaScriptCell;

let loaded: RewriteCell | undefined;
let loading: Promise<RewriteCell> | undefined;
let warmedUp = false;

/**
 * The cell rewriter of JavaScript sessions, loaded on first use rather than with the program: it
 * brings acorn, whose loading took 12–15 ms of a CLI run's start-up (2-core VM, Node 20) before any
 * cell could need it. Returns the function itself once it has loaded.
 */
export function loadCellRewriter(): RewriteCell | Promise<RewriteCell> {
  if (loaded) return loaded;
  loading ??= import('../javascript/rewrite-javascript-cell').then((module) => {
    loaded = module.rewriteJavaScriptCell;
    return loaded;
  });
  return loading;
}

/**
 * Never run: parsed once by {@link warmUpCellRewriter} so that the parser's code for what cells are
 * made of (declarations, `await`, loops, arrow functions, templates, classes, regular expressions)
 * is compiled before the first real cell.
 */
const TYPICAL_CELL = `const lines = context.split("\\n");
let hits = [];
for (const [i, line] of lines.entries()) { if (/error|fail/i.test(line) && line.length > 3) hits.push(\`\${i}: \${line}\`); }
const answers = await llm_query_batched(hits.slice(0, 10).map((hit, index) => "Summarise: " + hit + index));
async function pick(x, { limit = 2, ...rest } = {}) { return x?.trim() ?? rest[limit]; }
class Counter { #n = 0; add(k) { this.#n += k; return this; } }
var total = 0; while (total < 3) total++;
if (answers.length === 0) { console.log("none"); } else FINAL(answers.join("\\n"));
answers.length;`;

/**
 * Loads the rewriter and, in a later macrotask, rewrites a typical cell once, so that
 * the first cell of a run finds acorn loaded and compiled. Its first parse is slow — 14–16 ms for a
 * three-line cell, against 1–2 ms warm (V8 compiles each parser function at its first call) — and
 * sat on the critical path of a run's first cell. Called while the first model call is in flight,
 * when the thread has nothing else to do. Never fails: a failure to load shows at the first cell.
 */
export function warmUpCellRewriter(): void {
  if (warmedUp) return;
  warmedUp = true;
  Promise.resolve(loadCellRewriter()).then(
    (rewrite) => nextMacrotask(() => rewrite(TYPICAL_CELL)),
    () => undefined,
  );
}
