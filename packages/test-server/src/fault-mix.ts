import { InvalidArgumentError } from '@rlm/core';
import type { RecordedRequest } from './recorded-request';
import type { ScriptedFault } from './scripted-reply';

/**
 * (Addition) Faults drawn at random for every request, each rate a probability per request (per
 * attempt, so a client's retry draws again). A drawn fault answers instead of the script, which is
 * not consumed; otherwise the script answers as usual. The draws come from a seeded generator, so a
 * run with the same seed and the same request order gets the same faults.
 *
 * ```ts
 * startTestServer({ respond, faults: { rate429: 0.3, retryAfterMs: 200, rate503: 0.05, dropMidStream: 0.02, malformedJson: 0.01, seed: 7 } });
 * ```
 */
export interface FaultMix {
  /** Share of requests answered 429 (`{ fault: 'rate-limit' }`). Default 0. */
  readonly rate429?: number;
  /** The wait those 429s ask for, in milliseconds (`retry-after-ms`, and `Retry-After` rounded up). Default: no header. */
  readonly retryAfterMs?: number;
  /** Share of requests answered 503 (`{ fault: 'server-error', status: 503 }`). Default 0. */
  readonly rate503?: number;
  /**
   * Share of requests whose connection is cut mid-answer: a stream after its first text delta, a
   * JSON body after its first 40 bytes (status and headers sent). Default 0.
   */
  readonly dropMidStream?: number;
  /** Share of requests answered with a JSON body or stream event that does not parse. Default 0. */
  readonly malformedJson?: number;
  /** Seed of the generator (an integer). Default 1. */
  readonly seed?: number;
  /**
   * At most this many faults for one request: once requests with the same path and body (a client's
   * retries of one call) have drawn it, the next one is answered by the script. Keeps a storm within
   * what a client's retry budget can absorb, so a test of "every call gets through" cannot fail by
   * chance (at 38% faults per attempt, 2,000 calls and 5 attempts each, one call in about 20 runs
   * exhausts its retries). Default: no bound.
   */
  readonly maxFaultsPerRequest?: number;
}

/** How much of a JSON answer gets out before a mid-answer drop cuts it. */
const DROPPED_JSON_BYTES = 40;

const rateFields = ['rate429', 'rate503', 'dropMidStream', 'malformedJson'] as const;

/** Checks `mix` and returns a function that draws the fault (or none) for the next request. */
export function createFaultPicker(
  mix: FaultMix | undefined,
  argument = 'faults',
): (request: RecordedRequest) => ScriptedFault | undefined {
  if (mix === undefined) return () => undefined;
  if (typeof mix !== 'object' || mix === null || Array.isArray(mix)) {
    throw new InvalidArgumentError({
      argument,
      message: `${argument} must be an object such as { rate429: 0.3, retryAfterMs: 200, seed: 1 }.`,
    });
  }
  const known = new Set<string>([...rateFields, 'retryAfterMs', 'seed', 'maxFaultsPerRequest']);
  for (const key of Object.keys(mix)) {
    if (!known.has(key)) {
      throw new InvalidArgumentError({
        argument,
        message: `${argument}.${key} is not a fault rate; use ${[...known].join(', ')}.`,
      });
    }
  }
  let total = 0;
  for (const field of rateFields) {
    const rate = mix[field];
    if (rate === undefined) continue;
    if (typeof rate !== 'number' || !(rate >= 0 && rate <= 1)) {
      throw new InvalidArgumentError({
        argument: `${argument}.${field}`,
        message: `${argument}.${field} must be a probability from 0 to 1, got ${String(rate)}.`,
      });
    }
    total += rate;
  }
  if (total > 1 + 1e-9) {
    throw new InvalidArgumentError({
      argument,
      message: `The fault rates of ${argument} add up to ${total}, more than 1.`,
    });
  }
  const { retryAfterMs, seed = 1 } = mix;
  if (retryAfterMs !== undefined && !(Number.isInteger(retryAfterMs) && retryAfterMs >= 0)) {
    throw new InvalidArgumentError({
      argument: `${argument}.retryAfterMs`,
      message: `${argument}.retryAfterMs must be a whole number of milliseconds >= 0, got ${String(retryAfterMs)}.`,
    });
  }
  if (!Number.isInteger(seed)) {
    throw new InvalidArgumentError({
      argument: `${argument}.seed`,
      message: `${argument}.seed must be an integer, got ${String(seed)}.`,
    });
  }
  const { maxFaultsPerRequest } = mix;
  if (
    maxFaultsPerRequest !== undefined &&
    !(Number.isInteger(maxFaultsPerRequest) && maxFaultsPerRequest >= 0)
  ) {
    throw new InvalidArgumentError({
      argument: `${argument}.maxFaultsPerRequest`,
      message: `${argument}.maxFaultsPerRequest must be a whole number >= 0, got ${String(maxFaultsPerRequest)}.`,
    });
  }
  const random = mulberry32(seed);
  /** Faults drawn so far per request identity (path and body), when they are bounded. */
  const faultsPerRequest = new Map<string, number>();
  const bands: [number, ScriptedFault | ((request: RecordedRequest) => ScriptedFault)][] = [];
  let edge = 0;
  const band = (
    rate: number | undefined,
    fault: ScriptedFault | ((request: RecordedRequest) => ScriptedFault),
  ) => {
    if (!rate) return;
    edge += rate;
    bands.push([edge, fault]);
  };
  band(mix.rate429, {
    fault: 'rate-limit',
    ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
  });
  band(mix.rate503, { fault: 'server-error', status: 503 });
  band(mix.dropMidStream, (request) =>
    request.stream
      ? { fault: 'drop-connection' }
      : { fault: 'drop-connection', afterBytes: DROPPED_JSON_BYTES },
  );
  band(mix.malformedJson, { fault: 'malformed-json' });
  return (request) => {
    // Drawn whether or not the bound lets it through, so the sequence stays the seed's.
    const draw = random();
    const picked = bands.find(([upTo]) => draw < upTo)?.[1];
    if (picked === undefined) return undefined;
    if (maxFaultsPerRequest !== undefined) {
      const identity = `${request.path}\n${JSON.stringify(request.body)}`;
      const drawn = faultsPerRequest.get(identity) ?? 0;
      if (drawn >= maxFaultsPerRequest) return undefined;
      faultsPerRequest.set(identity, drawn + 1);
    }
    return typeof picked === 'function' ? picked(request) : picked;
  };
}

/** A small seeded generator of numbers in [0, 1) (mulberry32): the same seed, the same sequence. */
function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}
