// `npm start`: the Probot server from the standard environment (APP_ID, PRIVATE_KEY or
// PRIVATE_KEY_PATH, WEBHOOK_SECRET, PORT, HOST, LOG_LEVEL, GHE_HOST, GHE_PROTOCOL).
import type { IncomingMessage, ServerResponse } from 'node:http';
import { pathToFileURL } from 'node:url';
import type { ApplicationFunction, Server } from 'probot';
import { run } from 'probot';
import type { AppDeps, DbarchApp } from './index.js';
import { createApp } from './index.js';
import type { GitHubClientOptions } from './octokit.js';
import { createOctokitClass } from './octokit.js';

export type HttpHandler = (req: IncomingMessage, res: ServerResponse) => boolean | Promise<boolean>;

/** Liveness; the production entry adds `/readyz` and `/metrics` through `extraHandlers`. */
export function healthHandler(app: DbarchApp): HttpHandler {
  return (req, res) => {
    const path = req.url?.split('?')[0];
    if (req.method !== 'GET' || path !== '/healthz') return false;
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ status: 'ok', queue: app.queue.stats() }));
    return true;
  };
}

export interface StartOptions {
  env?: NodeJS.ProcessEnv;
  deps?: Partial<AppDeps>;
  github?: GitHubClientOptions;
  extraHandlers?: ((app: DbarchApp) => HttpHandler)[];
}

export async function startServer(opts: StartOptions = {}): Promise<{ server: Server; app: DbarchApp }> {
  const app = createApp({ env: opts.env ?? process.env, ...opts.deps });
  const appFn: ApplicationFunction = async (probot, options) => {
    for (const make of [healthHandler, ...(opts.extraHandlers ?? [])]) options.addHandler(make(app));
    await app.appFn(probot, options);
  };
  const server = await run(appFn, { env: opts.env, Octokit: createOctokitClass(opts.github) });
  return { server, app };
}

/** Stop taking webhooks, let running reviews finish (each completes its check run), exit. */
export function handleShutdown(server: Server, app: DbarchApp, exit: (code: number) => void = process.exit): void {
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.info(`${signal}: stopping dbarch`);
    try {
      await server.stop();
      await app.queue.close();
      exit(0);
    } catch (err) {
      console.error('error while stopping', err);
      exit(1);
    }
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
}

const isMain = process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href;
if (isMain) {
  startServer().then(
    ({ server, app }) => handleShutdown(server, app),
    (err) => {
      console.error('dbarch: could not start', err);
      process.exit(1);
    },
  );
}
