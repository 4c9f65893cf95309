#!/usr/bin/env node
// Turns every sandbox program (`src/**/*.sandbox.js`: code that runs inside a sandbox, not in the host;
// and `src/**/*.sandbox.py`, Python that runs inside one) into a TypeScript module beside it,
// `*.sandbox.generated.ts`, that exports the program's text as a string. The programs stay real source files, linted and type-checked like the rest; the packages
// import the generated modules, so tests, the type check and the built output all see the same text
// and nothing has to find a file at run time. The generated modules are build output, ignored by git:
// the root's `postinstall` (so a fresh clone has them before any test or type check) and the build of
// each package that has programs write them.
//
// The embedded text is the program without its comments and indentation (line breaks are kept, so a
// line number in a sandbox's stack trace is the line in the file). Every sandbox holds this text for
// as long as it lives (QuickJS keeps each function's source for \`toString\`), inside the memory
// limit model code gets: what the prelude holds is taken from that.
//
//   node scripts/embed-sandbox-sources.mjs [--check] [package directory…]
//
// Without directories it covers every package of the repository. `--check` writes nothing and fails,
// naming them, when a generated module is missing or differs from what its program makes.
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const PROGRAM_SUFFIX = '.sandbox.js';
/** Python programs are embedded as they are: their indentation is their syntax. */
const PYTHON_PROGRAM_SUFFIX = '.sandbox.py';
const MODULE_SUFFIX = '.sandbox.generated.ts';

// The JavaScript parser core already depends on (for rewriting cells), so that comments are found by
// a real tokenizer, never inside strings, templates or regular expressions.
const acorn = createRequire(join(ROOT, 'packages/core/package.json'))('acorn');

function parse(text, onComment) {
  const options = { ecmaVersion: 'latest', allowHashBang: true, onComment };
  try {
    return acorn.parse(text, { ...options, sourceType: 'module' });
  } catch {
    onComment.length = 0;
    return acorn.parse(text, { ...options, sourceType: 'script' });
  }
}

/** The [start, end) ranges of the string, regular-expression and template literals in a parsed program. */
function literalRanges(node, ranges = []) {
  if (node === null || typeof node !== 'object') return ranges;
  if (Array.isArray(node)) {
    for (const item of node) literalRanges(item, ranges);
    return ranges;
  }
  if (node.type === 'Literal' || node.type === 'TemplateLiteral') ranges.push([node.start, node.end]);
  for (const [key, value] of Object.entries(node)) {
    if (key !== 'type' && key !== 'start' && key !== 'end') literalRanges(value, ranges);
  }
  return ranges;
}

/**
 * `text` without its comments and without the indentation of its lines: each comment leaves its line
 * breaks (and the spaces before it go too), and no line break is added or removed, so line numbers
 * stay those of the file. Text inside string and template literals is left as it is.
 */
export function compactProgram(text) {
  const comments = [];
  const literals = literalRanges(parse(text, comments));
  const insideLiteral = (offset) => literals.some(([start, end]) => offset > start && offset < end);
  let result = '';
  let atLineStart = true;
  let next = 0;
  for (let offset = 0; offset < text.length; offset++) {
    const comment = comments[next];
    if (comment !== undefined && comment.start === offset) {
      next++;
      result = result.replace(/[ \t]+$/, '');
      const lineBreaks = text.slice(comment.start, comment.end).replaceAll(/[^\n]/g, '');
      result += lineBreaks;
      if (lineBreaks.length > 0) atLineStart = true;
      offset = comment.end - 1;
      continue;
    }
    const character = text[offset];
    if (atLineStart && (character === ' ' || character === '\t') && !insideLiteral(offset)) continue;
    result += character;
    atLineStart = character === '\n';
  }
  return result;
}

/** The syntax tree of a program without positions and raw texts: equal for equal programs. */
function shapeOf(text) {
  const tree = parse(text, []);
  return JSON.stringify(tree, (key, value) => {
    if (key === 'start' || key === 'end' || key === 'raw') return undefined;
    return typeof value === 'bigint' ? `${value}n` : value;
  });
}

