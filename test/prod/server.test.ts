// The production server (src/prod/main.ts) on loopback with GitHub mocked by nock: /healthz,
// /readyz, /metrics after a signed webhook, structured logs without secrets, SIGTERM; and with
// Redis, a job that fails every attempt completing its check as "dbarch could not finish".
import { createHmac } from 'node:crypto';
import { Writable } from 'node:stream';
import nock from 'nock';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { createReadiness } from '../../src/prod/http.js';
import type { ProdHandle } from '../../src/prod/main.js';
import { handleSignals, startProd } from '../../src/prod/main.js';
import { createMetrics } from '../../src/prod/metrics.js';
import { connectRedis } from '../../src/prod/redis.js';
import { API, HEAD1, INSTALLATION, REPO, checkCreated, configNotFound, fixture, prFile, testPrivateKey } from '../app/helpers.js';
import { REDIS_URL, cleanPrefix, freePort, hasRedis, uniquePrefix, until } from './helpers.js';

const SECRET = 'prod-test-secret';
const handles: ProdHandle[] = [];
const prefixes: string[] = [];

afterEach(async () => {
  await Promise.allSettled(handles.splice(0).map((h) => h.stop()));
  await Promise.all(prefixes.splice(0).map(cleanPrefix));
  nock.cleanAll();
  nock.enableNetConnect();
});

function logSink(): { lines: () => any[]; raw: () => string; stream: Writable } {
  let raw = '';
  const stream = new Writable({
    write(chunk, _enc, cb) {
      raw += chunk.toString();
      cb();
    },
  });
  return { stream, raw: () => raw, lines: () => raw.split('\n').filter(Boolean).map((l) => JSON.parse(l)) };
}

async function start(env: Record<string, string> = {}, readiness?: Parameters<typeof startProd>[0]['readiness']) {
  nock.disableNetConnect();
  nock.enableNetConnect('127.0.0.1');
  const port = await freePort();
  const sink = logSink();
  const metrics = createMetrics();
  const handle = await startProd({
    env: { APP_ID: '123', PRIVATE_KEY: testPrivateKey(), WEBHOOK_SECRET: SECRET, PORT: String(port), HOST: '127.0.0.1', DBARCH_RECONCILE_INTERVAL: '0', ...env },
    deps: { analyze: async () => { throw new Error('not reached'); }, architect: undefined, identity: { appId: 123, login: 'dbarch[bot]' } },
    github: { retries: 0, retryBaseMs: 1, rateLimitBaseMs: 1, paceWrites: false },
    metrics,
    log: pino({ level: 'info' }, sink.stream),
    readiness,
  });
  handles.push(handle);
  return { handle, metrics, sink, base: `http://127.0.0.1:${port}` };
}

function post(base: string, body: string, id: string) {
  return fetch(`${base}/api/github/webhooks`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-github-event': 'pull_request',
      'x-github-delivery': id,
      'x-hub-signature-256': `sha256=${createHmac('sha256', SECRET).update(body).digest('hex')}`,
    },
    body,
  });
}

function noMigrationsReview(api: nock.Scope) {
  api.post(`/app/installations/${INSTALLATION}/access_tokens`).reply(201, { token: 'ghs_secret_token_value', expires_at: '2099-01-01T00:00:00Z' });
  checkCreated(api, 4711);
  configNotFound(api);
  api.get(`${REPO}/pulls/17/files?per_page=100`).reply(200, [prFile('README.md', '@@ -1 +1 @@\n-a\n+b', 'modified')], { 'x-ratelimit-remaining': '4321' });
  api.get(`${REPO}/issues/17/comments?per_page=100`).reply(200, []);
  api.patch(`${REPO}/check-runs/4711`).reply(200, { id: 4711 });
}

