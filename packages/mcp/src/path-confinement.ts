import { realpath } from 'node:fs/promises';
import { isAbsolute, relative, resolve, sep } from 'node:path';
import { InvalidArgumentError } from '@rlm/core';

/** Characters that make an argument a glob rather than a path (as the context loader reads it). */
const GLOB_CHARACTERS = /[*?[\]{}()!]/;

/**
 * The folders a server may read, and the checks that keep every read inside them. A client names
 * paths relative to the first root (or absolute); a path whose text leaves the roots (`..`, an
 * absolute path elsewhere) is refused before anything is read, and so is one that leaves them
 * through a symbolic link, checked on its real path. The loader checks every file it is about to
 * read too ({@link checkFile}), which catches links met inside a folder or by a glob.
 */
export class PathConfinement {
  private constructor(
    /** The roots' real paths, without duplicates. */
    readonly roots: readonly string[],
  ) {}

  /** Resolves the roots to their real paths; a root that does not exist or is not a folder is a usage error. */
  static async of(roots: readonly string[], cwd: string): Promise<PathConfinement> {
    if (roots.length === 0) {
      throw new InvalidArgumentError({ argument: 'root', message: 'At least one root folder is needed.' });
    }
    const real: string[] = [];
    for (const root of roots) {
      const path = resolve(cwd, root);
      const found = await realpath(path).catch(() => undefined);
      if (found === undefined) {
        throw new InvalidArgumentError({
          argument: 'root',
          message: `The root '${root}' does not exist (looked for ${path}). Pass an existing folder with --root.`,
        });
      }
      if (!real.includes(found)) real.push(found);
    }
    return new PathConfinement(real);
  }

  /** The folder relative paths are read from: the first root. */
  get base(): string {
    return this.roots[0]!;
  }

  /**
   * The absolute form of a client's path or glob, after checking that it stays inside the roots.
   * Throws an `InvalidArgumentError` that names the path and the roots.
   */
  async confine(input: string): Promise<string> {
    if (input.trim() === '' || input === '-') {
      throw new InvalidArgumentError({
        argument: 'paths',
        message: `'${input}' is not a path. Name files, folders or globs inside ${this.describeRoots()}.`,
      });
    }
    const absolute = resolve(this.base, input);
    const glob = GLOB_CHARACTERS.test(input);
    // `resolve` has taken out every `..` (the loader gets this form), so a glob is checked on the
    // folders before its first wildcard; what the wildcards match is checked file by file.
    const fixedPart = glob ? staticPrefix(absolute) : absolute;
    if (!this.containsReal(fixedPart)) throw this.outside(input, absolute);
    const real = await realpath(fixedPart).catch(() => undefined);
    // A path that does not exist is left to the loader, which says so; one that does must really be inside.
    if (real !== undefined && !this.containsReal(real)) throw this.outside(input, absolute, real);
    return absolute;
  }

  /** Throws unless the file's real path is inside a root (the loader calls it before each read). */
  async checkFile(path: string): Promise<void> {
    const real = await realpath(path).catch(() => path);
    if (!this.containsReal(real)) throw this.outside(path, path, real);
  }

  /** Whether a path (lexical or real) is inside a root; the roots are real paths. */
  private containsReal(path: string): boolean {
    return this.roots.some((root) => isInside(root, path));
  }

  private describeRoots(): string {
    return this.roots.length === 1 ? `the root ${this.roots[0]}` : `the roots ${this.roots.join(', ')}`;
  }

  private outside(input: string, absolute: string, real?: string): InvalidArgumentError {
    const via = real !== undefined && real !== absolute ? ` (a symbolic link to ${real})` : '';
    return new InvalidArgumentError({
      argument: 'paths',
      message:
        `'${input}' is outside the folders this server may read: it resolves to ${absolute}${via}, not inside ${this.describeRoots()}. ` +
        'Name a path inside them (relative paths start from the first root), or restart the server with another --root.',
    });
  }
}

function isInside(root: string, path: string): boolean {
  const from = relative(root, path);
  return from === '' || (!from.startsWith(`..${sep}`) && from !== '..' && !isAbsolute(from));
}

/** The folders of a glob before its first wildcard: `/a/b/*.ts` → `/a/b`. */
function staticPrefix(absoluteGlob: string): string {
  const parts = absoluteGlob.split(sep);
  const fixed: string[] = [];
  for (const part of parts) {
    if (GLOB_CHARACTERS.test(part)) break;
    fixed.push(part);
  }
  return fixed.join(sep) || sep;
}
