import {
  type ClassDeclaration,
  type FunctionDeclaration,
  type Node,
  type Options,
  type Pattern,
  type Program,
  parse,
  type VariableDeclaration,
} from 'acorn';
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

const PARSE_OPTIONS: Options = {
  ecmaVersion: 'latest',
  sourceType: 'script',
  allowAwaitOutsideFunction: true,
  allowReturnOutsideFunction: false,
  // A `#!` line would no longer be first once the prefix is inserted.
  allowHashBang: false,
  locations: true,
};

/** Where a declaration stands, which decides what may replace its keyword. */
type DeclarationSlot = 'statement-list' | 'single-statement' | 'for-head';

/**
 * Replace `source[start, end)` by `text`; an insertion when `start === end`. Edits at one position
 * apply in the order of `rank` (default 0), then in the order they were made: a run opens (rank -1)
 * before the edits of its first statement and closes (rank 1) after those of its last.
 */
interface SourceEdit {
  readonly start: number;
  readonly end: number;
  readonly text: string;
  readonly rank?: number;
}

interface RewriteState {
  readonly source: string;
  readonly edits: SourceEdit[];
  readonly declaredNames: Set<string>;
  /** Names of `let x;` declarations, set to `undefined` as the cell starts, as a fresh `let` would be. */
  readonly resetNames: string[];
}

/**
 * Rewrites one REPL cell so that state persists across cells evaluated one after another in one
 * global scope, top-level `await` works and the last bare expression is the cell's value:
 *
 * - the script starts with `var a, b, …;` declaring every name the cell declares as a global (a `var`
 *   may be redeclared, so cells may repeat `let x = …`), then `x = void 0;` for every `let x;`;
 * - top-level `let`/`const`, and every `var` outside nested functions (as in a real script), become
 *   assignments to those globals by overwriting the keyword with text of its length:
 *   `let {a} = o` → `;0, {a} = o` (the `0,` keeps a leading `{` from opening a block, the `;` keeps
 *   the previous line, when it has no semicolon, from being called); `let x;` resets `x` to
 *   `undefined` when the cell starts, while a bare `var x;` keeps the value, as `var` does;
 * - `class C {}` → `;C = class C {};`;
 * - top-level function declarations stay where they are, at the top level of the script: hoisted
 *   there, they are the global bindings themselves. So they are callable before their line (and
 *   call each other), and every function looks its neighbours up in the global scope when it runs:
 *   a later cell's `function parse() {…}` replaces `parse` for the functions of earlier cells too;
 * - every run of the other top-level statements (runs are separated by function declarations) is
 *   the body of an async arrow function called at once, `(async () => {RUN})()`, so `await` works;
 * - the last top-level statement, when it is an expression, becomes `return (…);` in the last run.
 *
 * A cell without top-level functions is one run, and its script is
 * `var a, b; (async () => {CELL\n})()`, which evaluates to that run's promise. A cell whose functions
 * leave several runs, or end it, chains its runs through a temporary global property,
 * `__rlmCell`: each run but the first starts with `await this.__rlmCell;` (the previous run), so the
 * runs run in order and an error rejects every later run without running it, and the script ends
 * with `[this.__rlmCell, delete this.__rlmCell][0]`, which evaluates to the last run's promise:
 *
 *     let data = await load()    var data, f; this.__rlmCell = (async () => {;0, data = await load()})();
 *     function f() { … }         function f() { … }this.__rlmCell = (async () => {await this.__rlmCell;
 *     f(data)                    return (f(data));
 *                                })(); [this.__rlmCell, delete this.__rlmCell][0]
 *
 * `__rlmCell` is assigned after the first run's synchronous start and deleted before the script
 * returns, so model code never sees it; a model's own `__rlmCell` would be lost. A cell with neither
 * runs nor functions evaluates to `(async () => {})()`. The script's completion value is therefore
 * always a Promise of the cell's value.
 *
 * Text is inserted only on the first line, after the last, and at the start and end of runs next to
 * function declarations, or replaces keywords with text of the same length, so line numbers stay
 * those of the cell. Columns shift only on a line where a class, a run's start or end, or the final
 * `return (` is inserted before them mid-line.
 *
 * Known limits: `const` is not immutable (it becomes an assignment). `let`, `const`, classes and
 * Annex B functions in blocks stay local to their block, as do `for (let …)` loop variables. A
 * top-level function cannot replace a global that is a non-configurable accessor (the environments'
 * reserved names): the script then fails before anything runs, or, in Node's `vm`, leaves the
 * accessor. The script must be evaluated at global scope: the chain relies on `this` being the
 * global object there.
 */
