// Test harness: a Probot instance with dbarch loaded, GitHub mocked with nock, every
// outgoing request recorded in order, and any unmatched request failing the test.
import { generateKeyPairSync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import nock from 'nock';
import { pino } from 'pino';
import { Probot } from 'probot';
import { expect } from 'vitest';
import type { AppDeps, DbarchApp } from '../../src/app/index.js';
import { createApp } from '../../src/app/index.js';
import { createOctokitClass } from '../../src/app/octokit.js';
import type { Finding, Report, StatementReport } from '../../src/types.js';

export const API = 'https://api.github.com';
export const HEAD1 = '1'.repeat(40);
export const HEAD2 = '2'.repeat(40);
export const BASE = 'b'.repeat(40);
export const INSTALLATION = 4242;
export const REPO = '/repos/acme/shop';

let cachedKey: string | undefined;
export function testPrivateKey(): string {
  cachedKey ??= generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs1', format: 'pem' }).toString();
  return cachedKey;
}

export function fixture(name: string): any {
  return JSON.parse(readFileSync(new URL(`../../fixtures/webhooks/${name}.json`, import.meta.url), 'utf8'));
}

export interface Call {
  method: string;
  path: string;
  body: any;
}

export interface Harness {
  probot: Probot;
  app: DbarchApp;
  calls: Call[];
  unmatched: string[];
  /** The nock scope for api.github.com; interceptors are added by the test. */
  api: nock.Scope;
  receive(name: string, payload: any, id?: string): Promise<void>;
  idle(): Promise<void>;
  /** Requests other than the installation token. */
  apiCalls(): Call[];
}

export async function setup(deps: Partial<AppDeps> = {}, github: { requestTimeoutMs?: number } = {}): Promise<Harness> {
  nock.disableNetConnect();
  const calls: Call[] = [];
  const unmatched: string[] = [];
  nock.emitter.on('no match', (req: any) => {
    unmatched.push(`${req.method} ${req.path ?? req.href ?? req.url ?? ''}`);
  });
  const api = nock(API);
  api.on('request', (req: any, _interceptor: unknown, body: string) => {
    const url = new URL(req.path ?? req.href, API);
    calls.push({ method: req.method, path: url.pathname + url.search, body: body ? JSON.parse(body) : undefined });
  });
  api.post(`/app/installations/${INSTALLATION}/access_tokens`).reply(201, { token: 'ghs_test', expires_at: '2099-01-01T00:00:00Z', permissions: {} });
  const app = createApp({ now: () => new Date('2026-11-25T12:00:00Z'), architect: undefined, identity: { appId: 123, login: 'dbarch[bot]' }, ...deps });
  const probot = new Probot({
    appId: 123,
    privateKey: testPrivateKey(),
    secret: 'test-secret',
    log: pino({ level: 'silent' }),
    Octokit: createOctokitClass({ retryBaseMs: 1, rateLimitBaseMs: 1, paceWrites: false, ...github }),
  });
  await probot.load(app.appFn);
  return {
    probot,
    app,
    calls,
    unmatched,
    api,
    async receive(name, payload, id = `delivery-${Math.random().toString(36).slice(2)}`) {
      await probot.receive({ id, name, payload } as any);
    },
    idle: () => app.queue.onIdle(),
    apiCalls: () => calls.filter((c) => !c.path.startsWith('/app/installations/')),
  };
}

/** Body of the last check-run update (the completing one). */
export function lastCheckUpdate(h: Harness): any {
  return h.apiCalls().filter((c) => c.method === 'PATCH' && c.path.includes('/check-runs/')).at(-1)?.body;
}

export function teardown(): void {
  nock.cleanAll();
  nock.emitter.removeAllListeners('no match');
  nock.enableNetConnect();
}

// ------------------------------------------------------------------ GitHub responses

export function configNotFound(api: nock.Scope): void {
  api.get(`${REPO}/contents/.github%2Fdbarch.yml`).reply(404, { message: 'Not Found' });
  api.get('/repos/acme/.github/contents/.github%2Fdbarch.yml').reply(404, { message: 'Not Found' });
}

export function configYaml(api: nock.Scope, yaml: string): void {
  api.get(`${REPO}/contents/.github%2Fdbarch.yml`).reply(200, yaml, { 'content-type': 'application/vnd.github.raw; charset=utf-8' });
}

export function checkCreated(api: nock.Scope, id = 9001): void {
  api.post(`${REPO}/check-runs`).reply(201, { id, name: 'dbarch', status: 'in_progress' });
}

/** A PR with no dbarch comment or review yet: the summary comment and one review are created. */
export function firstCommentAndReview(api: nock.Scope, pullNumber = 17): void {
  api.get(`${REPO}/issues/${pullNumber}/comments?per_page=100`).reply(200, []);
  api.post(`${REPO}/issues/${pullNumber}/comments`).reply(201, { id: 1 });
  api.get(`${REPO}/pulls/${pullNumber}/comments?per_page=100`).reply(200, []);
  api.post(`${REPO}/pulls/${pullNumber}/reviews`).reply(200, { id: 1 });
}

/**
 * Answers the summary comment, the review and `checkUpdates` check-run updates, delivers
 * `pull_request.opened` and waits for the review: every mocked request was made, no other one.
 */
export async function reviewOpened(h: Harness, checkUpdates = 1): Promise<void> {
  firstCommentAndReview(h.api);
  h.api.patch(`${REPO}/check-runs/9001`).times(checkUpdates).reply(200, {});
  await h.receive('pull_request', fixture('pull_request.opened'));
  await h.idle();
  expect(h.unmatched).toEqual([]);
  expect(h.api.isDone()).toBe(true);
}

export function prFile(filename: string, patch?: string, status = 'added') {
  return { sha: 'f'.repeat(40), filename, status, additions: 1, deletions: 0, changes: 1, patch };
}

/** A patch that adds every line of `content` (a new file). */
export function addedPatch(content: string): string {
  const lines = content.replace(/\n$/, '').split('\n');
  return `@@ -0,0 +1,${lines.length} @@\n${lines.map((l) => `+${l}`).join('\n')}`;
}

export function graphqlBlobs(api: nock.Scope, files: Record<string, string | null>, opts: { truncated?: string[] } = {}): void {
  api.post('/graphql').reply(200, (_uri, body: any) => {
    const repository: Record<string, unknown> = {};
    for (const [k, v] of Object.entries<string>(body.variables)) {
      if (!/^[ed]\d+$/.test(k)) continue;
      const path = v.slice(v.indexOf(':') + 1);
      const text = files[path];
      if (text === undefined) repository[k.replace('e', 'f')] = null;
      else if (opts.truncated?.includes(path)) repository[k.replace('e', 'f')] = { oid: `oid-${path}`, byteSize: 2_000_000, isBinary: false, isTruncated: true, text: null };
      else repository[k.replace('e', 'f')] = { oid: `oid-${path}`, byteSize: Buffer.byteLength(text ?? ''), isBinary: false, isTruncated: false, text };
    }
    return { data: { repository } };
  });
}

// ------------------------------------------------------------------ reports

export function finding(over: Partial<Finding> & Pick<Finding, 'rule' | 'line'>): Finding {
  return {
    severity: 'error',
    column: 1,
    endLine: over.line,
    endColumn: 10,
    message: `${over.rule} message`,
    engine: 'builtin',
    ...over,
  };
}

export function statement(over: Partial<StatementReport> = {}): StatementReport {
  return {
    line: 1,
    column: 1,
    endLine: 1,
    endColumn: 40,
    kind: 'ALTER TABLE',
    locks: [{ relation: 'public.users', mode: 'ACCESS EXCLUSIVE' }],
    rewritesTable: false,
    scansTable: false,
    inTransaction: true,
    transactional: true,
    blocks: { reads: true, writes: true, ddl: true },
    ...over,
  };
}

export function report(files: { path: string; findings?: Finding[]; statements?: StatementReport[] }[]): Report {
  const fr = files.map((f) => ({
    path: f.path,
    framework: 'sql' as const,
    direction: 'up' as const,
    transaction: 'transaction' as const,
    statements: f.statements ?? [statement()],
    findings: f.findings ?? [],
  }));
  const all = fr.flatMap((f) => f.findings);
  return {
    files: fr,
    summary: {
      files: fr.length,
      statements: fr.reduce((n, f) => n + f.statements.length, 0),
      errors: all.filter((f) => f.severity === 'error').length,
      warnings: all.filter((f) => f.severity === 'warning').length,
      infos: all.filter((f) => f.severity === 'info').length,
    },
  };
}
