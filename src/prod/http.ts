// /readyz and /metrics for the Probot server (as `extraHandlers` of src/app/server.ts), and the
// webhook ack-latency probe on the raw HTTP server.
import { existsSync } from 'node:fs';
import type { IncomingMessage, Server as HttpServer, ServerResponse } from 'node:http';
import type { Redis } from 'ioredis';
import { resolveSquawkBinary } from '../engines/squawk.js';
import type { Metrics } from './metrics.js';
import { CONTENT_TYPE, metrics as defaultMetrics } from './metrics.js';
import { pingRedis } from './redis.js';

export type HttpHandler = (req: IncomingMessage, res: ServerResponse) => boolean | Promise<boolean>;

export interface CheckResult {
  ok: boolean;
  detail?: string;
}
export interface Readiness {
  ready: boolean;
  checks: Record<string, CheckResult>;
}

export interface ReadinessOptions {
  /** Checked when set (REDIS_URL configured). */
  redis?: Redis;
  redisTimeoutMs?: number;
  squawkPath?: () => string | undefined;
  /** Loads PGlite and runs a query; the result is cached (it costs a WASM instance). */
  pglite?: () => Promise<void>;
  /** A failed PGlite check is retried after this long; a passed one is kept. */
  pgliteRetryMs?: number;
  now?: () => number;
}

export async function loadPglite(): Promise<void> {
  const { PGlite } = await import('@electric-sql/pglite');
  const db = await PGlite.create();
  try {
    await db.query('SELECT 1');
  } finally {
    await db.close();
  }
}

export function createReadiness(opts: ReadinessOptions = {}): () => Promise<Readiness> {
  const now = opts.now ?? Date.now;
  const squawkPath = opts.squawkPath ?? resolveSquawkBinary;
  const pglite = opts.pglite ?? loadPglite;
  let pgliteResult: { at: number; result: CheckResult } | undefined;
  let pgliteRunning: Promise<CheckResult> | undefined;
  const checkPglite = async (): Promise<CheckResult> => {
    if (pgliteResult && (pgliteResult.result.ok || now() - pgliteResult.at < (opts.pgliteRetryMs ?? 60_000))) return pgliteResult.result;
    pgliteRunning ??= pglite().then(
      () => ({ ok: true }),
      (err: unknown) => ({ ok: false, detail: err instanceof Error ? err.message : String(err) }),
    );
    const result = await pgliteRunning;
    pgliteRunning = undefined;
    pgliteResult = { at: now(), result };
    return result;
  };
  return async () => {
    const checks: Record<string, CheckResult> = {};
    const squawk = squawkPath();
    checks.squawk = squawk && existsSync(squawk) ? { ok: true } : { ok: false, detail: squawk ? `not found at ${squawk}` : 'squawk binary not resolvable' };
    const [redis, pg] = await Promise.all([opts.redis ? pingRedis(opts.redis, opts.redisTimeoutMs ?? 1000) : Promise.resolve(null), checkPglite()]);
    if (opts.redis) checks.redis = redis === undefined ? { ok: true } : { ok: false, detail: redis ?? 'unreachable' };
    checks.pglite = pg;
    return { ready: Object.values(checks).every((c) => c.ok), checks };
  };
}

function pathOf(req: IncomingMessage): string | undefined {
  return req.url?.split('?')[0];
}

export function readyzHandler(readiness: () => Promise<Readiness>): HttpHandler {
  return async (req, res) => {
    if (req.method !== 'GET' || pathOf(req) !== '/readyz') return false;
    const r = await readiness();
    res.writeHead(r.ready ? 200 : 503, { 'content-type': 'application/json' }).end(JSON.stringify({ status: r.ready ? 'ready' : 'not ready', checks: r.checks }));
    return true;
  };
}

export function metricsHandler(m: Metrics = defaultMetrics): HttpHandler {
  return async (req, res) => {
    if (req.method !== 'GET' || pathOf(req) !== '/metrics') return false;
    res.writeHead(200, { 'content-type': CONTENT_TYPE }).end(await m.registry.render());
    return true;
  };
}

/** Webhooks received and the time to answer them, measured on the HTTP server itself. */
export function instrumentWebhooks(server: HttpServer, m: Metrics = defaultMetrics, webhookPath = '/api/github/webhooks'): void {
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    if (req.method !== 'POST' || pathOf(req) !== webhookPath) return;
    const started = performance.now();
    res.once('finish', () => {
      const event = String(req.headers['x-github-event'] ?? 'unknown');
      m.webhooksReceived.inc({ event, status: res.statusCode });
      m.webhookAck.observe({ event }, (performance.now() - started) / 1000);
    });
  });
}
