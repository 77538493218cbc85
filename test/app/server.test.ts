// The real Probot server on loopback: a correctly signed webhook is answered and reviewed,
// a bad signature is rejected before any GitHub API call.
import { createHmac } from 'node:crypto';
import { createServer } from 'node:net';
import nock from 'nock';
import type { Server } from 'probot';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DbarchApp } from '../../src/app/index.js';
import { handleShutdown, startServer } from '../../src/app/server.js';
import { API, INSTALLATION, REPO, checkCreated, configNotFound, fixture, prFile, testPrivateKey } from './helpers.js';

const SECRET = 'server-test-secret';
let server: Server;
let app: DbarchApp;
let base: string;
const calls: string[] = [];
const unmatched: string[] = [];

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });
}

function sign(body: string, secret = SECRET): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

async function post(body: string, signature: string, event = 'pull_request', id = 'srv-delivery-1') {
  return fetch(`${base}/api/github/webhooks`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-github-event': event, 'x-github-delivery': id, 'x-hub-signature-256': signature },
    body,
  });
}

beforeAll(async () => {
  nock.disableNetConnect();
  nock.enableNetConnect('127.0.0.1');
  nock.emitter.on('no match', (req: any) => {
    const host = req.host ?? req.hostname ?? new URL(req.href ?? 'http://x').host;
    if (!String(host).startsWith('127.0.0.1')) unmatched.push(`${req.method} ${req.path ?? req.href}`);
  });
  const port = await freePort();
  ({ server, app } = await startServer({
    env: { APP_ID: '123', PRIVATE_KEY: testPrivateKey(), WEBHOOK_SECRET: SECRET, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'fatal' },
    deps: { analyze: async () => { throw new Error('not reached: no migrations'); }, architect: undefined },
    github: { retryBaseMs: 1, rateLimitBaseMs: 1, paceWrites: false },
  }));
  base = `http://127.0.0.1:${port}`;
});

afterAll(async () => {
  await server?.stop();
  nock.cleanAll();
  nock.emitter.removeAllListeners('no match');
  nock.enableNetConnect();
});

describe('server', () => {
  it('answers /healthz', async () => {
    const res = await fetch(`${base}/healthz`);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ status: 'ok', queue: { pending: 0, running: 0 } });
  });

  it('rejects a badly signed webhook without calling GitHub', async () => {
    const body = JSON.stringify(fixture('pull_request.opened'));
    const res = await post(body, sign(body, 'wrong-secret'), 'pull_request', 'srv-bad');
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.status).toBeLessThan(500);
    await app.queue.onIdle();
    expect(app.queue.stats()).toMatchObject({ pending: 0, running: 0, completed: 0 });
    expect(calls).toEqual([]);
    expect(unmatched).toEqual([]);
  });

  it('answers a correctly signed webhook and reviews the PR off the request path', async () => {
    const api = nock(API);
    api.on('request', (req: any) => calls.push(`${req.method} ${new URL(req.path ?? req.href, API).pathname}`));
    api.post(`/app/installations/${INSTALLATION}/access_tokens`).reply(201, { token: 'ghs_srv', expires_at: '2099-01-01T00:00:00Z' });
    // dbarch learns its own App id and bot login once, with the App's JWT.
    api.get('/app').reply(200, { id: 123, slug: 'dbarch' });
    checkCreated(api, 4711);
    configNotFound(api);
    api.get(`${REPO}/pulls/17/files?per_page=100`).reply(200, [prFile('README.md', '@@ -1 +1 @@\n-a\n+b', 'modified')]);
    api.get(`${REPO}/issues/17/comments?per_page=100`).reply(200, []);
    let completed: any;
    api.patch(`${REPO}/check-runs/4711`).reply(200, (_uri, b: any) => ((completed = b), { id: 4711 }));

    const body = JSON.stringify(fixture('pull_request.opened'));
    const res = await post(body, sign(body));
    expect(res.status).toBe(200);
    await app.queue.onIdle();
    expect(unmatched).toEqual([]);
    expect(api.isDone()).toBe(true);
    expect(calls).toContain(`PATCH ${REPO}/check-runs/4711`);
    expect(completed).toMatchObject({ status: 'completed', conclusion: 'success', output: { title: 'No migration changes' } });
  });

  it('stops on SIGTERM: no more webhooks, queue drained, exit 0', async () => {
    const code = await new Promise<number>((resolve) => {
      handleShutdown(server, app, resolve);
      process.emit('SIGTERM', 'SIGTERM');
    });
    expect(code).toBe(0);
    await expect(fetch(`${base}/healthz`)).rejects.toThrow();
    await expect(app.queue.enqueue({ deliveryId: 'late', kind: 'review', installationId: 1, owner: 'o', repo: 'r', pullNumber: 1, headSha: 'x', trigger: 't' })).rejects.toThrow('closed');
  });
});