/** `javascript-prelude.sandbox.js` → `JAVASCRIPT_PRELUDE_PROGRAM`; `python-repl.sandbox.py` → `PYTHON_REPL_PROGRAM`. */
export function constantNameOf(programFile) {
  const stem = basename(
    programFile,
    programFile.endsWith(PYTHON_PROGRAM_SUFFIX) ? PYTHON_PROGRAM_SUFFIX : PROGRAM_SUFFIX,
  );
  return `${stem.replaceAll(/[^A-Za-z0-9]+/g, '_').toUpperCase()}_PROGRAM`;
}

/** The generated module for a program: its compacted text (see {@link compactProgram}) in a template literal. */
export function generatedModule(programFile, text) {
  const normalized = text.replaceAll('\r\n', '\n');
  const python = programFile.endsWith(PYTHON_PROGRAM_SUFFIX);
  const embedded = python ? normalized : compactProgram(normalized);
  if (!python && shapeOf(embedded) !== shapeOf(normalized)) {
    throw new Error(`${programFile}: the program without comments and indentation is not the same program.`);
  }
  const escaped = embedded.replaceAll('\\', '\\\\').replaceAll('`', '\\`').replaceAll('${', '\\${');
  const name = basename(programFile);
  return [
    `// Generated from ${name} by scripts/embed-sandbox-sources.mjs (run on install and by this package's build): do not edit.`,
    '',
    python
      ? `/** The text of \`${name}\`: Python that runs inside the sandbox. */`
      : `/** The text of \`${name}\` without comments and indentation: a program that runs inside the sandbox. */`,
    `export const ${constantNameOf(programFile)}: string = \`${escaped}\`;`,
    '',
  ].join('\n');
}

function programsUnder(directory) {
  const found = [];
  for (const entry of readdirSync(directory, { withFileTypes: true })) {
    if (entry.name === 'node_modules' || entry.name === 'dist' || entry.name.startsWith('.')) continue;
    const path = join(directory, entry.name);
    if (entry.isDirectory()) found.push(...programsUnder(path));
    else if (entry.name.endsWith(PROGRAM_SUFFIX) || entry.name.endsWith(PYTHON_PROGRAM_SUFFIX))
      found.push(path);
  }
  return found;
}

function packageDirectories() {
  const directories = [];
  for (const group of ['packages', 'apps']) {
    for (const entry of readdirSync(join(ROOT, group), { withFileTypes: true })) {
      if (entry.isDirectory()) directories.push(join(ROOT, group, entry.name));
    }
  }
  return directories;
}

function main(argv) {
  const check = argv.includes('--check');
  const given = argv.filter((argument) => argument !== '--check');
  const directories = given.length > 0 ? given.map((directory) => resolve(directory)) : packageDirectories();
  const stale = [];
  for (const directory of directories) {
    let programs;
    try {
      programs = programsUnder(join(directory, 'src'));
    } catch {
      continue;
    }
    for (const program of programs) {
      const suffix = program.endsWith(PYTHON_PROGRAM_SUFFIX) ? PYTHON_PROGRAM_SUFFIX : PROGRAM_SUFFIX;
      const target = program.slice(0, -suffix.length) + MODULE_SUFFIX;
      const wanted = generatedModule(program, readFileSync(program, 'utf8'));
      let current;
      try {
        current = readFileSync(target, 'utf8');
      } catch {
        current = undefined;
      }
      if (current === wanted) continue;
      if (check) stale.push(relative(ROOT, target));
      else writeFileSync(target, wanted);
    }
  }
  if (stale.length > 0) {
    console.error(
      `These generated modules do not match their sandbox programs: ${stale.join(', ')}.\nRun \`node scripts/embed-sandbox-sources.mjs\` (pnpm install and each package's build run it too). The generated modules are not committed.`,
    );
    process.exitCode = 1;
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url))
  main(process.argv.slice(2));
