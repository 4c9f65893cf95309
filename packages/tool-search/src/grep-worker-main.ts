import type { MessagePort } from 'node:worker_threads';

/** What the host sends the grep worker. */
export type GrepWorkerRequest =
  /** Starts loading a new context of `documents` texts, sent next in parts. */
  | { readonly kind: 'load-start'; readonly documents: number }
  /** Parts of texts, in order: `parts[i]` continues document `documents[i]`. */
  | { readonly kind: 'load-parts'; readonly documents: readonly number[]; readonly parts: readonly string[] }
  | {
      readonly kind: 'grep';
      readonly id: number;
      readonly source: string;
      readonly flags: string;
      readonly maxMatches: number;
      readonly contextLines: number;
      readonly maxLineChars: number;
    };

/** One matching line as the worker reports it (the host adds the document's path). */
export interface GrepWorkerMatch {
  readonly document: number;
  readonly lineNumber: number;
  readonly offset: number;
  readonly line: string;
  readonly before?: string[];
  readonly after?: string[];
}

/** What the grep worker answers. */
export type GrepWorkerResponse =
  | { readonly id: number; readonly matches: GrepWorkerMatch[]; readonly totalMatches: number }
  | { readonly id: number; readonly error: string };

/**
 * The body of the grep worker thread. It keeps the context's texts (sent once per context) and their
 * lines, and answers one grep at a time. It runs as a string (`Function.prototype.toString`), so it
 * must not use anything from outside its own body; the host terminates it when a pattern runs past
 * its time budget, which is why the matching happens here and not on the host's thread.
 */
export function grepWorkerMain(port: MessagePort): void {
  let texts: readonly string[] = [];
  let parts: string[][] = [];
  let lineCache: { lines: string[]; starts: number[]; strippedReturns: boolean }[] = [];

  const linesOf = (index: number) => {
    let cached = lineCache[index];
    if (!cached) {
      const lines = texts[index]!.split('\n');
      const starts = new Array<number>(lines.length);
      let strippedReturns = false;
      let start = 0;
      for (let i = 0; i < lines.length; i++) {
        starts[i] = start;
        start += lines[i]!.length + 1;
        if (lines[i]!.charCodeAt(lines[i]!.length - 1) === 13) {
          lines[i] = lines[i]!.slice(0, -1);
          strippedReturns = true;
        }
      }
      cached = { lines, starts, strippedReturns };
      lineCache[index] = cached;
    }
    return cached;
  };

  const cut = (line: string, at: number, length: number, maxChars: number): string => {
    if (line.length <= maxChars) return line;
    const start = Math.max(
      0,
      Math.min(at - Math.floor((maxChars - Math.min(length, maxChars)) / 2), line.length - maxChars),
    );
    const end = start + maxChars;
    return `${start > 0 ? '…' : ''}${line.slice(start, end)}${end < line.length ? '…' : ''}`;
  };

  port.on('message', (request: GrepWorkerRequest) => {
    if (request.kind === 'load-start') {
      texts = [];
      lineCache = [];
      parts = Array.from({ length: request.documents }, () => []);
      return;
    }
    if (request.kind === 'load-parts') {
      for (let i = 0; i < request.parts.length; i++) parts[request.documents[i]!]!.push(request.parts[i]!);
      return;
    }
    if (parts.length) {
      texts = parts.map((pieces) => pieces.join(''));
      parts = [];
    }
    try {
      const pattern = new RegExp(request.source, request.flags);
      // The same pattern over the whole text finds candidate lines at V8's full speed (one call per
      // candidate, not per line); each candidate line is then checked on its own, so the result is
      // exactly a per-line grep. Without \r, any line the pattern matches on its own also holds (or
      // is reached after) a whole-text match from its start, with ^ and $ at line ends (flag m).
      const scanner = new RegExp(request.source, `${request.flags.replace(/[gm]/g, '')}gm`);
      const matches: GrepWorkerMatch[] = [];
      let totalMatches = 0;
      for (let document = 0; document < texts.length; document++) {
        const text = texts[document]!;
        const { lines, starts, strippedReturns } = linesOf(document);
        const visit = (i: number) => {
          const line = lines[i]!;
          if (matches.length >= request.maxMatches) {
            if (pattern.test(line)) totalMatches++;
            return;
          }
          const found = pattern.exec(line);
          if (!found) return;
          totalMatches++;
          const around = (from: number, to: number) =>
            lines
              .slice(Math.max(0, from), Math.max(0, to))
              .map((other) => cut(other, 0, 0, request.maxLineChars));
          matches.push({
            document,
            lineNumber: i + 1,
            offset: starts[i]! + found.index,
            line: cut(line, found.index, found[0].length, request.maxLineChars),
            ...(request.contextLines > 0
              ? {
                  before: around(i - request.contextLines, i),
                  after: around(i + 1, i + 1 + request.contextLines),
                }
              : {}),
          });
        };
        // A line's \r before \n is not part of it, but $ would not match before it in the whole text.
        if (strippedReturns) {
          for (let i = 0; i < lines.length; i++) visit(i);
          continue;
        }
        let line = 0;
        scanner.lastIndex = 0;
        for (let found = scanner.exec(text); found; found = scanner.exec(text)) {
          while (line + 1 < starts.length && starts[line + 1]! <= found.index) line++;
          visit(line);
          if (line + 1 >= starts.length) break;
          scanner.lastIndex = starts[line + 1]!;
        }
      }
      port.postMessage({ id: request.id, matches, totalMatches } satisfies GrepWorkerResponse);
    } catch (error) {
      port.postMessage({
        id: request.id,
        error: error instanceof Error ? error.message : String(error),
      } satisfies GrepWorkerResponse);
    }
  });
}
