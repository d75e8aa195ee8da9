/**
 * Waiting for an observable outcome in a test (an email in the sink, a row in InfluxDB) instead of
 * sleeping a fixed time: a loaded machine slows the outcome, not the test's verdict. Test support only.
 */

/** What a check gives once it holds: its value without the falsy cases. */
type Truthy<T> = Exclude<T, false | 0 | '' | null | undefined>;

/**
 * Polls `check` every 100 ms until it gives a truthy value and returns that value; throws
 * "timed out waiting for <what>" after `timeoutMs`. Holds no timer once it settles.
 */
export async function until<T>(what: string, check: () => T | Promise<T>, timeoutMs = 20_000): Promise<Truthy<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v) return v as Truthy<T>;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
