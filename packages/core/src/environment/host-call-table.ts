import {
  DEFAULT_MAX_HOST_CALL_CHARS_IN_FLIGHT,
  DEFAULT_MAX_HOST_CALLS_IN_FLIGHT,
} from '../javascript/javascript-prelude';
import type { JsonValue } from './context-value';
import { errorMessageOf } from './describe-cell-error';
import { parseHostCallArguments } from './parse-host-call-arguments';
import type { HostFunction } from './repl-environment';

/** How a host call ended, as the sandbox is told: the JSON text of the result, or the host's message. */
export type HostCallOutcome =
  | { readonly ok: true; readonly json: string }
  | { readonly ok: false; readonly message: string };

/** Bounds of a {@link HostCallTable}; the defaults are the prelude's own gates, checked again on the host. */
export interface HostCallLimits {
  /** Calls of the running cell the host works on at once. */
  readonly maxCalls?: number;
  /**
   * Characters of argument JSON the host holds at once: of the running cell's calls, and of calls
   * of ended cells whose host functions ignore their abort signal and still hold their arguments.
   */
  readonly maxChars?: number;
  /** The longest result JSON one call may bring back; a longer one fails the call, saying so. */
  readonly maxResultChars?: number;
}

interface PendingCall {
  readonly controller: AbortController;
  readonly chars: number;
}

/**
 * The host side of the prelude's `hostCall` bridge for one sandbox: starts the host function a cell
 * called, tells the sandbox how it ended (unless it was dropped), and drops what a cell left running
 * when the cell ends, aborting the host function's signal so that a dropped call stops costing money.
 *
 * It never rejects and never throws into the host: every failure of a host function becomes an
 * outcome with its message, which the sandbox raises as an `Error` inside.
 */
export class HostCallTable {
  private readonly calls = new Map<number, PendingCall>();
  private callChars = 0;
  private heldChars = 0;
  private readonly maxCalls: number;
  private readonly maxChars: number;
  private readonly maxResultChars: number;

  constructor(
    private readonly hostFunctions: Readonly<Record<string, HostFunction>>,
    limits: HostCallLimits = {},
  ) {
    this.maxCalls = limits.maxCalls ?? DEFAULT_MAX_HOST_CALLS_IN_FLIGHT;
    this.maxChars = limits.maxChars ?? DEFAULT_MAX_HOST_CALL_CHARS_IN_FLIGHT;
    this.maxResultChars = limits.maxResultChars ?? Number.POSITIVE_INFINITY;
  }

  /** Calls started and neither settled nor dropped. */
  get size(): number {
    return this.calls.size;
  }

  /** Characters of argument JSON of the calls started and neither settled nor dropped. */
  get charsInFlight(): number {
    return this.callChars;
  }

  /** Whether call `id` is still waiting for its host function. */
  has(id: number): boolean {
    return this.calls.has(id);
  }

  /**
   * Why a call with `chars` characters of arguments may not start now, or `undefined` when it may.
   * The prelude keeps a sandbox within these bounds: a refusal means that gate failed or was
   * bypassed, and the host holds no more of one session's calls all the same.
   */
  refusal(name: string, chars: number): string | undefined {
    if (this.calls.size >= this.maxCalls || chars > this.maxChars - this.callChars) {
      return (
        `${name}: refused by the host: ${this.calls.size} calls with ${this.callChars} characters of arguments ` +
        `are already in flight, and this one brings ${chars}; at most ${this.maxCalls} calls and ` +
        `${this.maxChars} characters may be at once. Await earlier calls, or pass smaller pieces.`
      );
    }
    if (chars > this.maxChars - this.heldChars) {
      return (
        `${name}: the host is still working on ${this.heldChars} characters of arguments of calls whose cells have ` +
        `ended; with this call's ${chars} it would hold more than ${this.maxChars}. Try again later, or pass a smaller piece.`
      );
    }
    return undefined;
  }

  /**
   * Starts host function `name` on a microtask (host code never runs inside an engine's call stack)
   * and calls `settle` with its outcome, unless the call was dropped first. Check {@link refusal}
   * before; `id` must be unique among the calls in the table.
   */
  start(id: number, name: string, argsJson: string, settle: (outcome: HostCallOutcome) => void): void {
    const call: PendingCall = { controller: new AbortController(), chars: argsJson.length };
    this.calls.set(id, call);
    this.callChars += call.chars;
    this.heldChars += call.chars;
    Promise.resolve()
      .then(() => {
        // Dropped before it started (its cell ended at once): the host never hears of it.
        if (this.calls.get(id) !== call) throw new Error('The call was dropped before it started.');
        return this.invoke(name, argsJson, call.controller.signal);
      })
      .then(
        (json): HostCallOutcome => ({ ok: true, json }),
        (error: unknown): HostCallOutcome => ({ ok: false, message: errorMessageOf(error) }),
      )
      .then((outcome) => {
        this.heldChars -= call.chars;
        // A call dropped at the end of its cell, or by dispose, has nobody left to tell.
        if (this.calls.get(id) !== call) return;
        this.calls.delete(id);
        this.callChars -= call.chars;
        settle(outcome);
      });
  }

  private async invoke(name: string, argsJson: string, signal: AbortSignal): Promise<string> {
    const hostFunction = Object.hasOwn(this.hostFunctions, name) ? this.hostFunctions[name] : undefined;
    if (typeof hostFunction !== 'function') throw new Error(`There is no host function named '${name}'.`);
    const args = parseHostCallArguments(argsJson === '' ? '[]' : argsJson);
    if (!Array.isArray(args)) {
      // Only a replaced toJSON (Object.prototype.toJSON, Array.prototype.toJSON) makes the prelude send anything else.
      throw new Error(
        `${name}: the arguments did not arrive as a list, because a toJSON method was replaced (e.g. Object.prototype.toJSON or Array.prototype.toJSON). Delete it to call ${name} again.`,
      );
    }
    const result = await hostFunction(args as JsonValue[], { signal });
    const json = result === undefined ? '' : (JSON.stringify(result) ?? '');
    if (json.length > this.maxResultChars) {
      throw new Error(
        `${name} returned ${json.length} characters of JSON, more than the ${this.maxResultChars} the sandbox takes in one result. Ask for a smaller piece.`,
      );
    }
    return json;
  }

  /**
   * Drops every call still running: nobody will read its result (the prelude rejects it inside when
   * the next cell begins), and its host function's signal is aborted so it can stop its work.
   * Returns how many were dropped.
   */
  drop(): number {
    const dropped = this.calls.size;
    for (const call of this.calls.values()) {
      call.controller.abort(new Error('The cell that made this call ended before the call finished.'));
    }
    this.calls.clear();
    this.callChars = 0;
    return dropped;
  }
}
