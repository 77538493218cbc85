// A worker process killed with SIGKILL mid-review: its job is finished by another worker.
// The child runs the real BullQueue, transpiled on the fly (tests must not depend on `npm run build`).
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { afterAll, describe, expect, it } from 'vitest';
import { BullQueue } from '../../src/prod/bullmq-queue.js';
import { REDIS_URL, cleanPrefix, deferred, hasRedis, job, uniquePrefix, until } from './helpers.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '../..');
// Inside the repository so the child resolves bullmq and ioredis from node_modules.
const OUT = join(ROOT, 'node_modules/.cache', `dbarch-sigkill-${process.pid}`);

function transpile(files: string[]): void {
  for (const f of files) {
    const js = ts.transpileModule(readFileSync(join(ROOT, f), 'utf8'), {
      compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022, verbatimModuleSyntax: false },
    }).outputText;
    const out = join(OUT, f.replace(/\.ts$/, '.js'));
    mkdirSync(dirname(out), { recursive: true });
    writeFileSync(out, js);
  }
  writeFileSync(join(OUT, 'package.json'), '{"type":"module"}');
}

const CHILD = `
import { BullQueue } from './src/prod/bullmq-queue.js';
const [url, prefix] = process.argv.slice(2);
new BullQueue({ redisUrl: url, prefix, concurrency: 1, lockDurationMs: 2000, stalledIntervalMs: 500,
  run: async (job) => { process.stdout.write('started ' + job.deliveryId + '\\n'); await new Promise(() => {}); } });
process.stdout.write('ready\\n');
`;

afterAll(() => rmSync(OUT, { recursive: true, force: true }));

describe.skipIf(!hasRedis)('worker killed with SIGKILL', () => {
  it('has its job finished by another worker', async () => {
    transpile(['src/prod/bullmq-queue.ts', 'src/prod/redis.ts', 'src/app/queue.ts']);
    writeFileSync(join(OUT, 'child.js'), CHILD);
    const prefix = uniquePrefix();
    const child = spawn(process.execPath, [join(OUT, 'child.js'), REDIS_URL, prefix], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    const started = deferred();
    const ready = deferred();
    child.stdout!.on('data', (c: Buffer) => {
      out += c.toString();
      if (out.includes('ready')) ready.resolve();
      if (out.includes('started killed-mid-job')) started.resolve();
    });
    const exited = new Promise<NodeJS.Signals | null>((r) => child.once('exit', (_code, signal) => r(signal)));
    let survivor: BullQueue | undefined;
    try {
      await ready.promise;
      const producer = new BullQueue({ redisUrl: REDIS_URL, prefix, role: 'producer' });
      await producer.enqueue(job({ deliveryId: 'killed-mid-job' }));
      await started.promise;
      child.kill('SIGKILL');
      expect(await exited).toBe('SIGKILL');
      await producer.close();
      const finished: string[] = [];
      survivor = new BullQueue({ redisUrl: REDIS_URL, prefix, concurrency: 1, lockDurationMs: 2000, stalledIntervalMs: 500, run: async (j) => void finished.push(j.deliveryId) });
      await until(() => finished.length === 1, 30_000, 'the killed worker’s job to be finished');
      await survivor.onIdle();
      expect(finished).toEqual(['killed-mid-job']);
      expect(await survivor.counts()).toMatchObject({ active: 0, waiting: 0, failed: 0 });
    } finally {
      child.kill('SIGKILL');
      await survivor?.close({ graceMs: 100 });
      await cleanPrefix(prefix);
    }
  }, 60_000);
});
