/**
 * A push-to-pull queue: events pushed as they happen are yielded to one `for await` reader. Events
 * are buffered, so a slow reader misses nothing. Ending with an error makes the reader's loop throw.
 */
export function createEventStream<T>(): {
  push(item: T): void;
  end(error?: unknown): void;
  iterable: AsyncIterable<T>;
} {
  const buffer: T[] = [];
  let finished = false;
  let failure: { error: unknown } | undefined;
  let wake: (() => void) | undefined;

  const notify = () => {
    wake?.();
    wake = undefined;
  };

  return {
    push(item) {
      if (finished) return;
      buffer.push(item);
      notify();
    },
    end(error) {
      if (finished) return;
      finished = true;
      if (error !== undefined) failure = { error };
      notify();
    },
    iterable: {
      async *[Symbol.asyncIterator]() {
        while (true) {
          if (buffer.length > 0) {
            yield buffer.shift() as T;
            continue;
          }
          if (finished) {
            if (failure) throw failure.error;
            return;
          }
          await new Promise<void>((resolve) => {
            wake = resolve;
          });
        }
      },
    },
  };
}
