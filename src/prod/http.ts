// /readyz and /metrics for the Probot server (as `extraHandlers` of src/app/server.ts), and the
// webhook ack-latency probe on the raw HTTP server.
import { createHmac, timingSafeEqual } from 'node:crypto';
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

/** Events the App is subscribed to or GitHub sends every App; anything else is counted as `other`. */
export const KNOWN_EVENTS: ReadonlySet<string> = new Set([
  'pull_request',
  'issue_comment',
  'check_run',
  'check_suite',
  'ping',
  'installation',
  'installation_repositories',
  'installation_target',
  'github_app_authorization',
]);

/** The header is unauthenticated (it is read before the signature is checked): never a free-form label. */
export function eventLabel(header: string | string[] | undefined): string {
  if (header === undefined) return 'unknown';
  return typeof header === 'string' && KNOWN_EVENTS.has(header) ? header : 'other';
}

/** Webhooks received and the time to answer them, measured on the HTTP server itself. */
export function instrumentWebhooks(server: HttpServer, m: Metrics = defaultMetrics, webhookPath = '/api/github/webhooks'): void {
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    if (req.method !== 'POST' || pathOf(req) !== webhookPath) return;
    const started = performance.now();
    res.once('finish', () => {
      const event = eventLabel(req.headers['x-github-event']);
      m.webhooksReceived.inc({ event, status: res.statusCode });
      m.webhookAck.observe({ event }, (performance.now() - started) / 1000);
    });
  });
}

/** GitHub caps webhook payloads at 25 MB; nothing larger is a real delivery. */
export const MAX_WEBHOOK_BYTES = 25 * 1024 * 1024;
/** How long a refused upload is drained before its connection is cut. */
const REFUSED_LINGER_MS = 500;

export interface WebhookGuardOptions {
  path?: string;
  /** With the secret, the HMAC is computed while the body streams in and checked before anything parses it. */
  secret?: string;
  maxBytes?: number;
}

/**
 * Bounds what an unauthenticated sender can make the receiver hold: a webhook POST without a
 * signature is refused before its body is read, a declared or streamed body over the cap is
 * refused (413) and its stream destroyed, and the signature is checked on the streamed bytes.
 * Only then is the body handed to Probot's own handler (which reads `req.body` instead of the
 * stream, and verifies again).
 */
export function guardWebhookBodies(server: HttpServer, opts: WebhookGuardOptions = {}): void {
  const path = opts.path ?? '/api/github/webhooks';
  const max = opts.maxBytes ?? MAX_WEBHOOK_BYTES;
  const inner = server.listeners('request') as ((req: IncomingMessage, res: ServerResponse) => void)[];
  server.removeAllListeners('request');
  const pass = (req: IncomingMessage, res: ServerResponse) => {
    for (const l of inner) l.call(server, req, res);
  };
  const refuse = (req: IncomingMessage, res: ServerResponse, status: number, error: string) => {
    if (!res.headersSent) res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify({ error }));
    // Stop buffering: the rest of the body is read and dropped. Closing a socket that still has
    // unread bytes sends a TCP reset, which can discard the answer before the sender reads it, so
    // the connection is cut a moment after the answer is out.
    req.unpipe();
    req.resume();
    res.once('finish', () => {
      const cut = setTimeout(() => req.destroy(), REFUSED_LINGER_MS);
      cut.unref();
      req.socket.once('close', () => clearTimeout(cut));
    });
  };
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    if (req.method !== 'POST' || pathOf(req) !== path) return pass(req, res);
    const declared = Number(req.headers['content-length']);
    if (Number.isFinite(declared) && declared > max) return refuse(req, res, 413, `webhook body over ${max} bytes`);
    const signature = req.headers['x-hub-signature-256'];
    if (opts.secret && typeof signature !== 'string') return refuse(req, res, 400, 'x-hub-signature-256 header missing');
    const hmac = opts.secret ? createHmac('sha256', opts.secret) : undefined;
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    req.on('data', (chunk: Buffer) => {
      if (done) return;
      size += chunk.length;
      if (size > max) {
        done = true;
        chunks.length = 0;
        return refuse(req, res, 413, `webhook body over ${max} bytes`);
      }
      hmac?.update(chunk);
      chunks.push(chunk);
    });
    req.on('error', () => {
      done = true;
      chunks.length = 0;
    });
    req.on('end', () => {
      if (done) return;
      done = true;
      if (hmac && !signatureMatches(signature as string, hmac.digest())) return refuse(req, res, 401, 'signature does not match the payload');
      (req as IncomingMessage & { body?: string }).body = Buffer.concat(chunks).toString('utf8');
      pass(req, res);
    });
  });
}

function signatureMatches(header: string, digest: Buffer): boolean {
  const m = /^sha256=([0-9a-f]{64})$/i.exec(header);
  if (!m) return false;
  return timingSafeEqual(Buffer.from(m[1]!, 'hex'), digest);
}
