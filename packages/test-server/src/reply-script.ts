import { InvalidArgumentError } from '@rlm/core';
import type { RecordedRequest } from './recorded-request';
import { assertScriptedReply, type ScriptedReply } from './scripted-reply';

/** Answers a request with a scripted reply; may be async. */
export type Responder = (request: RecordedRequest) => ScriptedReply | Promise<ScriptedReply>;

/** The reply for one request, or why the script could not give one. */
export type ScriptOutcome = { readonly reply: ScriptedReply } | { readonly problem: string };

/**
 * What the server answers with: queued replies first, in order, then the respond function. A test
 * can so queue a one-off fault in front of a responder that otherwise answers normally.
 */
export class ReplyScript {
  private readonly queue: ScriptedReply[] = [];
  private responder: Responder | undefined;
  private repliesTaken = 0;

  constructor(responder: Responder | undefined, replies: readonly ScriptedReply[] | undefined) {
    if (responder !== undefined) this.setResponder(responder, 'respond');
    if (replies !== undefined) this.enqueueAll(replies, 'replies');
  }

  /** Replaces the respond function; queued replies still go first. */
  setResponder(responder: Responder, argument = 'setResponder(respond)'): void {
    if (typeof responder !== 'function') {
      throw new InvalidArgumentError({
        argument,
        message: `${argument} must be a function (request) => ScriptedReply, got ${typeof responder}.`,
      });
    }
    this.responder = responder;
  }

  /** Appends replies to the queue, checking each first. */
  enqueueAll(replies: readonly ScriptedReply[], argument = 'enqueue'): void {
    if (!Array.isArray(replies)) {
      throw new InvalidArgumentError({
        argument,
        message: `${argument} must be an array of scripted replies, got ${typeof replies}.`,
      });
    }
    replies.forEach((reply, index) => {
      assertScriptedReply(reply, `${argument}[${index}]`);
    });
    this.queue.push(...replies);
  }

  /** The reply for `request` (the `number`-th the server recorded, from 1). Never throws. */
  async next(request: RecordedRequest, number: number): Promise<ScriptOutcome> {
    const where = `request ${number} (${request.method} ${request.path}, model '${request.model}')`;
    const queued = this.queue.shift();
    if (queued !== undefined) {
      this.repliesTaken += 1;
      return { reply: queued };
    }
    if (this.responder === undefined) {
      return {
        problem:
          this.repliesTaken === 0
            ? `rlm test server: nothing scripted for ${where}. Pass respond or replies to startTestServer, or call server.enqueue(...) / server.setResponder(...).`
            : `rlm test server: no scripted reply left for ${where}: all ${this.repliesTaken} queued replies were used. Queue more with server.enqueue(...) or answer with a function via server.setResponder(...).`,
      };
    }
    let reply: unknown;
    try {
      reply = await this.responder(request);
    } catch (error) {
      return {
        problem: `rlm test server: the respond function threw for ${where}: ${error instanceof Error ? error.message : String(error)}`,
      };
    }
    try {
      assertScriptedReply(reply, 'the reply');
    } catch (error) {
      return {
        problem: `rlm test server: the respond function gave an invalid reply for ${where}: ${(error as Error).message}`,
      };
    }
    return { reply };
  }
}
