/// <reference lib="webworker" />
import type { RLMEvent } from '@rlm/core';
import { LiveRunBuilder } from '../model/live-run-builder';
import { type IndexedNode, indexNodes, pageCopy, textOf } from '../model/page-copy';
import { TrajectoryReader } from '../model/read-trajectory';
import type { RunModel } from '../model/run-model';
import { searchRun } from '../model/search-run';
import type { PageRequest, WorkerMessage } from './worker-protocol';

/*
 * The page's data lives here, off the page's thread: the worker streams the file, parses it line
 * by line and keeps every text whole; the page gets a copy with long texts cut (see page-copy.ts)
 * and asks for a whole text or a search when it needs one. So a 100 MB file is parsed without
 * freezing the tab, and held once.
 */
const scope = self as unknown as DedicatedWorkerGlobalScope;
let index = new Map<number, IndexedNode>();

function post(message: WorkerMessage): void {
  scope.postMessage(message);
}

function publish(model: RunModel, phase: 'live' | 'saved', readMs?: number): void {
  index = indexNodes(model.root);
  post({ type: 'model', model: pageCopy(model), phase, ...(readMs !== undefined ? { readMs } : {}) });
}

async function openFile(): Promise<void> {
  const started = performance.now();
  const response = await fetch('/api/trajectory');
  if (!response.ok || !response.body) {
    post({ type: 'failed', message: (await response.text()) || `The server answered ${response.status}.` });
    return;
  }
  const name = response.headers.get('x-rlm-file-name') ?? undefined;
  const totalBytes = Number(response.headers.get('content-length')) || undefined;
  const reader = new TrajectoryReader(name);
  const decoder = new TextDecoder();
  const stream = response.body.getReader();
  let pending = '';
  let bytes = 0;
  let lines = 0;
  let lastProgress = 0;
  for (;;) {
    const { done, value } = await stream.read();
    if (done) break;
    bytes += value.byteLength;
    pending += decoder.decode(value, { stream: true });
    let newline = pending.indexOf('\n');
    let start = 0;
    while (newline !== -1) {
      reader.push(pending.slice(start, newline));
      lines++;
      start = newline + 1;
      newline = pending.indexOf('\n', start);
    }
    pending = pending.slice(start);
    const now = performance.now();
    if (now - lastProgress > 100) {
      lastProgress = now;
      post({ type: 'progress', bytes, totalBytes, lines });
    }
  }
  pending += decoder.decode();
  if (pending.trim() !== '') reader.push(pending, true);
  publish(reader.finish(), 'saved', performance.now() - started);
}

function openLive(): void {
  const builder = new LiveRunBuilder();
  const source = new EventSource('/api/events');
  let scheduled = false;
  const flush = () => {
    scheduled = false;
    const model = builder.model();
    if (model) publish(model, 'live');
  };
  source.onmessage = (message) => {
    builder.add(JSON.parse(message.data) as RLMEvent);
    if (!scheduled) {
      scheduled = true;
      setTimeout(flush, 150);
    }
  };
  source.addEventListener('end', () => {
    source.close();
    flush();
    // The run is over: the saved trajectory replaces the sketch the events made.
    openFile().catch(fail);
  });
}

function fail(error: unknown): void {
  post({ type: 'failed', message: error instanceof Error ? error.message : String(error) });
}

scope.onmessage = (message: MessageEvent<PageRequest>) => {
  const request = message.data;
  try {
    if (request.type === 'open') {
      if (request.mode === 'live') openLive();
      else openFile().catch(fail);
    } else if (request.type === 'text') {
      post({ type: 'text', request: request.request, text: textOf(index.get(request.id), request.field) });
    } else if (request.type === 'search') {
      const { hits, total } = searchRun(index, request.query);
      post({ type: 'search', request: request.request, query: request.query, hits, total });
    }
  } catch (error) {
    fail(error);
  }
};
