import type { Redis } from 'ioredis';
import type { Response } from 'express';
import { parseLiveChange } from '../store/index.ts';

/**
 * Fans the live-state change notices of Redis pub/sub out to this process's open boards (one
 * subscription per API process, however many browsers). Notices of one short window are merged,
 * so a burst of reports becomes one read and one message per board.
 */
export interface LiveHub {
  add(res: Response): void;
  close(): Promise<void>;
}

export function createLiveHub(o: {
  subscriber: Redis;
  channel: string;
  /** Writes the update of these devices to every client. */
  send: (ids: string[], clients: Set<Response>) => Promise<void>;
  batchMs?: number;
  keepAliveMs?: number;
}): LiveHub {
  const clients = new Set<Response>();
  let pending = new Set<string>();
  let timer: NodeJS.Timeout | undefined;
  const flush = () => {
    timer = undefined;
    const ids = [...pending];
    pending = new Set();
    if (clients.size) o.send(ids, clients).catch(() => {});
  };
  o.subscriber.on('message', (ch: string, msg: string) => {
    if (ch !== o.channel) return;
    for (const id of parseLiveChange(msg)) pending.add(id);
    timer ??= setTimeout(flush, o.batchMs ?? 100);
  });
  const subscribed = o.subscriber.subscribe(o.channel).catch(() => {});
  // Comments keep proxies from closing an idle stream; they also reveal a dead client.
  const keepAlive = setInterval(() => {
    for (const c of clients) c.write(': keep-alive\n\n');
  }, o.keepAliveMs ?? 25_000);
  keepAlive.unref();
  return {
    add(res) {
      clients.add(res);
      res.on('close', () => clients.delete(res));
    },
    async close() {
      await subscribed;
      clearInterval(keepAlive);
      if (timer) clearTimeout(timer);
      for (const c of clients) c.end();
      clients.clear();
      o.subscriber.disconnect();
    },
  };
}
