// The webhook receiver bounds what an unauthenticated sender can make it read: no body
// without a signature, nothing over GitHub's 25 MB cap, the signature checked on the stream,
// and no free-form metrics labels from the event header.
import { createHmac } from 'node:crypto';
import { request } from 'node:http';
import nock from 'nock';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import type { ProdHandle } from '../../src/prod/main.js';
import { startProd } from '../../src/prod/main.js';
import { eventLabel } from '../../src/prod/http.js';
import { createMetrics } from '../../src/prod/metrics.js';
import { testPrivateKey } from '../app/helpers.js';
import { REDIS_URL, cleanPrefix, freePort, hasRedis, uniquePrefix } from './helpers.js';

const SECRET = 'guard-test-secret';
const handles: ProdHandle[] = [];

afterEach(async () => {
  await Promise.allSettled(handles.splice(0).map((h) => h.stop()));
  nock.cleanAll();
  nock.enableNetConnect();
});

async function start() {
  nock.disableNetConnect();
  nock.enableNetConnect('127.0.0.1');
  const port = await freePort();
  const metrics = createMetrics();
  const enqueued: string[] = [];
  const handle = await startProd({
    env: { APP_ID: '123', PRIVATE_KEY: testPrivateKey(), WEBHOOK_SECRET: SECRET, PORT: String(port), HOST: '127.0.0.1', DBARCH_RECONCILE_INTERVAL: '0' },
    deps: {
      analyze: async () => {
        throw new Error('not reached');
      },
      architect: undefined,
      createQueue: () => ({
        enqueue: async (job) => (enqueued.push(job.deliveryId), true),
        onIdle: async () => {},
        stats: () => ({ pending: 0, running: 0, completed: 0, dropped: 0, superseded: 0 }),
        close: async () => {},
      }),
    },
    github: { retries: 0 },
    metrics,
    log: pino({ level: 'silent' }),
  });
  handles.push(handle);
  return { port, metrics, enqueued };
}

interface Sent {
  status: number;
  /** Bytes the client managed to send before the server answered or closed. */
  sent: number;
}

/** Stream `total` bytes of JSON-ish filler (chunked, no content-length) until the server answers. */
function stream(port: number, headers: Record<string, string>, total: number): Promise<Sent> {
  return new Promise((resolve, reject) => {
    let sent = 0;
    let status = 0;
    const req = request({ host: '127.0.0.1', port, method: 'POST', path: '/api/github/webhooks', headers: { 'content-type': 'application/json', ...headers } });
    const chunk = Buffer.alloc(256 * 1024, 0x20);
    let stopped = false;
    const finish = () => {
      if (stopped) return;
      stopped = true;
      resolve({ status, sent });
    };
    req.on('response', (res) => {
      status = res.statusCode ?? 0;
      res.resume();
      res.on('end', finish);
      res.on('error', finish);
    });
    req.on('error', (err) => (status ? finish() : reject(err)));
    const pump = () => {
      while (!stopped && !status && sent < total) {
        sent += chunk.length;
        if (!req.write(chunk)) return void req.once('drain', pump);
      }
      if (sent >= total && !stopped) req.end();
    };
    pump();
  });
}

const signed = (body: string) => `sha256=${createHmac('sha256', SECRET).update(body).digest('hex')}`;