export function rewriteJavaScriptCell(source: string): RewrittenJavaScriptCell | JavaScriptCellSyntaxError {
  let program: Program;
  try {
    program = parse(source, PARSE_OPTIONS);
  } catch (error) {
    return { ok: false, error: describeSyntaxError(error, source) };
  }
  const state: RewriteState = { source, edits: [], declaredNames: new Set(), resetNames: [] };
  visit(program, 'statement-list', false, state);
  returnLastExpression(program, state);
  const suffix = wrapRuns(program, state);

  const names = [...state.declaredNames];
  const globalDeclarations = names.length > 0 ? `var ${names.join(', ')}; ` : '';
  const resets = state.resetNames.map((name) => `${name} = void 0; `).join('');
  const prefix = `${globalDeclarations}${resets}`;
  const code = `${prefix}${applyEdits(source, state.edits)}${suffix}`;
  const insertedAtStart = state.edits
    .filter((edit) => edit.end === 0)
    .reduce((sum, e) => sum + e.text.length, 0);
  return { ok: true, code, declaredNames: names, firstLineColumnOffset: prefix.length + insertedAtStart };
}

/** The temporary global that chains the runs of a cell; see {@link rewriteJavaScriptCell}. */
const CHAIN = 'this.__rlmCell';

/** Top-level statements, other than function declarations, that follow one another. */
interface Run {
  /** Where the run opens: 0, or the end of the function declaration before it. */
  readonly openAt: number;
  last: Node;
}

/**
 * Wraps every run of top-level statements between function declarations in an async arrow function
 * called at once, chaining the runs when there are several, and returns the text to append to the
 * cell. The text starts on a new line: the cell may end in a line comment.
 */
function wrapRuns(program: Program, state: RewriteState): string {
  const runs: Run[] = [];
  let current: Run | undefined;
  let openAt = 0;
  for (const statement of program.body) {
    // Empty statements are at home anywhere: they neither open nor extend a run.
    if (statement.type === 'EmptyStatement') continue;
    if (statement.type === 'FunctionDeclaration') {
      current = undefined;
      openAt = statement.end;
    } else if (current) {
      current.last = statement;
    } else {
      current = { openAt, last: statement };
      runs.push(current);
    }
  }
  if (runs.length === 0) return '\n(async () => {})()';
  // `current` is the run that ends the cell, if one does: the suffix closes it.
  if (runs.length === 1 && current) {
    insert(state, current.openAt, '(async () => {', -1);
    return '\n})()';
  }
  for (const [index, run] of runs.entries()) {
    insert(state, run.openAt, `${CHAIN} = (async () => {${index > 0 ? `await ${CHAIN};` : ''}`, -1);
    // A `}` ends the run's last statement when it lacks its semicolon.
    if (run !== current) insert(state, run.last.end, '})();', 1);
  }
  const lastPromise = `[${CHAIN}, delete ${CHAIN}][0]`;
  return current ? `\n})(); ${lastPromise}` : `\n${lastPromise}`;
}

/** Walks the statements of the cell, stopping at nested functions and classes: their scopes are their own. */
function visit(node: Node, slot: DeclarationSlot, topLevel: boolean, state: RewriteState): void {
  switch (node.type) {
    case 'FunctionDeclaration':
      // It stays at the top level of the script (see `wrapRuns`), where it is the global itself.
      if (topLevel) state.declaredNames.add((node as FunctionDeclaration).id.name);
      return;
    case 'ClassDeclaration':
      if (topLevel) assignClassToGlobal(node as ClassDeclaration, state);
      return;
    case 'FunctionExpression':
    case 'ArrowFunctionExpression':
    case 'ClassExpression':
      return;
    case 'VariableDeclaration': {
      const declaration = node as VariableDeclaration;
      const { kind } = declaration;
      if (kind === 'var' || (topLevel && (kind === 'let' || kind === 'const'))) {
        assignDeclarationToGlobals(declaration, slot, state);
      }
      return;
    }
  }
  const childrenAreTopLevel = node.type === 'Program';
  for (const [key, value] of Object.entries(node)) {
    if (Array.isArray(value)) {
      // The only arrays that can hold a declaration are statement lists (bodies, `case` consequents).
      for (const child of value)
        if (isNode(child)) visit(child, 'statement-list', childrenAreTopLevel, state);
    } else if (isNode(value)) {
      visit(value, isForHead(node, key) ? 'for-head' : 'single-statement', childrenAreTopLevel, state);
    }
  }
}

