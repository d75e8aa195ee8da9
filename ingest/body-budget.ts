/**
 * A cap on the request bodies held in memory at once. A report body is read whole before it is
 * parsed, and in flight it costs about twice its size (bytes, then text and objects): without a cap,
 * 40 concurrent 5 MB reports took ~400 MB. Each body reserves its expected size before a byte is
 * read and releases it when its request ends; a body that does not fit is refused with 503
 * `server_busy` and Retry-After, which the reporter treats as "busy, back off".
 */
export interface BodyBudgetOptions {
  /** Bytes of bodies that may be in memory at once (default 64 MiB). */
  maxBytes?: number;
}

/**
 * Bytes a body is expected to take once decoded: its declared length; for gzip, the declared length
 * times 20 (typical JSON ratio) up to the decoded limit; without a declared length, the limit.
 *
 * | Content-Length | gzip | reserve                               |
 * |----------------|------|---------------------------------------|
 * | n              | no   | min(n, limit)                         |
 * | n              | yes  | min(20 n, limit)                      |
 * | absent         | any  | limit                                 |
 */
export function expectedBodyBytes(contentLength: string | undefined, gzip: boolean, limitBytes: number): number {
  const n = contentLength === undefined ? NaN : Number(contentLength);
  if (!Number.isFinite(n) || n < 0) return limitBytes;
  return Math.min(gzip ? n * 20 : n, limitBytes);
}

export function createBodyBudget(opts: BodyBudgetOptions = {}) {
  const maxBytes = opts.maxBytes ?? 64 * 1024 * 1024;
  let inUse = 0;
  return {
    /** Reserves `bytes`; returns the release function (idempotent), or undefined when they do not fit. */
    reserve(bytes: number): (() => void) | undefined {
      // One body always fits when nothing else is in memory, whatever its size (it is under the body limit).
      if (inUse > 0 && inUse + bytes > maxBytes) return undefined;
      inUse += bytes;
      let released = false;
      return () => {
        if (released) return;
        released = true;
        inUse -= bytes;
      };
    },
    get inUseBytes() {
      return inUse;
    },
    maxBytes,
  };
}
export type BodyBudget = ReturnType<typeof createBodyBudget>;