describe('production server, in-process queue', () => {
  it('serves /healthz, /readyz and /metrics, measures webhooks, logs context without secrets, stops on SIGTERM', async () => {
    const { handle, metrics, sink, base } = await start({}, async () => ({ ready: true, checks: { squawk: { ok: true }, pglite: { ok: true } } }));
    expect(handle.role).toBe('all');
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    const ready = await fetch(`${base}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: 'ready', checks: { squawk: { ok: true }, pglite: { ok: true } } });

    const api = nock(API);
    noMigrationsReview(api);
    const body = JSON.stringify(fixture('pull_request.opened'));
    expect((await post(base, body, 'prod-delivery-1')).status).toBe(200);
    await handle.queue.onIdle();
    expect(api.isDone()).toBe(true);

    const res = await fetch(`${base}/metrics`);
    expect(res.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
    const text = await res.text();
    expect(text).toContain('dbarch_webhooks_received_total{event="pull_request",status="200"} 1');
    expect(text).toContain('dbarch_webhook_ack_seconds_count{event="pull_request"} 1');
    expect(text).toContain('dbarch_jobs_enqueued_total{kind="review",result="accepted"} 1');
    expect(text).toContain('dbarch_job_duration_seconds_count{kind="review",result="ok"} 1');
    expect(text).toContain('dbarch_reviews_total{outcome="no-migrations"} 1');
    expect(text).toContain('dbarch_queue_depth{state="waiting"} 0');
    expect(text).toContain('dbarch_queue_depth{state="active"} 0');
    // POST 201: the installation token and the check run; GET 404: the repo and org config.
    expect(text).toContain('dbarch_github_requests_total{method="POST",status="201"} 2');
    expect(text).toContain('dbarch_github_requests_total{method="GET",status="404"} 2');
    expect(text).toContain('dbarch_github_requests_total{method="GET",status="200"} 2');
    expect(text).toContain('dbarch_github_requests_total{method="PATCH",status="200"} 1');
    expect(text).toContain('dbarch_github_rate_limit_remaining{resource="core"} 4321');
    expect(metrics.webhookAck.get({ event: 'pull_request' })!.count).toBe(1);

    // Each review log line names the delivery, repository, PR and head; no line carries a secret.
    const finished = sink.lines().find((l) => l.msg === 'review finished');
    expect(finished).toMatchObject({ deliveryId: 'prod-delivery-1', repo: 'acme/shop', pr: 17, sha: HEAD1, outcome: 'no-migrations' });
    for (const secret of [SECRET, 'ghs_secret_token_value', 'BEGIN RSA PRIVATE KEY']) expect(sink.raw()).not.toContain(secret);

    const code = await new Promise<number>((resolve) => {
      handleSignals(handle, pino({ level: 'silent' }), resolve);
      process.emit('SIGTERM', 'SIGTERM');
    });
    expect(code).toBe(0);
    await expect(fetch(`${base}/healthz`)).rejects.toThrow();
    await expect(handle.queue.enqueue({ deliveryId: 'late', kind: 'review', installationId: 1, owner: 'o', repo: 'r', pullNumber: 1, headSha: 'x', trigger: 't' })).rejects.toThrow('closed');
  });

  it('answers /readyz 503 with the failing check named', async () => {
    const { base } = await start({}, createReadiness({ squawkPath: () => '/nonexistent/squawk', pglite: async () => {} }));
    const res = await fetch(`${base}/readyz`);
    expect(res.status).toBe(503);
    expect(await res.json()).toEqual({ status: 'not ready', checks: { squawk: { ok: false, detail: 'not found at /nonexistent/squawk' }, pglite: { ok: true } } });
  });
});

describe('readiness checks', () => {
  it('finds the real squawk binary and loads PGlite once (cached)', async () => {
    let loads = 0;
    const { loadPglite } = await import('../../src/prod/http.js');
    const readiness = createReadiness({ pglite: async () => (loads++, loadPglite()) });
    const [a, b] = await Promise.all([readiness(), readiness()]);
    expect(a).toEqual({ ready: true, checks: { squawk: { ok: true }, pglite: { ok: true } } });
    expect(b).toEqual(a);
    expect((await readiness()).ready).toBe(true);
    expect(loads).toBe(1);
  }, 120_000);

  it('retries a failed PGlite check only after pgliteRetryMs', async () => {
    let now = 0;
    let loads = 0;
    const readiness = createReadiness({ squawkPath: () => process.execPath, pgliteRetryMs: 1000, now: () => now, pglite: async () => {
      loads++;
      if (loads === 1) throw new Error('wasm failed');
    } });
    expect(await readiness()).toEqual({ ready: false, checks: { squawk: { ok: true }, pglite: { ok: false, detail: 'wasm failed' } } });
    now = 500;
    expect((await readiness()).ready).toBe(false);
    now = 1500;
    expect((await readiness()).ready).toBe(true);
    expect(loads).toBe(2);
  });

  it('reports an unreachable Redis', async () => {
    const dead = connectRedis('redis://127.0.0.1:1', { lazy: true });
    dead.on('error', () => {});
    try {
      const r = await createReadiness({ redis: dead, redisTimeoutMs: 300, squawkPath: () => process.execPath, pglite: async () => {} })();
      expect(r.ready).toBe(false);
      expect(r.checks.redis!.ok).toBe(false);
      expect(r.checks.redis!.detail).toBeTruthy();
    } finally {
      dead.disconnect();
    }
  });
});

describe.skipIf(!hasRedis)('production server on Redis', () => {
  it('checks Redis in /readyz, and completes the check as "dbarch could not finish" when every attempt failed', async () => {
    const prefix = uniquePrefix();
    prefixes.push(prefix);
    const { handle, base, metrics } = await start(
      { REDIS_URL, DBARCH_REDIS_PREFIX: prefix, DBARCH_JOB_ATTEMPTS: '2', DBARCH_JOB_BACKOFF_MS: '10' },
      undefined,
    );
    const api = nock(API);
    api.post(`/app/installations/${INSTALLATION}/access_tokens`).reply(201, { token: 'ghs_x', expires_at: '2099-01-01T00:00:00Z' });
    // The check run cannot even be created: the review throws and the queue retries.
    api.post(`${REPO}/check-runs`).times(2).reply(422, { message: 'Validation Failed: head_sha is locked' });
    let finalCheck: any;
    api.post(`${REPO}/check-runs`).reply(201, (_uri, body) => ((finalCheck = body), { id: 1 }));
    const body = JSON.stringify(fixture('pull_request.opened'));
    expect((await post(base, body, 'prod-redis-1')).status).toBe(200);
    // The same delivery again (GitHub or a proxy redelivering) is dropped.
    expect((await post(base, body, 'prod-redis-1')).status).toBe(200);
    await until(() => finalCheck !== undefined, 30_000, 'the final check');
    expect(finalCheck).toMatchObject({
      name: 'dbarch',
      head_sha: HEAD1,
      status: 'completed',
      conclusion: 'failure',
      output: { title: 'dbarch could not finish' },
    });
    expect(finalCheck.output.summary).toBe(
      'dbarch gave up after 2 attempt(s):\n\n```\nHTTP 422: Validation Failed: head_sha is locked\n```\n\nRe-run the check to try again.',
    );
    expect(api.isDone()).toBe(true);
    expect(metrics.jobsExhausted.get({ kind: 'review' })).toBe(1);
    expect(metrics.jobsEnqueued.get({ kind: 'review', result: 'duplicate' })).toBe(1);
    const ready = await (await fetch(`${base}/readyz`)).json();
    expect(ready.checks.redis).toEqual({ ok: true });
    const text = await (await fetch(`${base}/metrics`)).text();
    expect(text).toContain('dbarch_queue_depth{state="failed"} 1');
    expect(handle.queue.stats().dropped).toBe(1);
  }, 120_000);
});

describe.skipIf(!hasRedis)('receiver and worker as separate processes on Redis', () => {
  it('a webhook received by a web replica is reviewed by a worker-only replica', async () => {
    const prefix = uniquePrefix();
    prefixes.push(prefix);
    const env = { REDIS_URL, DBARCH_REDIS_PREFIX: prefix };
    const web = await start({ ...env, DBARCH_ROLE: 'web' }, async () => ({ ready: true, checks: {} }));
    const worker = await start({ ...env, DBARCH_ROLE: 'worker' }, async () => ({ ready: true, checks: {} }));
    expect(web.handle.role).toBe('web');
    expect(worker.handle.role).toBe('worker');
    // The worker serves health and metrics but no webhooks.
    expect((await fetch(`${worker.base}/healthz`)).status).toBe(200);
    expect((await fetch(`${worker.base}/api/github/webhooks`, { method: 'POST', body: '{}' })).status).toBe(404);

    const api = nock(API);
    noMigrationsReview(api);
    const body = JSON.stringify(fixture('pull_request.opened'));
    expect((await post(web.base, body, 'split-1')).status).toBe(200);
    await until(() => worker.metrics.reviews.get({ outcome: 'no-migrations' }) === 1, 30_000, 'the worker review');
    expect(api.isDone()).toBe(true);
    expect(web.metrics.jobsEnqueued.get({ kind: 'review', result: 'accepted' })).toBe(1);
    expect(web.metrics.reviews.get({ outcome: 'no-migrations' })).toBe(0);
    expect(web.handle.queue.stats().completed).toBe(0);
    expect(worker.handle.queue.stats().completed).toBe(1);
  }, 60_000);
});
