import { type BenchDocument, type BenchInstance, charactersFor, documentsInText } from './bench-instance';
import { SeededRandom } from './seeded-random';

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function definitionPattern(name: string): RegExp {
  return new RegExp(
    `^\\s*(?:export\\s+)?(?:default\\s+)?(?:async\\s+)?(?:function\\*?|class)\\s+${escapeRegExp(name)}\\b`,
    'm',
  );
}

/** Names of the functions and classes a file declares at the start of a line. */
export function declaredNames(file: BenchDocument): string[] {
  const declaration =
    /^\s*(?:export\s+)?(?:default\s+)?(?:async\s+)?(?:function\*?|class)\s+([A-Za-z_$][\w$]*)/gm;
  return [...file.text.matchAll(declaration)].map((match) => match[1] as string);
}

/** The files that declare `name`. */
export function filesDefining(files: readonly BenchDocument[], name: string): string[] {
  const pattern = definitionPattern(name);
  return files.filter((file) => pattern.test(file.text)).map((file) => file.path);
}

/** Whether `file` calls `name(` (not as a method `.name(`) on a line that is not its declaration. */
export function fileCalls(file: BenchDocument, name: string): boolean {
  const call = new RegExp(`(?<![\\w$.])${escapeRegExp(name)}\\s*\\(`);
  const definition = definitionPattern(name);
  return file.text.split('\n').some((line) => call.test(line) && !definition.test(line));
}

/** How many `package.json` files list `dependency` in dependencies, devDependencies or peerDependencies. */
export function packagesDependingOn(files: readonly BenchDocument[], dependency: string): number {
  return files.filter((file) => dependenciesOf(file).includes(dependency)).length;
}

function dependenciesOf(file: BenchDocument): string[] {
  if (!/(^|\/)package\.json$/.test(file.path)) return [];
  try {
    const manifest = JSON.parse(file.text) as Record<string, unknown>;
    return ['dependencies', 'devDependencies', 'peerDependencies'].flatMap((field) => {
      const value = manifest[field];
      return value && typeof value === 'object' ? Object.keys(value) : [];
    });
  } catch {
    return [];
  }
}

/**
 * The files of the code base in the context, in a seeded order up to the size: package.json files
 * first (up to half the size, so that the dependency questions have manifests to count), then others.
 */
function chooseFiles(
  random: SeededRandom,
  allFiles: readonly BenchDocument[],
  characters: number,
): BenchDocument[] {
  const isManifest = (file: BenchDocument) => /(^|\/)package\.json$/.test(file.path);
  const chosen: BenchDocument[] = [];
  let length = 0;
  const take = (files: readonly BenchDocument[], limit: number) => {
    for (const file of files) {
      const size = file.text.length + 2 * file.path.length + 30;
      if (length + size > limit && chosen.length > 0) continue;
      chosen.push(file);
      length += size;
      if (length >= limit) break;
    }
  };
  take(random.shuffle(allFiles.filter(isManifest)), characters / 2);
  take(random.shuffle(allFiles.filter((file) => !isManifest(file))), characters);
  return chosen.sort((a, b) => a.path.localeCompare(b.path));
}

interface CodeQuery {
  readonly question: string;
  readonly solve: (files: readonly BenchDocument[]) => string;
}

function chooseQuery(random: SeededRandom, index: number, files: readonly BenchDocument[]): CodeQuery {
  const names = [...new Set(files.flatMap(declaredNames))].filter((name) => name.length >= 6).sort();
  const defineQuery = (): CodeQuery | undefined => {
    const unique = names.filter((name) => filesDefining(files, name).length === 1);
    if (unique.length === 0) return undefined;
    const name = random.pick(unique);
    return {
      question: `Which file defines the function or class \`${name}\`? Answer with the file's path only, as written in its header.`,
      solve: (subset) => filesDefining(subset, name)[0] ?? 'not found',
    };
  };
  if (index % 3 === 1) {
    const called = names.filter((name) => files.filter((file) => fileCalls(file, name)).length >= 2);
    if (called.length > 0) {
      const name = random.pick(called);
      return {
        question: `How many of the files call \`${name}\` (a call \`${name}(\`, not a method call \`.${name}(\`, outside the line that declares it)? Answer with the number only.`,
        solve: (subset) => String(subset.filter((file) => fileCalls(file, name)).length),
      };
    }
  }
  if (index % 3 === 2) {
    const dependencies = [...new Set(files.flatMap(dependenciesOf))].sort();
    if (dependencies.length > 0) {
      const dependency = random.pick(dependencies);
      return {
        question: `How many of the package.json files in the context list \`${dependency}\` in dependencies, devDependencies or peerDependencies? Answer with the number only.`,
        solve: (subset) => String(packagesDependingOn(subset, dependency)),
      };
    }
  }
  const query = defineQuery();
  if (!query)
    throw new Error(
      'CodeQA: the code base declares no function or class with a name of 6 or more characters to ask about.',
    );
  return query;
}

/**
 * A CodeQA-like instance over a real code base: its files up to about `sizeTokens` tokens, and a
 * question whose answer is computed from them (which file defines a function, how many files call
 * one, how many packages depend on a library). A code base smaller than the size gives all its files.
 */
export function generateCodeQaInstance(
  sizeTokens: number,
  index: number,
  seed: number,
  codeBase: readonly BenchDocument[],
): BenchInstance {
  const random = new SeededRandom(seed);
  const files = chooseFiles(random, codeBase, charactersFor(sizeTokens));
  const query = chooseQuery(random, index, files);
  return {
    id: `codeqa/${sizeTokens}/${index}`,
    family: 'codeqa',
    sizeTokens,
    index,
    context: files,
    question: `The context is a list of ${files.length} source files of a code base, each with its path. ${query.question}`,
    gold: { kind: 'exact', value: query.solve(files) },
    answerFrom: (visible) => query.solve(documentsInText(visible)),
  };
}
