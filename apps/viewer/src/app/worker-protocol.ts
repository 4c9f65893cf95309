import type { TextField } from '../model/page-copy';
import type { RunModel } from '../model/run-model';
import type { SearchHit } from '../model/search-run';

/** What the page asks the worker. */
export type PageRequest =
  | { type: 'open'; mode: 'file' | 'live' }
  | { type: 'text'; request: number; id: number; field: TextField }
  | { type: 'search'; request: number; query: string };

/** What the worker tells the page. */
export type WorkerMessage =
  | { type: 'progress'; bytes: number; totalBytes: number | undefined; lines: number }
  | {
      type: 'model';
      model: RunModel;
      /** `live`: a run in progress; `saved`: the file (or, after a live run, its saved trajectory). */
      phase: 'live' | 'saved';
      /** Milliseconds the worker took to read and build it (files). */
      readMs?: number;
    }
  | { type: 'failed'; message: string }
  | { type: 'text'; request: number; text: string | undefined }
  | { type: 'search'; request: number; query: string; hits: SearchHit[]; total: number };
