// The reconciliation of missed webhooks: GitHub mocked with nock, the real App reviewing what
// it finds; the one-replica-at-a-time lock on the real Redis.
import nock from 'nock';
import { afterEach, describe, expect, it } from 'vitest';
import type { ReviewJob } from '../../src/app/queue.js';
import { createMetrics } from '../../src/prod/metrics.js';
import type { RequestClient } from '../../src/prod/reconcile.js';
import { reconcileIntervalMs, reconcileOnce } from '../../src/prod/reconcile.js';
import { connectRedis } from '../../src/prod/redis.js';
import { API, BASE, HEAD1, INSTALLATION, REPO, checkCreated, configYaml, graphqlBlobs, lastCheckUpdate, prFile, report, setup, teardown } from '../app/helpers.js';
import { REDIS_URL, cleanPrefix, hasRedis, uniquePrefix } from './helpers.js';

afterEach(teardown);

const NOW = Date.parse('2026-11-25T12:00:00Z');

function pull(number: number, sha: string, draft = false) {
  return { number, draft, state: 'open', head: { sha }, base: { sha: BASE, ref: 'main' } };
}

/** A plain client over fetch-less nock: octokit-like `request` with route templates. */
function client(token: string): RequestClient {
  return {
    async request(route, params = {}) {
      const [method, template] = route.split(' ') as [string, string];
      const used = new Set<string>();
      const path = template.replace(/\{(\w+)\}/g, (_, k: string) => {
        used.add(k);
        return encodeURIComponent(String(params[k]));
      });
      const query = new URLSearchParams(Object.entries(params).filter(([k]) => !used.has(k)).map(([k, v]) => [k, String(v)]));
      const res = await fetch(`${API}${path}${query.size ? `?${query}` : ''}`, { method, headers: { authorization: `token ${token}` } });
      if (!res.ok) throw Object.assign(new Error(`HTTP ${res.status}`), { status: res.status });
      return { data: await res.json(), headers: Object.fromEntries(res.headers) };
    },
  };
}

