// BullMQ queue on the real Redis: shared work, duplicates, a dead worker, retries, superseding,
// per-PR serialisation and graceful shutdown.
import { afterEach, describe, expect, it } from 'vitest';
import type { JobRunner, ReviewJob } from '../../src/app/queue.js';
import { SupersededError } from '../../src/app/queue.js';
import type { BullQueueOptions } from '../../src/prod/bullmq-queue.js';
import { BullQueue } from '../../src/prod/bullmq-queue.js';
import { REDIS_URL, cleanPrefix, deferred, hasRedis, job, uniquePrefix, until } from './helpers.js';

const open: BullQueue[] = [];
const prefixes: string[] = [];

function make(prefix: string, run: JobRunner, over: Partial<BullQueueOptions> = {}): BullQueue {
  const q = new BullQueue({ redisUrl: REDIS_URL, prefix, run, concurrency: 1, backoffMs: 10, lockDurationMs: 2000, stalledIntervalMs: 500, prBusyDelayMs: 50, ...over });
  open.push(q);
  return q;
}

function prefix(): string {
  const p = uniquePrefix();
  prefixes.push(p);
  return p;
}

afterEach(async () => {
  await Promise.allSettled(open.splice(0).map((q) => q.close({ graceMs: 100 })));
  await Promise.all(prefixes.splice(0).map(cleanPrefix));
});

