type Step<T> = { source: number; iterator: AsyncIterator<T>; result: IteratorResult<T> };

export interface MergeStreamsOptions<T> {
  /** Each source is started when a slot is free, in order. */
  sources: readonly (() => AsyncIterable<T>)[];
  /** Sources read at once. */
  concurrency: number;
}

/**
 * The values of several async streams as they come, each with its source's index, at most `concurrency` sources
 * open at once. The first failure ends the merge; sources still open are told to stop.
 */
export async function* mergeStreams<T>(options: MergeStreamsOptions<T>): AsyncGenerator<{ source: number; value: T }> {
  const { sources } = options;
  const open = new Map<number, { iterator: AsyncIterator<T>; step: Promise<Step<T>> }>();
  let started = 0;
  const pull = (source: number, iterator: AsyncIterator<T>): void => {
    open.set(source, { iterator, step: iterator.next().then((result) => ({ source, iterator, result })) });
  };
  const start = (): void => {
    const source = started;
    started += 1;
    pull(source, (sources[source] as () => AsyncIterable<T>)()[Symbol.asyncIterator]());
  };
  try {
    while (started < Math.min(options.concurrency, sources.length)) start();
    while (open.size > 0) {
      const { source, iterator, result } = await Promise.race([...open.values()].map(({ step }) => step));
      if (result.done === true) {
        open.delete(source);
        if (started < sources.length) start();
        continue;
      }
      pull(source, iterator);
      yield { source, value: result.value };
    }
  } finally {
    // Not awaited: a source stops once its pending step settles, and nobody reads its failure any more.
    for (const { iterator, step } of open.values()) {
      step.then(
        () => iterator.return?.()?.catch(() => undefined),
        () => undefined,
      );
    }
  }
}