describe('reconcileOnce', () => {
  it('queues open PRs whose head has no dbarch check, and those stuck in progress, within one walk', async () => {
    nock.disableNetConnect();
    const api = nock(API);
    api.get('/app/installations?per_page=100&page=1').reply(200, [{ id: 1 }, { id: 2, suspended_at: '2026-01-01T00:00:00Z' }]);
    api.get('/installation/repositories?per_page=100&page=1').reply(200, {
      total_count: 2,
      repositories: [
        { name: 'shop', owner: { login: 'acme' } },
        { name: 'old', owner: { login: 'acme' }, archived: true },
      ],
    });
    api.get('/repos/acme/shop/pulls?state=open&per_page=100&page=1').reply(200, [pull(17, HEAD1), pull(18, 'e'.repeat(40)), pull(19, 'f'.repeat(40), true)]);
    const checks = (sha: string, runs: object[]) =>
      api.get(`/repos/acme/shop/commits/${sha}/check-runs?check_name=dbarch&filter=latest&per_page=10`).reply(200, { total_count: runs.length, check_runs: runs });
    checks(HEAD1, []);
    checks('e'.repeat(40), [{ status: 'completed', conclusion: 'success', started_at: '2026-11-25T11:00:00Z' }]);
    checks('f'.repeat(40), [{ status: 'in_progress', started_at: '2026-11-25T10:00:00Z' }]);
    const enqueued: ReviewJob[] = [];
    const m = createMetrics();
    const result = await reconcileOnce({
      appClient: async () => client('jwt'),
      installationClient: async (id) => client(`inst-${id}`),
      enqueue: async (j) => (enqueued.push(j), true),
      now: () => NOW,
      metrics: m,
    });
    expect(api.isDone()).toBe(true);
    expect(result).toMatchObject({ status: 'done', installations: 1, repositories: 1, pulls: 3, requests: 6 });
    expect(enqueued).toEqual([
      {
        installationId: 1,
        owner: 'acme',
        repo: 'shop',
        pullNumber: 17,
        headSha: HEAD1,
        deliveryId: `reconcile:acme/shop#17@${HEAD1}`,
        kind: 'review',
        pull: { number: 17, headSha: HEAD1, baseSha: BASE, baseRef: 'main', draft: false },
        trigger: 'reconcile (no dbarch check)',
      },
      {
        installationId: 1,
        owner: 'acme',
        repo: 'shop',
        pullNumber: 19,
        headSha: 'f'.repeat(40),
        deliveryId: `reconcile-stale:acme/shop#19@${'f'.repeat(40)}@2026-11-25T10:00:00Z`,
        kind: 'rerequest',
        trigger: 'reconcile (dbarch check stuck in progress)',
      },
    ]);
    expect(m.reconcileEnqueued.get()).toBe(2);
    expect(m.reconcileRuns.get({ result: 'done' })).toBe(1);
  });

  it('with the App id, another App’s check named `dbarch` does not count as a review', async () => {
    nock.disableNetConnect();
    const api = nock(API);
    api.get('/app/installations?per_page=100&page=1').reply(200, [{ id: 1 }]);
    api.get('/installation/repositories?per_page=100&page=1').reply(200, { total_count: 1, repositories: [{ name: 'shop', owner: { login: 'acme' } }] });
    api.get('/repos/acme/shop/pulls?state=open&per_page=100&page=1').reply(200, [pull(17, HEAD1)]);
    api
      .get(`/repos/acme/shop/commits/${HEAD1}/check-runs?check_name=dbarch&app_id=123&filter=latest&per_page=10`)
      .reply(200, { total_count: 1, check_runs: [{ status: 'completed', conclusion: 'success', started_at: '2026-11-25T11:00:00Z', app: { id: 999 } }] });
    const enqueued: ReviewJob[] = [];
    await reconcileOnce({
      appClient: async () => client('jwt'),
      installationClient: async (id) => client(`inst-${id}`),
      enqueue: async (j) => (enqueued.push(j), true),
      appId: 123,
      now: () => NOW,
      metrics: createMetrics(),
    });
    expect(api.isDone()).toBe(true);
    expect(enqueued.map((j) => [j.pullNumber, j.trigger])).toEqual([[17, 'reconcile (no dbarch check)']]);
  });

  it('stops at the request budget and when the rate limit runs low', async () => {
    nock.disableNetConnect();
    const api = nock(API);
    api.get('/app/installations?per_page=100&page=1').reply(200, [{ id: 1 }]);
    api.get('/installation/repositories?per_page=100&page=1').reply(200, { repositories: [{ name: 'shop', owner: { login: 'acme' } }] });
    const base = { appClient: async () => client('jwt'), installationClient: async () => client('i'), enqueue: async () => true, metrics: createMetrics() };
    const budget = await reconcileOnce({ ...base, maxRequests: 2 });
    expect(budget).toMatchObject({ status: 'budget', requests: 2, pulls: 0 });

    api.get('/app/installations?per_page=100&page=1').reply(200, [{ id: 1 }], { 'x-ratelimit-remaining': '12' });
    const low = await reconcileOnce({ ...base, minRateLimitRemaining: 100 });
    expect(low).toMatchObject({ status: 'rate-limited', requests: 1, installations: 1, repositories: 0 });
    expect(api.isDone()).toBe(true);
  });

  it('reads DBARCH_RECONCILE_INTERVAL in seconds', () => {
    expect(reconcileIntervalMs({})).toBe(600_000);
    expect(reconcileIntervalMs({ DBARCH_RECONCILE_INTERVAL: '30' })).toBe(30_000);
    expect(reconcileIntervalMs({ DBARCH_RECONCILE_INTERVAL: '0' })).toBe(0);
    expect(() => reconcileIntervalMs({ DBARCH_RECONCILE_INTERVAL: 'often' })).toThrow('DBARCH_RECONCILE_INTERVAL');
  });
});

