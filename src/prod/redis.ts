// Redis connections and the small atomic helpers dbarch needs besides BullMQ.
import { Redis } from 'ioredis';

/** A connection as BullMQ wants it for blocking workers (no per-command retry limit). */
export function connectRedis(url: string, opts: { lazy?: boolean } = {}): Redis {
  return new Redis(url, { maxRetriesPerRequest: null, enableReadyCheck: true, lazyConnect: opts.lazy ?? false });
}

/** `redis://user:secret@host` → `redis://user:***@host`: URLs go into logs and /readyz. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '[unparseable url]';
  }
}

// Owner-checked lock operations: only the holder (value) may extend or release.
const ACQUIRE_OR_OWN = `
local v = redis.call('GET', KEYS[1])
if v == false then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
  return 1
elseif v == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return 1
end
return 0`;
const RELEASE = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0`;

/** Take (or re-take, when it is already ours) a lock for ttlMs. */
export async function acquireLock(redis: Redis, key: string, owner: string, ttlMs: number): Promise<boolean> {
  return (await redis.eval(ACQUIRE_OR_OWN, 1, key, owner, String(Math.max(1, Math.round(ttlMs))))) === 1;
}

export async function releaseLock(redis: Redis, key: string, owner: string): Promise<boolean> {
  return (await redis.eval(RELEASE, 1, key, owner)) === 1;
}

/** Ping with a deadline (readiness must not hang on a dead Redis). */
export async function pingRedis(redis: Redis, timeoutMs = 1000): Promise<string | undefined> {
  let timer: NodeJS.Timeout | undefined;
  try {
    const pong = await Promise.race([
      redis.ping(),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
      }),
    ]);
    return pong === 'PONG' ? undefined : `unexpected answer ${String(pong)}`;
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  } finally {
    clearTimeout(timer);
  }
}

/** Whether a Redis answers at `url` (one quick try, no reconnect loop). */
export async function redisReachable(url: string): Promise<boolean> {
  const r = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, connectTimeout: 1000 });
  r.on('error', () => {});
  try {
    await r.connect();
    return (await r.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    r.disconnect();
  }
}

/** Deletes every key under `prefix:` (test runs and load tests clean up after themselves). */
export async function deletePrefix(url: string, prefix: string): Promise<void> {
  const r = new Redis(url, { maxRetriesPerRequest: 1 });
  try {
    let cursor = '0';
    do {
      const [next, keys] = await r.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length) await r.del(...keys);
    } while (cursor !== '0');
  } finally {
    r.disconnect();
  }
}
