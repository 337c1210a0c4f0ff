/** Bounded parallelism that keeps input order, so results and the first error are deterministic. */

/**
 * Runs `fn` over `items` with at most `limit` calls in flight, yielding results in input order.
 * A consumer that stops early (an error, a `break`) leaves the in-flight calls to finish unobserved.
 */
export async function* orderedMap<T, R>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<R>): AsyncGenerator<R> {
  const pending: (Promise<R> | undefined)[] = [];
  let next = 0;
  const startNext = (): void => {
    if (next >= items.length) return;
    const promise = fn(items[next] as T, next);
    promise.catch(() => undefined); // handled where it is awaited; silences results nobody waits for
    pending.push(promise);
    next++;
  };
  for (let i = 0; i < Math.max(1, limit); i++) startNext();
  for (let index = 0; index < items.length; index++) {
    const promise = pending[index];
    if (promise === undefined) break;
    const result = await promise;
    pending[index] = undefined;
    startNext();
    yield result;
  }
}

/** Collects `orderedMap` into an array. */
export async function mapOrdered<T, R>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results: R[] = [];
  for await (const result of orderedMap(items, limit, fn)) results.push(result);
  return results;
}