describe('reconciliation with the App', () => {
  it('finds and reviews a PR whose webhook was never delivered', async () => {
    const PATH = 'db/migrate/20261125_add.sql';
    const SQL = 'CREATE TABLE t (id bigint PRIMARY KEY);\n';
    const h = await setup({ analyze: async () => report([{ path: PATH }]) });
    // No webhook: the reconciliation walks the installation.
    h.api.get('/app/installations?per_page=100&page=1').reply(200, [{ id: INSTALLATION }]);
    h.api.get('/installation/repositories?per_page=100&page=1').reply(200, { repositories: [{ name: 'shop', owner: { login: 'acme' } }] });
    h.api.get(`${REPO}/pulls?state=open&per_page=100&page=1`).reply(200, [pull(17, HEAD1)]);
    h.api.get(`${REPO}/commits/${HEAD1}/check-runs?check_name=dbarch&filter=latest&per_page=10`).reply(200, { total_count: 0, check_runs: [] });
    // The review it triggers.
    checkCreated(h.api);
    configYaml(h.api, 'trace:\n  enabled: false\n');
    h.api.get(`${REPO}/pulls/17/files?per_page=100`).reply(200, [prFile(PATH, `@@ -0,0 +1 @@\n+${SQL.trim()}`)]);
    graphqlBlobs(h.api, { [PATH]: SQL });
    h.api.get(`${REPO}/issues/17/comments?per_page=100`).reply(200, []);
    h.api.post(`${REPO}/issues/17/comments`).reply(201, { id: 1 });
    h.api.patch(`${REPO}/check-runs/9001`).reply(200, {});

    const result = await reconcileOnce({
      appClient: () => h.probot.auth() as never,
      installationClient: (id) => h.probot.auth(id) as never,
      enqueue: (j) => h.app.queue.enqueue(j),
      metrics: createMetrics(),
    });
    await h.idle();
    expect(result).toMatchObject({ status: 'done', pulls: 1, requests: 4 });
    expect(result.enqueued.map((j) => j.pullNumber)).toEqual([17]);
    expect(h.unmatched).toEqual([]);
    expect(h.api.isDone()).toBe(true);
    expect(h.apiCalls().find((c) => c.method === 'POST' && c.path === `${REPO}/check-runs`)!.body).toMatchObject({ name: 'dbarch', head_sha: HEAD1, status: 'in_progress' });
    expect(lastCheckUpdate(h)).toMatchObject({ status: 'completed', conclusion: 'success' });
    // A second run finds the review's job already known: nothing is queued twice.
    h.api.get('/app/installations?per_page=100&page=1').reply(200, [{ id: INSTALLATION }]);
    h.api.get('/installation/repositories?per_page=100&page=1').reply(200, { repositories: [{ name: 'shop', owner: { login: 'acme' } }] });
    h.api.get(`${REPO}/pulls?state=open&per_page=100&page=1`).reply(200, [pull(17, HEAD1)]);
    h.api.get(`${REPO}/commits/${HEAD1}/check-runs?check_name=dbarch&filter=latest&per_page=10`).reply(200, { total_count: 0, check_runs: [] });
    const again = await reconcileOnce({ appClient: () => h.probot.auth() as never, installationClient: (id) => h.probot.auth(id) as never, enqueue: (j) => h.app.queue.enqueue(j), metrics: createMetrics() });
    expect(again.enqueued).toEqual([]);
  });
});

describe.skipIf(!hasRedis)('reconciliation lock on Redis', () => {
  it('lets one replica reconcile at a time, and the others skip the round', async () => {
    const prefix = uniquePrefix();
    const redisA = connectRedis(REDIS_URL);
    const redisB = connectRedis(REDIS_URL);
    try {
      let release!: () => void;
      const gate = new Promise<void>((r) => (release = r));
      let entered!: () => void;
      const inside = new Promise<void>((r) => (entered = r));
      const slowApp: RequestClient = {
        async request() {
          entered();
          await gate;
          return { data: [], headers: {} };
        },
      };
      const base = { installationClient: async () => slowApp, enqueue: async () => true, prefix, metrics: createMetrics() };
      const first = reconcileOnce({ ...base, appClient: async () => slowApp, redis: redisA, minGapMs: 60_000 });
      await inside;
      const second = await reconcileOnce({ ...base, appClient: async () => slowApp, redis: redisB });
      expect(second.status).toBe('locked');
      expect(second.requests).toBe(0);
      release();
      expect((await first).status).toBe('done');
      // The finished run leaves a marker for minGapMs: the other replicas skip this round too.
      expect((await reconcileOnce({ ...base, appClient: async () => slowApp, redis: redisB })).status).toBe('locked');
      expect(await redisB.pttl(`${prefix}:dbarch:reconcile`)).toBeGreaterThan(50_000);
    } finally {
      await cleanPrefix(prefix);
      redisA.disconnect();
      redisB.disconnect();
    }
  });
});

describe('startReconciler', () => {
  it('runs at start and on demand, shares a run in progress, and stops', async () => {
    let calls = 0;
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const app: RequestClient = {
      async request() {
        calls++;
        await gate;
        return { data: [], headers: {} };
      },
    };
    const { startReconciler } = await import('../../src/prod/reconcile.js');
    const r = startReconciler({ intervalMs: 3_600_000, appClient: async () => app, installationClient: async () => app, enqueue: async () => true, metrics: createMetrics() });
    const a = r.runNow();
    const b = r.runNow();
    release();
    const [ra, rb] = await Promise.all([a, b]);
    expect(ra).toBe(rb);
    expect(ra).toMatchObject({ status: 'done', installations: 0, requests: 1 });
    await r.stop();
    expect(await r.runNow()).toBeUndefined();
    // The run at start (scheduled on the next tick) joined the first one or ran once more at most.
    expect(calls).toBeLessThanOrEqual(2);
  });
});
