// Worker-only process (`node dist/src/prod/worker.js`, or `dbarch worker`): takes review jobs
// from Redis, serves /healthz /readyz /metrics on PORT, receives no webhooks.
import { pathToFileURL } from 'node:url';
import type { ProdHandle } from './main.js';
import { main } from './main.js';

export async function runWorker(env: NodeJS.ProcessEnv = process.env): Promise<ProdHandle> {
  if (!env.REDIS_URL) throw new Error('dbarch worker needs REDIS_URL: it takes its jobs from the shared queue');
  return main(env, 'worker');
}

const isMain = process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href;
if (isMain) {
  runWorker().catch((err: unknown) => {
    console.error('dbarch worker: could not start:', err instanceof Error ? err.message : err);
    process.exit(1);
  });
}
