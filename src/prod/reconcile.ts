// Self-healing for lost webhooks (GitHub does not redeliver on its own): walk installations →
// repositories → open PRs, and queue every PR whose head commit has no `dbarch` check (or
// only one stuck in progress). Bounded per run; with Redis, one replica at a time.
import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { ReviewJob } from '../app/queue.js';
import { CHECK_NAME } from '../app/github.js';
import type { Metrics } from './metrics.js';
import { metrics as defaultMetrics } from './metrics.js';
import { acquireLock } from './redis.js';

interface Response {
  data: any;
  headers: Record<string, string | number | undefined>;
}
export interface RequestClient {
  request(route: string, params?: Record<string, unknown>): Promise<Response>;
}

type Log = { info: (obj: object, msg: string) => void; warn: (obj: object, msg: string) => void; error: (obj: object, msg: string) => void };

export interface ReconcileOptions {
  /** The app's own client (JWT): lists installations. */
  appClient: () => Promise<RequestClient>;
  installationClient: (installationId: number) => Promise<RequestClient>;
  enqueue: (job: ReviewJob) => Promise<boolean>;
  /** dbarch's App id: only its own check runs count (another App may name a check `dbarch`). */
  appId?: number;
  /** With Redis: the lock that keeps other replicas out. */
  redis?: Redis;
  prefix?: string;
  /** GitHub requests per run, at most (default 1,000). */
  maxRequests?: number;
  /** Stop a run when a response says fewer requests than this are left (default 500). */
  minRateLimitRemaining?: number;
  /** A `dbarch` check still in progress after this long counts as lost (default 30 min). */
  staleAfterMs?: number;
  /** Other replicas skip reconciling for this long after a run (default: the interval). */
  minGapMs?: number;
  log?: Log;
  metrics?: Metrics;
  now?: () => number;
}

export interface ReconcileResult {
  status: 'done' | 'locked' | 'budget' | 'rate-limited';
  installations: number;
  repositories: number;
  pulls: number;
  requests: number;
  /** Jobs queued (duplicates of jobs already queued are not counted). */
  enqueued: ReviewJob[];
}

class Budget extends Error {
  constructor(readonly reason: 'budget' | 'rate-limited') {
    super(reason);
  }
}

const PER_PAGE = 100;

