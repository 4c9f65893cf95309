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

/** Replace `source[start, end)` by `text`; an insertion when `start === end`. */
interface SourceEdit {
  readonly start: number;
  readonly end: number;
  readonly text: string;
}

interface RewriteState {
  readonly source: string;
  readonly edits: SourceEdit[];
  readonly declaredNames: Set<string>;
  readonly functionNames: string[];
  /** Names of `let x;` declarations, set to `undefined` as the cell starts, as a fresh `let` would be. */
  readonly resetNames: string[];
}

/**
 * Rewrites one REPL cell so that state persists across cells evaluated one after another in one
 * global scope, top-level `await` works and the last bare expression is the cell's value:
 *
 * - the cell becomes the body of `(async () => { … })()`, preceded by `var a, b, …;` declaring every
 *   name the cell declares as a global (a `var` may be redeclared, so cells may repeat `let x = …`);
 * - top-level `let`/`const`, and every `var` outside nested functions (as in a real script), become
 *   assignments to those globals by overwriting the keyword with text of its length:
 *   `let {a} = o` → `;0, {a} = o` (the `0,` keeps a leading `{` from opening a block, the `;` keeps
 *   the previous line, when it has no semicolon, from being called); `let x;` resets `x` to
 *   `undefined` when the cell starts, while a bare `var x;` keeps the value, as `var` does;
 * - `class C {}` → `;C = class C {};`;
 * - top-level function declarations stay hoisted inside the function and are copied to the global
 *   object (`this.f = f;`) before the cell's first statement, so they are callable before their line;
 * - the last top-level statement, when it is an expression, becomes `return (…);`.
 *
 * Text is inserted only on the first line and after the last, or replaces keywords with text of the
 * same length, so line numbers stay those of the cell. Columns shift only on a line where a class or
 * the final `return (` is inserted mid-line.
 *
 * Known limits: `const` is not immutable (it becomes an assignment). Inside its cell a top-level
 * function is a local of the cell, so functions of that cell keep calling it even after a later cell
 * redefines the global (the Node REPL's top-level-await rewrite behaves the same), and reassigning it
 * within the cell does not reach the global. `let`, `const`, classes and Annex B functions in blocks
 * stay local to their block, as do `for (let …)` loop variables. The script must be evaluated at
 * global scope: the function copies rely on `this` being the global object there.
 */
export function rewriteJavaScriptCell(source: string): RewrittenJavaScriptCell | JavaScriptCellSyntaxError {
  let program: Program;
  try {
    program = parse(source, PARSE_OPTIONS);
  } catch (error) {
    return { ok: false, error: describeSyntaxError(error, source) };
  }
  const state: RewriteState = {
    source,
    edits: [],
    declaredNames: new Set(),
    functionNames: [],
    resetNames: [],
  };
  visit(program, 'statement-list', false, state);
  returnLastExpression(program, state);

  const names = [...state.declaredNames];
  const globalDeclarations = names.length > 0 ? `var ${names.join(', ')}; ` : '';
  const resets = state.resetNames.map((name) => `${name} = void 0; `).join('');
  const functionCopies = state.functionNames.map((name) => `this.${name} = ${name}; `).join('');
  const prefix = `${globalDeclarations}(async () => {${resets}${functionCopies}`;
  // The suffix starts on its own line: the cell may end in a line comment.
  const code = `${prefix}${applyEdits(source, state.edits)}\n})()`;
  const insertedAtStart = state.edits
    .filter((edit) => edit.end === 0)
    .reduce((sum, e) => sum + e.text.length, 0);
  return { ok: true, code, declaredNames: names, firstLineColumnOffset: prefix.length + insertedAtStart };
}

/** Walks the statements of the cell, stopping at nested functions and classes: their scopes are their own. */
function visit(node: Node, slot: DeclarationSlot, topLevel: boolean, state: RewriteState): void {
  switch (node.type) {
    case 'FunctionDeclaration':
      if (topLevel) copyFunctionToGlobal(node as FunctionDeclaration, state);
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

function copyFunctionToGlobal(declaration: FunctionDeclaration, state: RewriteState) {
  state.declaredNames.add(declaration.id.name);
  state.functionNames.push(declaration.id.name);
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

function insert(state: RewriteState, position: number, text: string) {
  state.edits.push({ start: position, end: position, text });
}

function applyEdits(source: string, edits: readonly SourceEdit[]): string {
  // `sort` is stable: edits at one position keep the order they were made in.
  const ordered = [...edits].sort((a, b) => a.start - b.start);
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
