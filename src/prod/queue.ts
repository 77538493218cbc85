// Picks the queue from the environment: BullMQ on Redis when REDIS_URL is set, otherwise the
// in-process queue of src/app. Both are wrapped with metrics.
import type { JobQueue, JobRunner, ReviewJob } from '../app/queue.js';
import { InProcessQueue } from '../app/queue.js';
import { BullQueue } from './bullmq-queue.js';
import type { Metrics } from './metrics.js';
import { metrics as defaultMetrics } from './metrics.js';

export interface ProdQueueOptions {
  metrics?: Metrics;
  /** `all` (receiver + worker, the default), `producer` (receiver only: needs Redis). */
  role?: 'all' | 'producer';
  /** Completes the check of a job that failed every attempt (see failCheckRun). */
  onExhausted?: (job: ReviewJob, err: Error) => Promise<void> | void;
  onError?: (err: unknown, job?: ReviewJob) => void;
}

function intEnv(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const v = Number(env[name]);
  return Number.isFinite(v) && v > 0 ? v : fallback;
}

/** Job duration by kind and result, around any runner. */
export function instrumentRunner(run: JobRunner, m: Metrics = defaultMetrics): JobRunner {
  return async (job, signal) => {
    const started = performance.now();
    let result = 'ok';
    try {
      await run(job, signal);
      if (signal.aborted) result = 'superseded';
    } catch (err) {
      result = signal.aborted ? 'superseded' : 'error';
      throw err;
    } finally {
      m.jobDuration.observe({ kind: job.kind, result }, (performance.now() - started) / 1000);
    }
  };
}

/** Counts enqueues (accepted / duplicate) and exposes the queue depth on each scrape. */
export function instrumentQueue<Q extends JobQueue>(queue: Q, m: Metrics = defaultMetrics): Q {
  const enqueue = queue.enqueue.bind(queue);
  queue.enqueue = async (job) => {
    const accepted = await enqueue(job);
    m.jobsEnqueued.inc({ kind: job.kind, result: accepted ? 'accepted' : 'duplicate' });
    return accepted;
  };
  m.queueDepth.collect = async (g) => {
    if (queue instanceof BullQueue) {
      const c = await queue.counts();
      g.set({ state: 'waiting' }, c.waiting + c.prioritized);
      g.set({ state: 'delayed' }, c.delayed);
      g.set({ state: 'active' }, c.active);
      g.set({ state: 'failed' }, c.failed);
    } else {
      const s = queue.stats();
      g.set({ state: 'waiting' }, s.pending);
      g.set({ state: 'active' }, s.running);
    }
  };
  return queue;
}

/**
 * `createQueue` for src/app's AppDeps, from the environment:
 * REDIS_URL, DBARCH_REDIS_PREFIX, DBARCH_CONCURRENCY, DBARCH_JOB_ATTEMPTS, DBARCH_JOB_BACKOFF_MS,
 * DBARCH_LOCK_DURATION_MS, DBARCH_STALLED_INTERVAL_MS.
 */
export function createQueueFactory(env: NodeJS.ProcessEnv, opts: ProdQueueOptions = {}): (run: JobRunner) => JobQueue {
  const m = opts.metrics ?? defaultMetrics;
  const concurrency = intEnv(env, 'DBARCH_CONCURRENCY', 4);
  return (run) => {
    const runner = instrumentRunner(run, m);
    if (!env.REDIS_URL) {
      if (opts.role === 'producer') throw new Error('a receiver-only process needs REDIS_URL (its jobs run on worker processes)');
      return instrumentQueue(new InProcessQueue({ run: runner, concurrency, onError: (err, job) => opts.onError?.(err, job) }), m);
    }
    const queue = new BullQueue({
      redisUrl: env.REDIS_URL,
      prefix: env.DBARCH_REDIS_PREFIX || 'dbarch',
      role: opts.role ?? 'all',
      run: runner,
      concurrency,
      attempts: intEnv(env, 'DBARCH_JOB_ATTEMPTS', 3),
      backoffMs: intEnv(env, 'DBARCH_JOB_BACKOFF_MS', 5000),
      lockDurationMs: intEnv(env, 'DBARCH_LOCK_DURATION_MS', 30_000),
      stalledIntervalMs: intEnv(env, 'DBARCH_STALLED_INTERVAL_MS', 30_000),
      onExhausted: async (job, err) => {
        m.jobsExhausted.inc({ kind: job.kind });
        await opts.onExhausted?.(job, err);
      },
      onError: opts.onError,
    });
    return instrumentQueue(queue, m);
  };
}
