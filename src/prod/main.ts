// Production entry: the App (src/app) with the queue chosen from the environment (BullMQ when
// REDIS_URL is set), /healthz /readyz /metrics, GitHub request metrics, the reconciliation of
// missed webhooks, and a graceful SIGTERM. Roles (DBARCH_ROLE): `all` (receiver + worker,
// the default), `web` (receiver only, needs Redis), `worker` (no webhook endpoint).
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { Server as HttpServer } from 'node:http';
import { pathToFileURL } from 'node:url';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { pino } from 'pino';
import { Probot, Server } from 'probot';
import type { AppDeps, DbarchApp } from '../app/index.js';
import { createApp } from '../app/index.js';
import type { GitHubClientOptions } from '../app/octokit.js';
import { createOctokitClass } from '../app/octokit.js';
import type { JobQueue } from '../app/queue.js';
import { healthHandler } from '../app/server.js';
import { BullQueue } from './bullmq-queue.js';
import { exhaustedReporter } from './fail-check.js';
import { withOctokitMetrics } from './github-metrics.js';
import type { HttpHandler, Readiness } from './http.js';
import { createReadiness, guardWebhookBodies, instrumentWebhooks, metricsHandler, readyzHandler } from './http.js';
import type { Metrics } from './metrics.js';
import { metrics as defaultMetrics, metricsTelemetry } from './metrics.js';
import { createQueueFactory } from './queue.js';
import type { Reconciler } from './reconcile.js';
import { reconcileIntervalMs, startReconciler } from './reconcile.js';
import { redactUrl } from './redis.js';

export type Role = 'all' | 'web' | 'worker';

export interface ProdOptions {
  env?: NodeJS.ProcessEnv;
  role?: Role;
  deps?: Partial<AppDeps>;
  github?: GitHubClientOptions;
  metrics?: Metrics;
  log?: Logger;
  /** Replaces the default readiness checks (tests). */
  readiness?: () => Promise<Readiness>;
}

export interface ProdHandle {
  app: DbarchApp;
  probot: Probot;
  queue: JobQueue;
  role: Role;
  /** Where /healthz /readyz /metrics (and, unless role is worker, webhooks) are served. */
  port: number;
  reconciler?: Reconciler;
  /** Stop taking webhooks and jobs, finish or release running ones, close connections. */
  stop(): Promise<void>;
}

/** Never log these: pino replaces them with [Redacted]. */
export const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers["x-hub-signature-256"]',
  'req.headers["x-hub-signature"]',
  'headers.authorization',
  'request.headers.authorization',
  'err.request.headers.authorization',
  'err.response.headers.authorization',
  'token',
  'privateKey',
  'secret',
];

export function createLogger(env: NodeJS.ProcessEnv): Logger {
  return pino({ level: env.LOG_LEVEL || 'info', redact: { paths: REDACT_PATHS, censor: '[Redacted]' }, base: { name: 'dbarch', pid: process.pid } });
}

export function privateKeyFrom(env: NodeJS.ProcessEnv): string | undefined {
  if (env.PRIVATE_KEY) {
    const key = env.PRIVATE_KEY.replace(/\\n/g, '\n');
    if (key.includes('-----BEGIN')) return key;
    const decoded = Buffer.from(key, 'base64').toString('utf8');
    return decoded.includes('-----BEGIN') ? decoded : key;
  }
  if (env.PRIVATE_KEY_PATH) return readFileSync(env.PRIVATE_KEY_PATH, 'utf8');
  return undefined;
}

export function roleFrom(env: NodeJS.ProcessEnv): Role {
  const r = env.DBARCH_ROLE || 'all';
  if (r !== 'all' && r !== 'web' && r !== 'worker') throw new Error(`DBARCH_ROLE must be all, web or worker, got "${r}"`);
  return r;
}