describe.skipIf(!hasRedis)('BullQueue on Redis', () => {
  it('shares jobs between two workers and processes each exactly once', async () => {
    const p = prefix();
    const seen: { worker: string; id: string }[] = [];
    const bothBusy = deferred();
    const busy = new Set<string>();
    const runner = (name: string): JobRunner => async (j) => {
      seen.push({ worker: name, id: j.deliveryId });
      busy.add(name);
      if (busy.size === 2) bothBusy.resolve();
      // Each worker has concurrency 1, so the first jobs can only finish once both hold one.
      await bothBusy.promise;
    };
    const a = make(p, runner('a'));
    const b = make(p, runner('b'));
    const jobs = Array.from({ length: 20 }, (_, i) => job({ pullNumber: i + 1 }));
    for (const j of jobs) expect(await a.enqueue(j)).toBe(true);
    await until(() => seen.length === 20, 30_000, '20 jobs');
    await a.onIdle();
    const ids = seen.map((s) => s.id).sort();
    expect(ids).toEqual(jobs.map((j) => j.deliveryId).sort());
    expect(new Set(seen.map((s) => s.worker))).toEqual(new Set(['a', 'b']));
    expect(a.stats().completed + b.stats().completed).toBe(20);
  });

  it('drops duplicate deliveries and duplicate heads, across replicas', async () => {
    const p = prefix();
    const ran: string[] = [];
    const a = make(p, async (j) => void ran.push(j.deliveryId));
    const b = make(p, async (j) => void ran.push(j.deliveryId));
    const first = job({ deliveryId: 'delivery-1' });
    expect(await a.enqueue(first)).toBe(true);
    // Same X-GitHub-Delivery redelivered to the other replica.
    expect(await b.enqueue({ ...first })).toBe(false);
    // Another delivery for the same PR, head and kind.
    expect(await b.enqueue({ ...first, deliveryId: 'delivery-2' })).toBe(false);
    // A rerequest is explicit work: keyed by its own delivery.
    expect(await b.enqueue({ ...first, deliveryId: 'delivery-3', kind: 'rerequest' })).toBe(true);
    await until(() => ran.length === 2, 20_000, 'two runs');
    await a.onIdle();
    expect(ran.sort()).toEqual(['delivery-1', 'delivery-3']);
    expect(a.stats().dropped + b.stats().dropped).toBe(2);
  });

  it('hands the job of a worker that died mid-job to another worker (stalled check)', async () => {
    const p = prefix();
    const started = deferred();
    const finishedBy: string[] = [];
    // Worker a takes the job and hangs; it is then killed without completing or releasing anything.
    const a = make(p, async () => {
      started.resolve();
      await new Promise(() => {});
    });
    const j = job({ deliveryId: 'will-stall' });
    expect(await a.enqueue(j)).toBe(true);
    await started.promise;
    await a.crash();
    open.splice(open.indexOf(a), 1);
    const b = make(p, async (x) => void finishedBy.push(x.deliveryId));
    await until(() => finishedBy.length === 1, 30_000, 'the stalled job to be taken over');
    await b.onIdle();
    expect(finishedBy).toEqual(['will-stall']);
    const counts = await b.counts();
    expect(counts).toMatchObject({ active: 0, waiting: 0, failed: 0 });
  });

  it('retries with backoff and reports a job that exhausts its attempts once', async () => {
    const p = prefix();
    let attempts = 0;
    const exhausted: { job: ReviewJob; message: string }[] = [];
    const a = make(
      p,
      async () => {
        attempts++;
        throw Object.assign(new Error('GitHub answered 502'), { status: 502 });
      },
      { attempts: 3, onExhausted: (j, err) => void exhausted.push({ job: j, message: err.message }) },
    );
    const j = job({ deliveryId: 'always-fails' });
    await a.enqueue(j);
    await until(() => exhausted.length === 1, 30_000, 'exhaustion');
    expect(attempts).toBe(3);
    expect(exhausted[0]!.job).toEqual(j);
    expect(exhausted[0]!.message).toBe('GitHub answered 502');
    expect((await a.counts()).failed).toBe(1);
  });

  it('aborts a running review when a newer head of the PR is queued on another replica', async () => {
    const p = prefix();
    const results: string[] = [];
    const oldStarted = deferred();
    const run: JobRunner = async (j, signal) => {
      if (j.headSha === 'a'.repeat(40)) {
        oldStarted.resolve();
        await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve()));
        results.push(`old aborted: ${(signal.reason as Error).name}`);
        expect(signal.reason).toBeInstanceOf(SupersededError);
        return;
      }
      results.push(`new ran ${j.headSha.slice(0, 1)}`);
    };
    const a = make(p, run);
    const b = make(p, run);
    await a.enqueue(job({ deliveryId: 'old' }));
    await oldStarted.promise;
    await b.enqueue(job({ deliveryId: 'new', headSha: 'b'.repeat(40) }));
    await until(() => results.length === 2, 20_000, 'both heads');
    expect(results).toEqual(['old aborted: SupersededError', 'new ran b']);
  });

  it('skips a queued job whose PR already has a newer head', async () => {
    const p = prefix();
    const ran: string[] = [];
    const gate = deferred();
    const a = make(p, async (j) => {
      if (j.pullNumber === 99) await gate.promise;
      ran.push(j.deliveryId);
    });
    await a.enqueue(job({ deliveryId: 'blocker', pullNumber: 99 }));
    await until(() => a.stats().running === 1, 20_000, 'blocker running');
    await a.enqueue(job({ deliveryId: 'older', headSha: 'c'.repeat(40) }));
    await a.enqueue(job({ deliveryId: 'newer', headSha: 'd'.repeat(40) }));
    gate.resolve();
    await until(() => ran.length === 2, 20_000, 'runs');
    await a.onIdle();
    expect(ran).toEqual(['blocker', 'newer']);
    expect(a.stats().superseded).toBe(1);
  });

  it('never runs two jobs of the same PR at once across replicas', async () => {
    const p = prefix();
    let concurrent = 0;
    let maxConcurrent = 0;
    const order: string[] = [];
    const firstRunning = deferred();
    const release = deferred();
    const run: JobRunner = async (j) => {
      concurrent++;
      maxConcurrent = Math.max(maxConcurrent, concurrent);
      order.push(`start ${j.deliveryId}`);
      if (j.deliveryId === 'first') {
        firstRunning.resolve();
        await release.promise;
      }
      order.push(`end ${j.deliveryId}`);
      concurrent--;
    };
    const a = make(p, run);
    const b = make(p, run);
    await a.enqueue(job({ deliveryId: 'first' }));
    await firstRunning.promise;
    // Same PR and head, another kind: allowed, but only after the first finishes.
    await b.enqueue(job({ deliveryId: 'second', kind: 'rerequest' }));
    // Let the second be picked up and put back at least once while the first holds the PR.
    await until(async () => (await a.counts()).delayed + (await a.counts()).waiting > 0 || order.length > 1, 20_000, 'second picked');
    release.resolve();
    await until(() => order.length === 4, 20_000, 'both jobs');
    expect(order).toEqual(['start first', 'end first', 'start second', 'end second']);
    expect(maxConcurrent).toBe(1);
  });

  it('shuts down gracefully: running jobs finish, new work is refused', async () => {
    const p = prefix();
    const started = deferred();
    const finish = deferred();
    let finished = false;
    const a = make(p, async () => {
      started.resolve();
      await finish.promise;
      finished = true;
    });
    await a.enqueue(job({ deliveryId: 'in-flight' }));
    await started.promise;
    const closing = a.close({ graceMs: 30_000 });
    await expect(a.enqueue(job({ deliveryId: 'late', pullNumber: 2 }))).rejects.toThrow('closed');
    let closed = false;
    void closing.then(() => (closed = true));
    await new Promise((r) => setTimeout(r, 100));
    expect(closed).toBe(false);
    finish.resolve();
    await closing;
    expect(finished).toBe(true);
    const peek = make(p, async () => {}, { role: 'producer' });
    expect(await peek.counts()).toMatchObject({ active: 0, waiting: 0, failed: 0 });
  });

  it('releases a job still running after the grace period to another replica', async () => {
    const p = prefix();
    const started = deferred();
    const a = make(p, async () => {
      started.resolve();
      await new Promise(() => {});
    });
    await a.enqueue(job({ deliveryId: 'slow' }));
    await started.promise;
    await a.close({ graceMs: 50 });
    const done: string[] = [];
    const b = make(p, async (j) => void done.push(j.deliveryId));
    await until(() => done.length === 1, 30_000, 'takeover after release');
    await b.onIdle();
    expect(done).toEqual(['slow']);
  });
});