describe('webhook body limits', () => {
  it('refuses an unsigned 100 MB body at once, without reading it', async () => {
    const { port, enqueued } = await start();
    const r = await stream(port, { 'x-github-event': 'pull_request', 'x-github-delivery': 'd1' }, 100 * 1024 * 1024);
    expect(r.status).toBe(400);
    // Answered while the body was still streaming: the server never waited for (or held) it.
    expect(r.sent).toBeLessThan(100 * 1024 * 1024);
    expect(enqueued).toEqual([]);
  });

  it('refuses a declared content-length over 25 MB with 413 before reading', async () => {
    const { port } = await start();
    const status = await new Promise<number>((resolve, reject) => {
      const req = request({
        host: '127.0.0.1',
        port,
        method: 'POST',
        path: '/api/github/webhooks',
        headers: { 'content-length': String(26 * 1024 * 1024), 'x-github-event': 'pull_request', 'x-hub-signature-256': signed('x'), 'x-github-delivery': 'd2' },
      });
      req.on('response', (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      req.write('{');
    });
    expect(status).toBe(413);
  });

  it('aborts a signed-looking chunked body once it passes 25 MB (413, stream cut)', async () => {
    const { port, enqueued } = await start();
    const r = await stream(port, { 'x-github-event': 'pull_request', 'x-hub-signature-256': signed('whatever'), 'x-github-delivery': 'd3' }, 100 * 1024 * 1024);
    expect(r.status).toBe(413);
    expect(r.sent).toBeGreaterThan(25 * 1024 * 1024);
    expect(r.sent).toBeLessThan(100 * 1024 * 1024);
    expect(enqueued).toEqual([]);
  });

  it('refuses a body whose signature does not match (401) and queues nothing', async () => {
    const { port, enqueued } = await start();
    const body = JSON.stringify({ action: 'opened' });
    const res = await fetch(`http://127.0.0.1:${port}/api/github/webhooks`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-github-event': 'pull_request', 'x-github-delivery': 'd4', 'x-hub-signature-256': signed(`${body} `) },
      body,
    });
    expect(res.status).toBe(401);
    expect(enqueued).toEqual([]);
  });

  it('passes a correctly signed delivery to the App', async () => {
    const { port, metrics } = await start();
    const body = JSON.stringify({ zen: 'Keep it logically awesome.', hook_id: 1 });
    const res = await fetch(`http://127.0.0.1:${port}/api/github/webhooks`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-github-event': 'ping', 'x-github-delivery': 'd5', 'x-hub-signature-256': signed(body) },
      body,
    });
    expect(res.status).toBe(200);
    expect(metrics.webhooksReceived.get({ event: 'ping', status: 200 })).toBe(1);
  });
});

describe('metrics labels from the unauthenticated event header', () => {
  it('counts unknown event names as `other`, so /metrics cannot grow per request', async () => {
    const { port, metrics } = await start();
    for (let i = 0; i < 20; i++) {
      await fetch(`http://127.0.0.1:${port}/api/github/webhooks`, { method: 'POST', headers: { 'x-github-event': `evil-${i}`, 'x-github-delivery': `e${i}` }, body: '{}' });
    }
    const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    expect(text).not.toContain('evil-');
    expect(metrics.webhooksReceived.get({ event: 'other', status: 400 })).toBe(20);
    expect([eventLabel('pull_request'), eventLabel(['a', 'b']), eventLabel(undefined), eventLabel('x'.repeat(1000))]).toEqual(['pull_request', 'other', 'unknown', 'other']);
  });
});

describe.skipIf(!hasRedis)('commands across replicas (Redis)', () => {
  it('a command handled by one replica is not handled again by another', async () => {
    const prefix = uniquePrefix();
    try {
      const replicas = [];
      for (let i = 0; i < 2; i++) {
        const port = await freePort();
        const handle = await startProd({
          env: { APP_ID: '123', PRIVATE_KEY: testPrivateKey(), WEBHOOK_SECRET: SECRET, PORT: String(port), HOST: '127.0.0.1', DBARCH_RECONCILE_INTERVAL: '0', REDIS_URL, DBARCH_REDIS_PREFIX: prefix },
          deps: { architect: undefined, identity: { appId: 123, login: 'dbarch[bot]' } },
          log: pino({ level: 'silent' }),
          metrics: createMetrics(),
          readiness: async () => ({ ready: true, checks: {} }),
        });
        handles.push(handle);
        replicas.push(handle);
      }
      const [a, b] = replicas.map((r) => r.app.deps.commands!.firstTime!);
      expect(await a!('delivery:abc')).toBe(true);
      expect(await b!('delivery:abc')).toBe(false);
      expect(await b!('comment:acme/shop:1')).toBe(true);
    } finally {
      await Promise.allSettled(handles.splice(0).map((h) => h.stop()));
      await cleanPrefix(prefix);
    }
  });
});