export async function startProd(opts: ProdOptions = {}): Promise<ProdHandle> {
  const env = opts.env ?? process.env;
  const role = opts.role ?? roleFrom(env);
  const m = opts.metrics ?? defaultMetrics;
  const log = opts.log ?? createLogger(env);
  const appId = env.APP_ID;
  const privateKey = privateKeyFrom(env);
  if (!appId || !privateKey) throw new Error('APP_ID and PRIVATE_KEY (or PRIVATE_KEY_PATH) are required');
  if (role !== 'worker' && !env.WEBHOOK_SECRET) throw new Error('WEBHOOK_SECRET is required to receive webhooks');
  if (role === 'web' && !env.REDIS_URL) throw new Error('DBARCH_ROLE=web needs REDIS_URL: the jobs run on worker processes');
  const baseUrl = env.GHE_HOST ? `${env.GHE_PROTOCOL || 'https'}://${env.GHE_HOST}/api/v3` : 'https://api.github.com';
  // Write pacing follows GitHub's advice against secondary limits; a load test against a fake API turns it off.
  const github: GitHubClientOptions = { ...(env.DBARCH_GITHUB_PACE_WRITES === 'false' ? { paceWrites: false } : {}), ...opts.github };
  const Octokit = withOctokitMetrics(createOctokitClass(github), m);
  const webhookPath = env.WEBHOOK_PATH || '/api/github/webhooks';
  if (env.REDIS_URL) log.info({ redis: redactUrl(env.REDIS_URL), role }, 'queue: BullMQ on Redis');
  else log.info({ role }, 'queue: in-process');

  let probot: Probot | undefined;
  const attempts = Number(env.DBARCH_JOB_ATTEMPTS) || 3;
  const onOutcome = opts.deps?.onOutcome;
  // With several replicas, a redelivered command may land on another one: remember it in Redis.
  let shared: Redis | undefined;
  const prefix = env.DBARCH_REDIS_PREFIX || 'dbarch';
  const firstTime = async (key: string) => (await shared!.set(`${prefix}:dbarch:command:${key}`, '1', 'PX', 24 * 60 * 60_000, 'NX')) === 'OK';
  const app = createApp({
    env,
    telemetry: metricsTelemetry(m),
    createQueue: createQueueFactory(env, {
      metrics: m,
      role: role === 'web' ? 'producer' : 'all',
      onExhausted: exhaustedReporter(() => probot && ((id: number) => probot!.auth(id)), attempts, log),
      onError: (err, job) => log.warn({ err, deliveryId: job?.deliveryId, repo: job && `${job.owner}/${job.repo}`, pr: job?.pullNumber, sha: job?.headSha }, 'queue error'),
    }),
    ...opts.deps,
    ...(env.REDIS_URL ? { commands: { firstTime, ...opts.deps?.commands } } : {}),
    onOutcome: (job, outcome) => {
      m.reviews.inc({ outcome });
      onOutcome?.(job, outcome);
    },
  });
  const redis = app.queue instanceof BullQueue ? app.queue.redis : undefined;
  shared = redis;
  const readiness = opts.readiness ?? createReadiness({ redis });
  const handlers: HttpHandler[] = [healthHandler(app), readyzHandler(readiness), metricsHandler(m)];

  let server: Server | undefined;
  let http: HttpServer;
  if (role === 'worker') {
    probot = new Probot({ appId, privateKey, baseUrl, log, Octokit });
    await probot.load(app.appFn);
    http = createServer((req, res) => {
      void (async () => {
        for (const h of handlers) if (await h(req, res)) return;
        res.writeHead(404).end();
      })().catch(() => res.writeHead(500).end());
    });
    await new Promise<void>((resolve, reject) => {
      http.once('error', reject);
      http.listen(Number(env.PORT ?? 3000), env.HOST || 'localhost', () => resolve());
    });
  } else {
    const ProbotWithEnv = Probot.defaults({ appId, privateKey, secret: env.WEBHOOK_SECRET, baseUrl, log, Octokit });
    server = new Server({ host: env.HOST || 'localhost', port: Number(env.PORT ?? 3000), webhookPath, log, Probot: ProbotWithEnv });
    await server.load(async (p, options) => {
      probot = p;
      for (const h of handlers) options.addHandler(h);
      await app.appFn(p, options);
    });
    http = await server.start();
    // Before any request is read (start() resolves ahead of the next I/O turn).
    guardWebhookBodies(http, { path: webhookPath, secret: env.WEBHOOK_SECRET });
    instrumentWebhooks(http, m, webhookPath);
  }
  const port = (http.address() as { port: number }).port;

  const intervalMs = reconcileIntervalMs(env);
  const reconciler =
    intervalMs > 0 || env.DBARCH_RECONCILE_AT_START === 'true'
      ? startReconciler({
          intervalMs,
          runAtStart: env.DBARCH_RECONCILE_AT_START !== 'false',
          appClient: () => probot!.auth() as never,
          installationClient: (id) => probot!.auth(id) as never,
          enqueue: (job) => app.queue.enqueue(job),
          appId: Number(appId),
          redis,
          prefix: env.DBARCH_REDIS_PREFIX || 'dbarch',
          maxRequests: Number(env.DBARCH_RECONCILE_MAX_REQUESTS) || undefined,
          log,
          metrics: m,
        })
      : undefined;

  let stopping: Promise<void> | undefined;
  const stop = () =>
    (stopping ??= (async () => {
      await reconciler?.stop();
      // Webhooks first: GitHub retries nothing, but the load balancer sends them to another replica.
      if (server) await server.stop();
      else await new Promise<void>((r) => http.close(() => r()));
      const grace = Number(env.DBARCH_SHUTDOWN_GRACE_MS) || 25_000;
      if (app.queue instanceof BullQueue) await app.queue.close({ graceMs: grace });
      else await app.queue.close();
    })());
  return { app, probot: probot!, queue: app.queue, role, port, reconciler, stop };
}

/** SIGTERM/SIGINT: stop taking work, finish or release jobs, exit 0 (1 when stopping failed). */
export function handleSignals(handle: Pick<ProdHandle, 'stop'>, log: Pick<Logger, 'info' | 'error'>, exit: (code: number) => void = process.exit): void {
  const onSignal = (signal: string) => {
    log.info({ signal }, 'stopping dbarch');
    handle.stop().then(
      () => exit(0),
      (err: unknown) => {
        log.error({ err }, 'error while stopping');
        exit(1);
      },
    );
  };
  process.once('SIGTERM', () => onSignal('SIGTERM'));
  process.once('SIGINT', () => onSignal('SIGINT'));
}

export async function main(env: NodeJS.ProcessEnv = process.env, role?: Role): Promise<ProdHandle> {
  const log = createLogger(env);
  const handle = await startProd({ env, role, log });
  // Processes that run reviews keep one PGlite instance started on the last base state, so
  // the next review of that repository does not wait for a start (DBARCH_TRACE_WARM=false: off).
  if (handle.role !== 'web' && env.DBARCH_TRACE_WARM !== 'false') {
    const { keepWarmInstance } = await import('../trace/index.js');
    keepWarmInstance(true);
    const stop = handle.stop;
    handle.stop = async () => {
      await stop();
      keepWarmInstance(false);
    };
  }
  handleSignals(handle, log);
  log.info({ role: handle.role, port: handle.port }, 'dbarch started');
  return handle;
}

const isMain = process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href;
if (isMain) {
  main().catch((err: unknown) => {
    console.error('dbarch: could not start:', err instanceof Error ? err.message : err);
    process.exit(1);
  });
}
