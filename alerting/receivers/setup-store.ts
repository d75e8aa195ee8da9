import type { Redis } from 'ioredis';
import { viaRedis } from '../adapters/outage.ts';
import { parseReceiverSetup, type ReceiverSetup } from './routes-file.ts';

const NONE: ReceiverSetup = { receivers: [], routes: [], defaultReceivers: [] };

/**
 * Where the receivers and routes come from: the routes file when one is configured (GitOps: the
 * file is the truth and the API only reads), otherwise what the API stored in Redis (shared by
 * every API and worker process), otherwise none. Redis holds the setup as it was given
 * (secrets included: they must be usable), validated again when read.
 */
export function createSetupStore(redis: Redis, prefix: string, file?: () => ReceiverSetup) {
  const key = `${prefix}:alert:receiver-setup`;
  return {
    source: (): 'file' | 'api' => (file ? 'file' : 'api'),
    async current(): Promise<ReceiverSetup> {
      if (file) return file();
      const raw = await viaRedis(() => redis.get(key));
      return raw ? parseReceiverSetup(JSON.parse(raw)) : NONE;
    },
    /** The stored input (for the routes' own spelling of times); null with a file or nothing stored. */
    async input(): Promise<Record<string, unknown> | null> {
      if (file) return null;
      const raw = await viaRedis(() => redis.get(key));
      return raw ? (JSON.parse(raw) as Record<string, unknown>) : null;
    },
    /** Validates (throws ReceiverConfigError naming the field) and stores a whole setup. */
    async save(input: Record<string, unknown>): Promise<ReceiverSetup> {
      const setup = parseReceiverSetup(input);
      await viaRedis(() => redis.set(key, JSON.stringify(input)));
      return setup;
    },
  };
}
export type SetupStore = ReturnType<typeof createSetupStore>;