export async function reconcileOnce(opts: ReconcileOptions): Promise<ReconcileResult> {
  const m = opts.metrics ?? defaultMetrics;
  const now = opts.now ?? Date.now;
  const result: ReconcileResult = { status: 'done', installations: 0, repositories: 0, pulls: 0, requests: 0, enqueued: [] };
  const lockKey = `${opts.prefix ?? 'dbarch'}:dbarch:reconcile`;
  const owner = randomUUID();
  const lockTtl = 5 * 60_000;
  if (opts.redis && !(await acquireLock(opts.redis, lockKey, owner, lockTtl))) {
    m.reconcileRuns.inc({ result: 'skipped' });
    return { ...result, status: 'locked' };
  }
  const maxRequests = opts.maxRequests ?? 1000;
  const minRemaining = opts.minRateLimitRemaining ?? 500;
  const staleAfter = opts.staleAfterMs ?? 30 * 60_000;

  let rateLimited = false;
  const call = async (client: RequestClient, route: string, params: Record<string, unknown>): Promise<any> => {
    // The reviews need the rate limit more than the reconciliation does: stop early, resume next run.
    if (rateLimited) throw new Budget('rate-limited');
    if (result.requests >= maxRequests) throw new Budget('budget');
    result.requests++;
    const res = await client.request(route, params);
    const remaining = Number(res.headers['x-ratelimit-remaining']);
    if (Number.isFinite(remaining) && remaining < minRemaining) rateLimited = true;
    return res.data;
  };
  const pages = async function* <T>(client: RequestClient, route: string, params: Record<string, unknown>, pick: (d: any) => T[]): AsyncGenerator<T> {
    for (let page = 1; ; page++) {
      const items = pick(await call(client, route, { ...params, per_page: PER_PAGE, page }));
      yield* items;
      if (items.length < PER_PAGE) return;
    }
  };

  try {
    const app = await opts.appClient();
    for await (const inst of pages<{ id: number; suspended_at?: string | null }>(app, 'GET /app/installations', {}, (d) => d)) {
      if (inst.suspended_at) continue;
      result.installations++;
      if (opts.redis) await acquireLock(opts.redis, lockKey, owner, lockTtl);
      const client = await opts.installationClient(inst.id);
      const repos: { name: string; owner: { login: string }; archived?: boolean }[] = [];
      for await (const r of pages<{ name: string; owner: { login: string }; archived?: boolean }>(client, 'GET /installation/repositories', {}, (d) => d.repositories)) {
        if (!r.archived) repos.push(r);
      }
      for (const repo of repos) {
        result.repositories++;
        const ref = { owner: repo.owner.login, repo: repo.name };
        type Pull = { number: number; draft?: boolean; head: { sha: string }; base: { sha: string; ref: string } };
        for await (const pr of pages<Pull>(client, 'GET /repos/{owner}/{repo}/pulls', { ...ref, state: 'open' }, (d) => d)) {
          result.pulls++;
          const own = opts.appId !== undefined ? { app_id: opts.appId } : {};
          const checks = await call(client, 'GET /repos/{owner}/{repo}/commits/{ref}/check-runs', { ...ref, ref: pr.head.sha, check_name: CHECK_NAME, ...own, filter: 'latest', per_page: 10 });
          const runs = ((checks.check_runs ?? []) as { status: string; started_at?: string | null; app?: { id?: number } | null }[]).filter(
            (r) => opts.appId === undefined || r.app?.id === opts.appId,
          );
          let job: ReviewJob | undefined;
          const base = { installationId: inst.id, ...ref, pullNumber: pr.number, headSha: pr.head.sha };
          if (runs.length === 0) {
            job = {
              ...base,
              deliveryId: `reconcile:${ref.owner}/${ref.repo}#${pr.number}@${pr.head.sha}`,
              kind: 'review',
              pull: { number: pr.number, headSha: pr.head.sha, baseSha: pr.base.sha, baseRef: pr.base.ref, draft: pr.draft ?? false },
              trigger: 'reconcile (no dbarch check)',
            };
          } else if (runs.every((r) => r.status !== 'completed' && r.started_at && now() - Date.parse(r.started_at) > staleAfter)) {
            const startedAt = runs.map((r) => r.started_at).sort().at(-1);
            job = { ...base, deliveryId: `reconcile-stale:${ref.owner}/${ref.repo}#${pr.number}@${pr.head.sha}@${startedAt}`, kind: 'rerequest', trigger: 'reconcile (dbarch check stuck in progress)' };
          }
          if (job && (await opts.enqueue(job))) {
            result.enqueued.push(job);
            m.reconcileEnqueued.inc();
            opts.log?.info({ deliveryId: job.deliveryId, repo: `${ref.owner}/${ref.repo}`, pr: pr.number, sha: pr.head.sha }, 'reconcile: queued a pull request without a dbarch check');
          }
        }
      }
    }
    m.reconcileRuns.inc({ result: 'done' });
  } catch (err) {
    if (!(err instanceof Budget)) {
      m.reconcileRuns.inc({ result: 'error' });
      throw err;
    }
    result.status = err.reason;
    m.reconcileRuns.inc({ result: err.reason });
    opts.log?.warn({ requests: result.requests }, `reconcile stopped early (${err.reason}); the next run continues`);
  } finally {
    // Keep the lock as a "recently reconciled" marker so the other replicas skip this round.
    if (opts.redis) await acquireLock(opts.redis, lockKey, owner, Math.max(1, opts.minGapMs ?? 1)).catch(() => false);
  }
  return result;
}

export interface Reconciler {
  /** Run now (also what the timer does); concurrent calls share one run. */
  runNow(): Promise<ReconcileResult | undefined>;
  stop(): Promise<void>;
}

/** Reconcile at start and every intervalMs (DBARCH_RECONCILE_INTERVAL, seconds; 0 disables). */
export function startReconciler(opts: ReconcileOptions & { intervalMs: number; runAtStart?: boolean }): Reconciler {
  let current: Promise<ReconcileResult | undefined> | undefined;
  let stopped = false;
  const runNow = () => {
    if (stopped) return Promise.resolve(undefined);
    current ??= reconcileOnce({ minGapMs: Math.floor(opts.intervalMs * 0.8), ...opts })
      .catch((err: unknown) => {
        opts.log?.error({ err }, 'reconcile failed');
        return undefined;
      })
      .finally(() => {
        current = undefined;
      });
    return current;
  };
  const timer = opts.intervalMs > 0 ? setInterval(() => void runNow(), opts.intervalMs) : undefined;
  timer?.unref();
  if (opts.runAtStart ?? true) setTimeout(() => void runNow(), 0).unref();
  return {
    runNow,
    async stop() {
      stopped = true;
      if (timer) clearInterval(timer);
      await current;
    },
  };
}

/** DBARCH_RECONCILE_INTERVAL in seconds (default 600; 0 turns the reconciliation off). */
export function reconcileIntervalMs(env: NodeJS.ProcessEnv): number {
  const raw = env.DBARCH_RECONCILE_INTERVAL;
  if (raw === undefined || raw === '') return 600_000;
  const s = Number(raw);
  if (!Number.isFinite(s) || s < 0) throw new Error(`DBARCH_RECONCILE_INTERVAL must be a number of seconds, got "${raw}"`);
  return s * 1000;
}
