// Shared by the production tests: is Redis there, a unique key prefix per run, cleanup.
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:net';
import type { ReviewJob } from '../../src/app/queue.js';
import { deletePrefix, redisReachable } from '../../src/prod/redis.js';

export const REDIS_URL = process.env.DBARCH_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

export const redisAvailable = (): Promise<boolean> => redisReachable(REDIS_URL);

export const hasRedis = await redisAvailable();
if (!hasRedis) console.warn(`[test/prod] Redis not reachable at ${REDIS_URL}: the Redis tests are skipped`);

export function uniquePrefix(): string {
  return `dbarch-test-${randomUUID().slice(0, 8)}`;
}

/** Delete every key under a prefix. */
export const cleanPrefix = (prefix: string): Promise<void> => deletePrefix(REDIS_URL, prefix);

export function job(over: Partial<ReviewJob> = {}): ReviewJob {
  const pullNumber = over.pullNumber ?? 1;
  return {
    deliveryId: `d-${randomUUID()}`,
    kind: 'review',
    installationId: 7,
    owner: 'acme',
    repo: 'shop',
    pullNumber,
    headSha: 'a'.repeat(40),
    trigger: 'pull_request.opened',
    ...over,
  };
}

export function deferred<T = void>(): { promise: Promise<T>; resolve: (v: T) => void } {
  let resolve!: (v: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

/** Wait until cond() holds, polling (no fixed sleeps for correctness). */
export async function until(cond: () => boolean | Promise<boolean>, timeoutMs = 20_000, what = 'condition'): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** A port nobody listens on right now, on loopback. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });
}
