/**
 * Collects the calls made in one tick and runs them as one batch: the requests that one
 * group-commit write resumes all continue in the same tick, so their Redis updates can go out as a
 * single command. Each caller's promise settles with the batch.
 */
export function batchPerTick<T>(run: (items: T[]) => Promise<unknown>): (item: T) => Promise<void> {
  type Batch = { items: T[]; waiters: Array<{ resolve: () => void; reject: (e: unknown) => void }> };
  let batch: Batch | undefined;
  return (item) =>
    new Promise<void>((resolve, reject) => {
      if (!batch) {
        const b: Batch = { items: [], waiters: [] };
        batch = b;
        process.nextTick(() => {
          batch = undefined;
          run(b.items).then(
            () => b.waiters.forEach((w) => w.resolve()),
            (err: unknown) => b.waiters.forEach((w) => w.reject(err)),
          );
        });
      }
      batch.items.push(item);
      batch.waiters.push({ resolve, reject });
    });
}
