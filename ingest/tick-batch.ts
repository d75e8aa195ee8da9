/**
 * Collects the calls made in one tick and runs them as one batch: the requests that one
 * group-commit write resumes all continue in the same tick, so their Redis updates can go out as a
 * single command. Each caller's promise settles with the batch.
 *
 * When the batch fails with an error `isolate` says one item's data may have caused (a script
 * error, not a lost connection), every item is run again on its own: only the item whose data
 * fails, fails; the others of the tick succeed.
 */
export function batchPerTick<T>(
  run: (items: T[]) => Promise<unknown>,
  opts: { isolate?: (err: unknown) => boolean } = {},
): (item: T) => Promise<void> {
  type Waiter = { resolve: () => void; reject: (e: unknown) => void };
  type Batch = { items: T[]; waiters: Waiter[] };
  let batch: Batch | undefined;
  const settle = (items: T[], waiters: Waiter[]): Promise<void> =>
    run(items).then(
      () => waiters.forEach((w) => w.resolve()),
      async (err: unknown) => {
        if (items.length > 1 && opts.isolate?.(err)) {
          await Promise.all(items.map((item, i) => settle([item], [waiters[i]!])));
        } else waiters.forEach((w) => w.reject(err));
      },
    );
  return (item) =>
    new Promise<void>((resolve, reject) => {
      if (!batch) {
        const b: Batch = { items: [], waiters: [] };
        batch = b;
        process.nextTick(() => {
          batch = undefined;
          void settle(b.items, b.waiters);
        });
      }
      batch.items.push(item);
      batch.waiters.push({ resolve, reject });
    });
}
