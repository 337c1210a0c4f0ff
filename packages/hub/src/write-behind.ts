/**
 * A small write-behind queue: items handed in while a write runs, or in the same turn of the
 * event loop, are written together by one call (one transaction), and each caller's promise
 * settles only once its item's write has ended: with its own answer, or the batch's error.
 */
export type BatchWrite<T, R> = (items: readonly T[]) => Promise<readonly R[]>;

export function writeBehind<T, R>(write: BatchWrite<T, R>): (item: T) => Promise<R> {
  let pending: { item: T; resolve: (answer: R) => void; reject: (error: unknown) => void }[] = [];
  let scheduled = false;
  let writing = false;

  const flush = async (): Promise<void> => {
    scheduled = false;
    if (writing || pending.length === 0) return;
    writing = true;
    const batch = pending;
    pending = [];
    try {
      const answers = await write(batch.map((entry) => entry.item));
      batch.forEach((entry, i) => entry.resolve(answers[i] as R));
    } catch (error) {
      for (const entry of batch) entry.reject(error);
    } finally {
      writing = false;
      // What came in meanwhile is the next batch.
      if (pending.length > 0) schedule();
    }
  };
  const schedule = (): void => {
    if (scheduled) return;
    scheduled = true;
    setImmediate(() => void flush());
  };

  return (item) => new Promise<R>((resolve, reject) => {
    pending.push({ item, resolve, reject });
    if (!writing) schedule();
  });
}
