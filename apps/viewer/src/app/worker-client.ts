import type { TextField } from '../model/page-copy';
import type { SearchHit } from '../model/search-run';
import type { PageRequest, WorkerMessage } from './worker-protocol';

/** The page's side of the worker: whole texts and searches as promises, the rest to `onMessage`. */
export class WorkerClient {
  private readonly worker = new Worker('/worker.js');
  private nextRequest = 1;
  private readonly waiting = new Map<number, (message: WorkerMessage) => void>();

  constructor(onMessage: (message: WorkerMessage) => void) {
    this.worker.onmessage = (event: MessageEvent<WorkerMessage>) => {
      const message = event.data;
      if ((message.type === 'text' || message.type === 'search') && this.waiting.has(message.request)) {
        this.waiting.get(message.request)?.(message);
        this.waiting.delete(message.request);
        return;
      }
      onMessage(message);
    };
    this.worker.onerror = (event) =>
      onMessage({ type: 'failed', message: event.message || 'The reader failed.' });
  }

  open(mode: 'file' | 'live'): void {
    this.send({ type: 'open', mode });
  }

  text(id: number, field: TextField): Promise<string | undefined> {
    const request = this.nextRequest++;
    return new Promise((resolve) => {
      this.waiting.set(request, (message) => resolve(message.type === 'text' ? message.text : undefined));
      this.send({ type: 'text', request, id, field });
    });
  }

  search(query: string): Promise<{ hits: SearchHit[]; total: number }> {
    const request = this.nextRequest++;
    return new Promise((resolve) => {
      this.waiting.set(request, (message) =>
        resolve(
          message.type === 'search' ? { hits: message.hits, total: message.total } : { hits: [], total: 0 },
        ),
      );
      this.send({ type: 'search', request, query });
    });
  }

  private send(request: PageRequest): void {
    this.worker.postMessage(request);
  }
}
