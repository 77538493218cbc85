// The JobQueue of src/app on BullMQ/Redis, shared by every replica. A job's id is its
// dedupe key (installation, repo, PR, head SHA, kind), so a duplicate is dropped; failed
// attempts retry with exponential backoff; a replica that dies mid-job stops renewing the
// job's lock and BullMQ's stalled-job check hands the job to another replica.
import { randomUUID } from 'node:crypto';
import type { Job } from 'bullmq';
import { DelayedError, Queue, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import type { JobQueue, JobRunner, QueueStats, ReviewJob } from '../app/queue.js';
import { SupersededError, dedupeKey, pullKey } from '../app/queue.js';
import { acquireLock, connectRedis, releaseLock } from './redis.js';

export const QUEUE_NAME = 'dbarch-reviews';

export interface BullQueueOptions {
  redisUrl: string;
  /** Key prefix of every Redis key (BullMQ's and dbarch's). Default `dbarch`. */
  prefix?: string;
  /** `all`: enqueue and process; `producer`: enqueue only (a receiver-only replica). */
  role?: 'all' | 'producer';
  /** Required unless role is `producer`. */
  run?: JobRunner;
  concurrency?: number;
  /** Attempts per job, the first included. */
  attempts?: number;
  /** First retry delay; doubles on each attempt. */
  backoffMs?: number;
  /** How long a seen delivery / dedupe key drops duplicates. */
  dedupeTtlMs?: number;
  /** A job whose lock is not renewed within this is stalled (its worker died). */
  lockDurationMs?: number;
  /** How often each worker looks for stalled jobs. */
  stalledIntervalMs?: number;
  /** A job that stalls more often than this fails for good. */
  maxStalledCount?: number;
  /** While another job of the same PR runs, a job is put back for this long. */
  prBusyDelayMs?: number;
  /** Called once when a job has failed every attempt (complete its check as failed). */
  onExhausted?: (job: ReviewJob, err: Error) => Promise<void> | void;
  onError?: (err: unknown, job?: ReviewJob) => void;
  /** Called when a job starts and ends on this replica (metrics). */
  onJob?: (event: { job: ReviewJob; phase: 'start' | 'end'; durationMs?: number; result?: 'ok' | 'error' | 'superseded' | 'delayed' }) => void;
}

interface Running {
  key: string;
  sha: string;
  controller: AbortController;
}

export class BullQueue implements JobQueue {
  readonly prefix: string;
  readonly queue: Queue<ReviewJob>;
  readonly worker?: Worker<ReviewJob>;
  /** Plain commands (dedupe keys, PR locks, latest heads). */
  readonly redis: Redis;
  private readonly subscriber?: Redis;
  private readonly opts: Required<Pick<BullQueueOptions, 'attempts' | 'backoffMs' | 'dedupeTtlMs' | 'lockDurationMs' | 'prBusyDelayMs'>> & BullQueueOptions;
  private readonly running = new Map<string, Running>();
  private readonly counters = { completed: 0, dropped: 0, superseded: 0 };
  private pendingCache = 0;
  /** Jobs inside the processor on this replica (including those not yet running the review). */
  private active = 0;
  private closed = false;
  private closing?: Promise<void>;
  /** This replica's identity in PR locks. */
  readonly id = randomUUID();

  constructor(opts: BullQueueOptions) {
    this.opts = { attempts: 3, backoffMs: 5000, dedupeTtlMs: 10 * 60_000, lockDurationMs: 30_000, prBusyDelayMs: 1000, ...opts };
    this.prefix = opts.prefix ?? 'dbarch';
    this.redis = connectRedis(opts.redisUrl);
    this.redis.on('error', (err) => this.opts.onError?.(err));
    this.queue = new Queue<ReviewJob>(QUEUE_NAME, {
      connection: connectRedis(opts.redisUrl),
      prefix: this.prefix,
      defaultJobOptions: {
        attempts: this.opts.attempts,
        backoff: { type: 'exponential', delay: this.opts.backoffMs },
        removeOnComplete: { age: Math.ceil(this.opts.dedupeTtlMs / 1000), count: 10_000 },
        removeOnFail: { age: 7 * 24 * 3600 },
      },
    });
    this.queue.on('error', (err) => this.opts.onError?.(err));
    if ((opts.role ?? 'all') === 'all') {
      if (!opts.run) throw new Error('BullQueue: a worker needs a runner');
      this.worker = new Worker<ReviewJob>(QUEUE_NAME, (job, token) => this.process(job, token), {
        connection: connectRedis(opts.redisUrl),
        prefix: this.prefix,
        concurrency: Math.max(1, opts.concurrency ?? 4),
        lockDuration: this.opts.lockDurationMs,
        stalledInterval: opts.stalledIntervalMs ?? this.opts.lockDurationMs,
        maxStalledCount: opts.maxStalledCount ?? 2,
      });
      this.worker.on('failed', (job, err) => void this.failed(job, err));
      this.worker.on('error', (err) => this.opts.onError?.(err));
      this.subscriber = connectRedis(opts.redisUrl);
      this.subscriber.on('error', (err) => this.opts.onError?.(err));
      void this.subscriber.subscribe(this.channel).catch((err: unknown) => this.opts.onError?.(err));
      this.subscriber.on('message', (_channel: string, message: string) => this.onSupersede(message));
    }
  }

  private get channel(): string {
    return `${this.prefix}:dbarch:supersede`;
  }

  private key(kind: string, rest: string): string {
    return `${this.prefix}:dbarch:${kind}:${rest}`;
  }

  /** BullMQ ids may not contain ':' nor be integers. */
  static jobId(job: ReviewJob): string {
    return `r|${dedupeKey(job).replace(/:/g, '|')}`;
  }

  async enqueue(job: ReviewJob): Promise<boolean> {
    if (this.closed) throw new Error('queue is closed');
    const ttl = String(this.opts.dedupeTtlMs);
    // Both keys at once: a redelivery (same delivery id) or the same PR head again is dropped.
    const [[, byDelivery], [, byKey]] = (await this.redis
      .multi()
      .set(this.key('delivery', job.deliveryId), '1', 'PX', ttl, 'NX')
      .set(this.key('dedupe', dedupeKey(job)), '1', 'PX', ttl, 'NX')
      .exec()) as [[Error | null, unknown], [Error | null, unknown]];
    if (byDelivery !== 'OK' || byKey !== 'OK') {
      this.counters.dropped++;
      return false;
    }
    if (job.kind === 'review' && job.pullNumber !== undefined) {
      // The newest head of a PR: older jobs of that PR are skipped, and a running one is aborted.
      await this.redis.set(this.key('head', pullKey(job)), job.headSha, 'PX', String(Math.max(this.opts.dedupeTtlMs, 3600_000)));
      await this.redis.publish(this.channel, JSON.stringify({ key: pullKey(job), sha: job.headSha }));
    }
    await this.queue.add(job.kind, job, { jobId: BullQueue.jobId(job) });
    return true;
  }

  private onSupersede(message: string): void {
    let parsed: { key?: string; sha?: string };
    try {
      parsed = JSON.parse(message) as typeof parsed;
    } catch {
      return;
    }
    for (const r of this.running.values()) {
      if (r.key === parsed.key && r.sha !== parsed.sha && !r.controller.signal.aborted) {
        r.controller.abort(new SupersededError(parsed.sha ?? ''));
        this.counters.superseded++;
      }
    }
  }

  private async process(bjob: Job<ReviewJob>, token?: string): Promise<string> {
    this.active++;
    try {
      return await this.processJob(bjob, token);
    } finally {
      this.active--;
    }
  }

  private async processJob(bjob: Job<ReviewJob>, token?: string): Promise<string> {
    const job = bjob.data;
    const key = pullKey(job);
    const started = Date.now();
    if (job.kind === 'review') {
      const head = await this.redis.get(this.key('head', key));
      if (head && head !== job.headSha) {
        this.counters.superseded++;
        this.opts.onJob?.({ job, phase: 'end', durationMs: 0, result: 'superseded' });
        return 'superseded';
      }
    }
    // One job per PR at a time across replicas; the lock is the job's own, so a job taken over
    // after its worker died re-takes it at once.
    const lockKey = this.key('pr', key);
    const owner = bjob.id ?? BullQueue.jobId(job);
    if (!(await acquireLock(this.redis, lockKey, owner, this.opts.lockDurationMs))) {
      this.opts.onJob?.({ job, phase: 'end', durationMs: 0, result: 'delayed' });
      await bjob.moveToDelayed(Date.now() + this.opts.prBusyDelayMs, token);
      throw new DelayedError();
    }
    const controller = new AbortController();
    const localId = `${owner}#${randomUUID()}`;
    this.running.set(localId, { key, sha: job.headSha, controller });
    const renew = setInterval(() => {
      void acquireLock(this.redis, lockKey, owner, this.opts.lockDurationMs).catch(() => {});
    }, Math.max(100, Math.floor(this.opts.lockDurationMs / 3)));
    this.opts.onJob?.({ job, phase: 'start' });
    let result: 'ok' | 'error' | 'superseded' = 'ok';
    try {
      await this.opts.run!(job, controller.signal);
      if (controller.signal.aborted) result = 'superseded';
      return result;
    } catch (err) {
      if (controller.signal.aborted && controller.signal.reason instanceof SupersededError) {
        result = 'superseded';
        return result;
      }
      result = 'error';
      this.opts.onError?.(err, job);
      throw err;
    } finally {
      clearInterval(renew);
      this.running.delete(localId);
      this.counters.completed++;
      await releaseLock(this.redis, lockKey, owner).catch(() => false);
      this.opts.onJob?.({ job, phase: 'end', durationMs: Date.now() - started, result });
    }
  }

  private async failed(bjob: Job<ReviewJob> | undefined, err: Error): Promise<void> {
    if (!bjob || err instanceof DelayedError) return;
    try {
      // Retries left: the job is delayed (backoff) or waiting again, not failed.
      if ((await bjob.getState()) !== 'failed') return;
      await this.opts.onExhausted?.(bjob.data, err);
    } catch (e) {
      this.opts.onError?.(e, bjob.data);
    }
  }

  /** Jobs of the shared queue by state. */
  async counts(): Promise<Record<'waiting' | 'active' | 'delayed' | 'prioritized' | 'failed', number>> {
    const c = await this.queue.getJobCounts('waiting', 'active', 'delayed', 'prioritized', 'failed');
    const out = { waiting: c.waiting ?? 0, active: c.active ?? 0, delayed: c.delayed ?? 0, prioritized: c.prioritized ?? 0, failed: c.failed ?? 0 };
    this.pendingCache = out.waiting + out.delayed + out.prioritized;
    return out;
  }

  /** Resolves when the shared queue has nothing waiting, delayed or active (polls Redis). */
  async onIdle(pollMs = 50): Promise<void> {
    for (;;) {
      const c = await this.counts();
      if (c.waiting + c.active + c.delayed + c.prioritized === 0 && this.running.size === 0) return;
      await new Promise((r) => setTimeout(r, pollMs));
    }
  }

  stats(): QueueStats {
    return { pending: this.pendingCache, running: this.running.size, ...this.counters };
  }

  /**
   * Stop taking work. Running jobs get `graceMs` to finish; after that the worker lets go
   * and their locks lapse, so another replica's stalled check takes them over.
   */
  close(opts: { graceMs?: number } = {}): Promise<void> {
    this.closing ??= this.doClose(opts.graceMs ?? 25_000);
    return this.closing;
  }

  private async doClose(graceMs: number): Promise<void> {
    this.closed = true;
    if (this.worker) {
      // Stop fetching, then give running jobs the grace period. BullMQ's close() would wait
      // for them without limit, and a forced close cannot follow a graceful one.
      await this.worker.pause(true);
      const deadline = Date.now() + graceMs;
      while (this.active > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 25));
      // Forced: jobs still running keep no lock renewal, so another replica takes them over.
      await this.worker.close(this.active > 0);
    }
    await this.queue.close();
    await Promise.allSettled([this.subscriber?.quit(), this.redis.quit()]);
  }

  /** Test/chaos hook: drop the connections without finishing or releasing anything, as a killed process would. */
  async crash(): Promise<void> {
    this.closed = true;
    for (const r of this.running.values()) r.controller.abort(new Error('crashed'));
    await this.worker?.close(true);
    await this.queue.close();
    this.subscriber?.disconnect();
    this.redis.disconnect();
  }
}
