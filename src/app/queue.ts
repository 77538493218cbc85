// Job queue behind one interface: the in-process implementation is the default; a
// BullMQ/Redis one can implement the same JobQueue with the same job shape.

/** One review of one pull request head. Plain JSON so a Redis-backed queue can carry it. */
export interface ReviewJob {
  /** X-GitHub-Delivery of the webhook that caused it. */
  deliveryId: string;
  /** `review` for pull_request events, `rerequest` for check_run/check_suite rerequested. */
  kind: 'review' | 'rerequest';
  installationId: number;
  owner: string;
  repo: string;
  /** Absent when a check_suite/check_run event did not name the PR (forks): resolved from the SHA. */
  pullNumber?: number;
  headSha: string;
  /** Known from pull_request payloads; otherwise the job fetches the PR. */
  pull?: PullInfo;
  /** Webhook event + action, for logs and the check summary. */
  trigger: string;
}

export interface PullInfo {
  number: number;
  headSha: string;
  baseSha: string;
  baseRef: string;
  draft: boolean;
  changedFiles?: number;
}

/** Serialisation key: one PR at a time. */
export function pullKey(job: Pick<ReviewJob, 'owner' | 'repo' | 'pullNumber' | 'headSha'>): string {
  const target = job.pullNumber !== undefined ? `#${job.pullNumber}` : `@${job.headSha}`;
  return `${job.owner}/${job.repo}${target}`.toLowerCase();
}

/** Duplicate key: same PR, same head, same kind of work (rerequests are explicit, keyed by delivery). */
export function dedupeKey(job: ReviewJob): string {
  const draft = job.pull?.draft ? 'draft' : 'ready';
  const kind = job.kind === 'rerequest' ? `rerequest:${job.deliveryId}` : `review:${draft}`;
  return `${job.installationId}:${pullKey(job)}@${job.headSha}:${kind}`;
}

export type JobRunner = (job: ReviewJob, signal: AbortSignal) => Promise<void>;

export interface QueueStats {
  pending: number;
  running: number;
  completed: number;
  dropped: number;
  superseded: number;
}

export interface JobQueue {
  /** Resolves false when the job is a duplicate (same delivery, or same PR + head + kind recently seen). */
  enqueue(job: ReviewJob): Promise<boolean>;
  /** Resolves when nothing is pending or running (tests, graceful shutdown). */
  onIdle(): Promise<void>;
  stats(): QueueStats;
  /** Stop taking new jobs; resolves when the accepted ones are done (graceful shutdown). */
  close(): Promise<void>;
}

export interface InProcessQueueOptions {
  run: JobRunner;
  concurrency?: number;
  /** How long a finished job still counts for de-duplication. */
  dedupeTtlMs?: number;
  now?: () => number;
  onError?: (err: unknown, job: ReviewJob) => void;
}

interface Entry {
  job: ReviewJob;
  key: string;
  dedupe: string;
  controller: AbortController;
}

export class InProcessQueue implements JobQueue {
  private readonly run: JobRunner;
  private readonly concurrency: number;
  private readonly ttl: number;
  private readonly now: () => number;
  private readonly onError: (err: unknown, job: ReviewJob) => void;
  /** Pending jobs in arrival order. */
  private pending: Entry[] = [];
  /** Running job per PR key. */
  private running = new Map<string, Entry>();
  /** Delivery ids and dedupe keys with the time they may be forgotten. */
  private seenDeliveries = new Map<string, number>();
  private seenKeys = new Map<string, number>();
  private idleWaiters: (() => void)[] = [];
  private closed = false;
  private counters = { completed: 0, dropped: 0, superseded: 0 };

  constructor(opts: InProcessQueueOptions) {
    this.run = opts.run;
    this.concurrency = Math.max(1, opts.concurrency ?? 4);
    this.ttl = opts.dedupeTtlMs ?? 10 * 60_000;
    this.now = opts.now ?? Date.now;
    this.onError = opts.onError ?? (() => {});
  }

  async enqueue(job: ReviewJob): Promise<boolean> {
    if (this.closed) throw new Error('queue is closed');
    this.expire();
    const dedupe = dedupeKey(job);
    if (this.seenDeliveries.has(job.deliveryId) || this.seenKeys.has(dedupe)) {
      this.counters.dropped++;
      return false;
    }
    // Pending/running entries never expire; finished ones are kept for ttl.
    this.seenDeliveries.set(job.deliveryId, Infinity);
    this.seenKeys.set(dedupe, Infinity);
    const key = pullKey(job);
    // A newer head for the same PR supersedes older pending and running work.
    this.pending = this.pending.filter((e) => {
      if (e.key !== key || e.job.headSha === job.headSha) return true;
      this.finish(e);
      this.counters.superseded++;
      return false;
    });
    const current = this.running.get(key);
    if (current && current.job.headSha !== job.headSha && !current.controller.signal.aborted) {
      current.controller.abort(new SupersededError(job.headSha));
      this.counters.superseded++;
    }
    this.pending.push({ job, key, dedupe, controller: new AbortController() });
    this.pump();
    return true;
  }

  onIdle(): Promise<void> {
    if (this.pending.length === 0 && this.running.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  stats(): QueueStats {
    return { pending: this.pending.length, running: this.running.size, ...this.counters };
  }

  async close(): Promise<void> {
    // In-process jobs cannot be handed to another replica: drain them, each completes its check.
    this.closed = true;
    await this.onIdle();
  }

  private pump(): void {
    while (this.running.size < this.concurrency) {
      // Next job whose PR is not already running: work is serialised per PR.
      const i = this.pending.findIndex((e) => !this.running.has(e.key));
      if (i < 0) break;
      const [entry] = this.pending.splice(i, 1) as [Entry];
      this.running.set(entry.key, entry);
      void this.execute(entry);
    }
    if (this.pending.length === 0 && this.running.size === 0) {
      const waiters = this.idleWaiters;
      this.idleWaiters = [];
      for (const w of waiters) w();
    }
  }

  private async execute(entry: Entry): Promise<void> {
    try {
      await this.run(entry.job, entry.controller.signal);
    } catch (err) {
      this.onError(err, entry.job);
    } finally {
      this.running.delete(entry.key);
      this.counters.completed++;
      this.finish(entry);
      this.pump();
    }
  }

  private finish(entry: Entry): void {
    const until = this.now() + this.ttl;
    this.seenDeliveries.set(entry.job.deliveryId, until);
    this.seenKeys.set(entry.dedupe, until);
  }

  private expire(): void {
    const now = this.now();
    for (const map of [this.seenDeliveries, this.seenKeys]) {
      for (const [k, until] of map) if (until <= now) map.delete(k);
    }
  }
}

export class SupersededError extends Error {
  constructor(readonly newerSha: string) {
    super(`superseded by a newer push (${newerSha.slice(0, 7)})`);
    this.name = 'SupersededError';
  }
}
