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
  let lineCache: { lines: string[]; starts: number[] }[] = [];

  const linesOf = (index: number) => {
    let cached = lineCache[index];
    if (!cached) {
      const lines = texts[index]!.split('\n');
      const starts = new Array<number>(lines.length);
      let start = 0;
      for (let i = 0; i < lines.length; i++) {
        starts[i] = start;
        start += lines[i]!.length + 1;
        if (lines[i]!.charCodeAt(lines[i]!.length - 1) === 13) lines[i] = lines[i]!.slice(0, -1);
      }
      cached = { lines, starts };
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
      const matches: GrepWorkerMatch[] = [];
      let totalMatches = 0;
      for (let document = 0; document < texts.length; document++) {
        const { lines, starts } = linesOf(document);
        for (let i = 0; i < lines.length; i++) {
          const line = lines[i]!;
          if (matches.length >= request.maxMatches) {
            if (pattern.test(line)) totalMatches++;
            continue;
          }
          const found = pattern.exec(line);
          if (!found) continue;
          totalMatches++;
          const around = (from: number, to: number) =>
            lines
              .slice(Math.max(0, from), Math.max(0, to))
              .map((text) => cut(text, 0, 0, request.maxLineChars));
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