function assignDeclarationToGlobals(
  declaration: VariableDeclaration,
  slot: DeclarationSlot,
  state: RewriteState,
) {
  const { kind, declarations, start } = declaration;
  // `for (var x of xs)` → `for (    x of xs)`: a for head takes an assignment target as it is.
  const opening = { 'statement-list': ';0,', 'single-statement': '0,', 'for-head': '' }[slot];
  state.edits.push({ start, end: start + kind.length, text: opening.padEnd(kind.length) });
  for (const declarator of declarations) {
    collectPatternNames(declarator.id, state.declaredNames);
    if (!declarator.init && kind !== 'var' && declarator.id.type === 'Identifier') {
      state.resetNames.push(declarator.id.name);
    }
  }
}

function assignClassToGlobal(declaration: ClassDeclaration, state: RewriteState) {
  const { name } = declaration.id;
  state.declaredNames.add(name);
  insert(state, declaration.start, `;${name} = `);
  // A class expression, unlike a declaration, would be called by a `(` on the next line.
  if (state.source[declaration.end] !== ';') insert(state, declaration.end, ';');
}

function returnLastExpression(program: Program, state: RewriteState) {
  const last = program.body.findLast((statement) => statement.type !== 'EmptyStatement');
  if (last?.type !== 'ExpressionStatement') return;
  // Wrap the whole statement, not `last.expression`: acorn leaves the parentheses of `({a: 1})` out of it.
  const hasSemicolon = state.source[last.end - 1] === ';';
  insert(state, last.start, 'return (');
  insert(state, hasSemicolon ? last.end - 1 : last.end, hasSemicolon ? ')' : ');');
}

function collectPatternNames(pattern: Pattern, names: Set<string>): void {
  switch (pattern.type) {
    case 'Identifier':
      names.add(pattern.name);
      return;
    case 'ObjectPattern':
      for (const property of pattern.properties) {
        collectPatternNames(property.type === 'RestElement' ? property : property.value, names);
      }
      return;
    case 'ArrayPattern':
      for (const element of pattern.elements) if (element) collectPatternNames(element, names);
      return;
    case 'RestElement':
      collectPatternNames(pattern.argument, names);
      return;
    case 'AssignmentPattern':
      collectPatternNames(pattern.left, names);
      return;
  }
}

function isForHead(node: Node, key: string): boolean {
  return (
    (node.type === 'ForStatement' && key === 'init') ||
    (/^For(In|Of)Statement$/.test(node.type) && key === 'left')
  );
}

function isNode(value: unknown): value is Node {
  return typeof value === 'object' && value !== null && typeof (value as Node).type === 'string';
}

function insert(state: RewriteState, position: number, text: string, rank = 0) {
  state.edits.push({ start: position, end: position, text, rank });
}

function applyEdits(source: string, edits: readonly SourceEdit[]): string {
  // `sort` is stable: edits at one position and of one rank keep the order they were made in.
  const ordered = [...edits].sort((a, b) => a.start - b.start || (a.rank ?? 0) - (b.rank ?? 0));
  let result = '';
  let cursor = 0;
  for (const edit of ordered) {
    result += source.slice(cursor, edit.start) + edit.text;
    cursor = edit.end;
  }
  return result + source.slice(cursor);
}

/** What the model should do instead, for mistakes models make when they take a cell for something else. */
const SYNTAX_ERROR_HINTS: ReadonlyArray<readonly [RegExp, string]> = [
  [
    /'return' outside of function/,
    'A cell is a script, not a function body: end it with a bare expression to make that its value.',
  ],
  [
    /'import' and 'export'/,
    'A cell is a script, not a module: `import` and `export` declarations are not available.',
  ],
];

const EXCERPT_RADIUS = 60;

function describeSyntaxError(error: unknown, source: string): CellError {
  if (!(error instanceof SyntaxError) || !hasLocation(error)) throw error;
  const { line } = error.loc;
  const column = error.loc.column + 1;
  const reason = error.message.replace(/ \(\d+:\d+\)$/, '');
  const hint = SYNTAX_ERROR_HINTS.find(([pattern]) => pattern.test(reason))?.[1];
  const text = source.split(/\r\n|[\n\r\u2028\u2029]/)[line - 1] ?? '';
  // Long lines (inlined data) are cut around the error, and the caret keeps the line's tabs.
  const from = Math.max(0, column - 1 - EXCERPT_RADIUS);
  const excerpt = text.slice(from, column - 1 + EXCERPT_RADIUS);
  const caret = `${text.slice(from, column - 1).replace(/[^\t]/g, ' ')}^`;
  const message = `${reason} at line ${line}, column ${column}${hint ? `. ${hint}` : ''}\n  ${excerpt}\n  ${caret}`;
  return { kind: 'syntax', name: 'SyntaxError', message, line, column };
}

function hasLocation(error: SyntaxError): error is SyntaxError & { loc: { line: number; column: number } } {
  const { loc } = error as { loc?: { line?: unknown; column?: unknown } };
  return typeof loc?.line === 'number' && typeof loc.column === 'number';
}
