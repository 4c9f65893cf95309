import { describeError } from './describe-error';
import type { RunTree } from './run-tree';

/** Batch items started between two yields to the event loop. */
const BATCH_START_SLICE = 200;

function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0));
}

/**
 * Runs every item of a `*_batched` call; a failed item becomes "Error: …" (the run counts it, and
 * the note after the block tells the model) unless the whole tree must stop. Items start in
 * slices, yielding to the event loop between them, so that fanning out 50k items never blocks it
 * for long. How many run at once is the limiter's business, not the batch's.
 */
export async function runBatch<T, Result = string>(
  tree: RunTree,
  items: readonly T[],
  call: (item: T, index: number) => Promise<Result>,
): Promise<(Result | string)[]> {
  const started: Promise<Result>[] = [];
  for (let index = 0; index < items.length; index++) {
    if (index > 0 && index % BATCH_START_SLICE === 0) {
      await yieldToEventLoop();
      tree.throwIfStopped();
    }
    started.push(call(items[index]!, index));
  }
  const settled = await Promise.allSettled(started);
  tree.throwIfStopped();
  return settled.map((outcome) =>
    outcome.status === 'fulfilled' ? outcome.value : `Error: ${describeError(outcome.reason).message}`,
  );
}
