import type { ReceiverRequest } from './payloads.ts';

/** Why a receiver request failed, classified once here. Its message never contains the URL (a secret). */
export class ReceiverError extends Error {
  constructor(
    message: string,
    readonly transient: boolean,
    readonly status: number | null,
  ) {
    super(message);
  }
}

/**
 * Transient (retried with the delivery backoff) or permanent (failed at once, visible):
 *
 * | outcome | class |
 * |---|---|
 * | 2xx | delivered |
 * | 408, 425, 429 | transient (the receiver asks us to come back) |
 * | any other 4xx | permanent (bad URL, token or payload: retrying cannot help) |
 * | 3xx | permanent (a moved webhook URL is a configuration error; redirects are not followed) |
 * | 5xx | transient |
 * | no answer: refused, reset, DNS, timeout | transient |
 */
export function classifyReceiverStatus(status: number): 'ok' | 'transient' | 'permanent' {
  if (status >= 200 && status < 300) return 'ok';
  if (status === 408 || status === 425 || status === 429 || status >= 500) return 'transient';
  return 'permanent';
}

/** The small role a receiver worker needs: POST one request, throw ReceiverError unless delivered. */
export interface ReceiverTransport {
  post(req: ReceiverRequest): Promise<void>;
}

/** A transport over fetch with a per-request timeout; redirects are not followed. */
export function createHttpTransport(o: { timeoutMs: number }): ReceiverTransport {
  return {
    async post(req) {
      let res: Response;
      try {
        res = await fetch(req.url, {
          method: 'POST',
          headers: req.headers,
          body: req.body,
          redirect: 'manual',
          signal: AbortSignal.timeout(o.timeoutMs),
        });
      } catch (err) {
        const e = err as Error & { cause?: { code?: string } };
        const why = e.name === 'TimeoutError' ? `no answer within ${o.timeoutMs} ms` : (e.cause?.code ?? e.name);
        throw new ReceiverError(`receiver unreachable: ${why}`, true, null);
      }
      const text = (await res.text().catch(() => '')).slice(0, 200).replace(/\s+/g, ' ');
      const c = classifyReceiverStatus(res.status);
      if (c === 'ok') return;
      throw new ReceiverError(`HTTP ${res.status}${text ? ` ${text}` : ''}`, c === 'transient', res.status);
    },
  };
}
