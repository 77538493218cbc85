// PGlite in a worker thread, driven by messages from the main thread.
//
// Why the worker is a string run with `new Worker(code, { eval: true })`: tsc compiles
// src/**/*.ts to dist/, while vitest runs the .ts sources; a worker *file* would need a
// TS loader under vitest (tsx is not installed) and a different path under dist. The
// worker is tiny and untyped glue, so it lives here as plain CommonJS text and imports
// PGlite (and contrib extensions) by absolute file URL resolved in the main thread.
//
// Sandbox:
// - dataDir `memory://`: PGlite's Emscripten FS is in memory; COPY/pg_read_file see only
//   that virtual FS, never the host (verified in test/trace/sandbox.test.ts).
// - WebAssembly memory growth is capped by patching WebAssembly.Memory.prototype.grow
//   inside the worker: Emscripten grows the heap through that JS call, so a failing
//   grow makes Postgres's malloc fail and the statement ends with "out of memory"
//   while the worker survives. resourceLimits caps the JS heap as well.
// - Wall-clock limit: the main thread terminates the worker (WASM cannot be interrupted).
import { createRequire } from 'node:module';
import { readdirSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';

const WORKER_SOURCE = String.raw`
const { parentPort, workerData } = require('node:worker_threads');
const limit = workerData.wasmLimitBytes;
const originalGrow = WebAssembly.Memory.prototype.grow;
WebAssembly.Memory.prototype.grow = function (delta) {
  if (this.buffer.byteLength + delta * 65536 > limit) {
    parentPort.postMessage({ type: 'oom', bytes: this.buffer.byteLength + delta * 65536 });
    throw new RangeError('dbarch: memory limit reached');
  }
  return originalGrow.call(this, delta);
};
function errorOf(e) {
  return { message: String(e && e.message || e), code: e && e.code, position: e && e.position !== undefined ? Number(e.position) : undefined };
}
(async () => {
  let db;
  try {
    const { PGlite } = await import(workerData.pgliteUrl);
    const extensions = {};
    for (const ext of workerData.extensions) {
      const mod = await import(ext.url);
      extensions[ext.exportName] = mod[ext.exportName];
    }
    const options = { dataDir: 'memory://', extensions };
    if (workerData.wasmModule) options.pgliteWasmModule = workerData.wasmModule;
    if (workerData.dump) options.loadDataDir = new Blob([workerData.dump]);
    db = await PGlite.create(options);
  } catch (e) {
    parentPort.postMessage({ type: 'init-error', error: errorOf(e) });
    return;
  }
  parentPort.postMessage({ type: 'ready' });
  // One message at a time: PGlite is a single connection.
  let chain = Promise.resolve();
  parentPort.on('message', (msg) => {
    chain = chain.then(async () => {
      try {
        if (msg.op === 'exec') {
          const results = await db.exec(msg.sql);
          const last = results[results.length - 1];
          parentPort.postMessage({ id: msg.id, ok: true, rows: last ? last.rows : [] });
        } else if (msg.op === 'query') {
          const result = await db.query(msg.sql, msg.params || []);
          parentPort.postMessage({ id: msg.id, ok: true, rows: result.rows });
        } else if (msg.op === 'dump') {
          const blob = await db.dumpDataDir('gzip');
          const bytes = new Uint8Array(await blob.arrayBuffer());
          parentPort.postMessage({ id: msg.id, ok: true, dump: bytes }, [bytes.buffer]);
        } else if (msg.op === 'close') {
          await db.close();
          parentPort.postMessage({ id: msg.id, ok: true });
        }
      } catch (e) {
        parentPort.postMessage({ id: msg.id, ok: false, error: errorOf(e) });
      }
    });
  });
})();
`;

export interface PgError {
  message: string;
  code?: string;
  /** 1-based character position in the query text, when Postgres reports one. */
  position?: number;
}

/** The worker was stopped: wall-clock limit, memory limit, or it died. */
export class TraceAbort extends Error {
  constructor(
    readonly reason: 'timeout' | 'memory' | 'crash',
    message: string,
  ) {
    super(message);
    this.name = 'TraceAbort';
  }
}

export type ExecOutcome =
  | { ok: true; rows: Record<string, unknown>[] }
  | { ok: false; error: PgError; outOfMemory: boolean };

const require = createRequire(import.meta.url);
const pgliteDist = dirname(require.resolve('@electric-sql/pglite'));
const PGLITE_URL = pathToFileURL(join(pgliteDist, 'index.js')).href;

let contribCache: Map<string, string> | undefined;
/** Extensions PGlite ships (SQL name → contrib module file name), plus built-ins. */
export function availableExtensions(): Map<string, string> {
  if (!contribCache) {
    contribCache = new Map();
    for (const file of readdirSync(join(pgliteDist, 'contrib'))) {
      if (!file.endsWith('.js')) continue;
      const base = file.slice(0, -3);
      contribCache.set(base.replace(/_/g, '-'), base);
      contribCache.set(base, base);
    }
  }
  return contribCache;
}
/** Extensions that exist in every PGlite without loading anything. */
export const BUILTIN_EXTENSIONS = new Set(['plpgsql']);

export interface WorkerOptions {
  /** A gzip tarball from dumpDataDir to start from; fresh initdb when absent. */
  dump?: Uint8Array;
  /** SQL extension names to load (must be in availableExtensions()). */
  extensions?: string[];
  memoryMb: number;
  /** Limit for startup (loading a dump can take seconds on a loaded machine). */
  startTimeoutMs?: number;
  /** A compiled pglite.wasm shared by all workers (compiling it is most of a cold start). */
  wasmModule?: WasmModule;
}

/** A compiled `WebAssembly.Module` (not in this project's TS lib, which has no DOM). */
type WasmModule = object;
const wasm = (globalThis as unknown as { WebAssembly: { compile(bytes: Uint8Array): Promise<WasmModule> } }).WebAssembly;
let wasmModule: Promise<WasmModule> | undefined;
/** pglite.wasm compiled once per process; workers instantiate it without recompiling. */
export function pgliteWasmModule(): Promise<WasmModule> {
  wasmModule ??= readFile(join(pgliteDist, 'pglite.wasm')).then((bytes) => wasm.compile(bytes));
  return wasmModule;
}

/** Smallest WASM heap PGlite starts with comfortably; lower limits would fail at startup. */
const MIN_WASM_MB = 256;

export class PgliteWorker {
  readonly engine = 'pglite' as const;
  private worker: Worker;
  private nextId = 1;
  private pending = new Map<number, { resolve: (m: WorkerReply) => void; reject: (e: Error) => void }>();
  private oomSeen = false;
  private dead: Error | undefined;
  readonly ready: Promise<void>;

  private constructor(private readonly opts: WorkerOptions) {
    const available = availableExtensions();
    const extensions = (opts.extensions ?? [])
      .filter((name) => available.has(name))
      .map((name) => {
        const exportName = available.get(name)!;
        return { exportName, url: pathToFileURL(join(pgliteDist, 'contrib', `${exportName}.js`)).href };
      });
    const dump = opts.dump ? opts.dump.slice() : undefined;
    this.worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: {
        pgliteUrl: PGLITE_URL,
        extensions,
        dump,
        wasmModule: opts.wasmModule,
        wasmLimitBytes: Math.max(opts.memoryMb, MIN_WASM_MB) * 1024 * 1024,
      },
      transferList: dump ? [dump.buffer as ArrayBuffer] : [],
      resourceLimits: { maxOldGenerationSizeMb: Math.max(opts.memoryMb, 128) },
      stdout: true,
      stderr: true,
    });
    // PGlite logs notices to stdout/stderr; keep them out of the host's output.
    this.worker.stdout.resume();
    this.worker.stderr.resume();
    this.ready = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.kill(new TraceAbort('timeout', 'PGlite did not start in time'));
        reject(this.dead);
      }, opts.startTimeoutMs ?? 180_000);
      this.worker.on('message', (msg: WorkerReply) => {
        if (msg.type === 'ready') {
          clearTimeout(timer);
          resolve();
        } else if (msg.type === 'init-error') {
          clearTimeout(timer);
          const err = new TraceAbort('crash', `PGlite failed to start: ${msg.error?.message}`);
          this.kill(err);
          reject(err);
        } else if (msg.type === 'oom') {
          this.oomSeen = true;
        } else if (msg.id !== undefined) {
          const p = this.pending.get(msg.id);
          this.pending.delete(msg.id);
          p?.resolve(msg);
        }
      });
      const onDeath = (err: Error) => {
        clearTimeout(timer);
        if (!this.dead) this.dead = err;
        for (const p of this.pending.values()) p.reject(this.dead);
        this.pending.clear();
        reject(this.dead);
      };
      this.worker.on('error', (err: Error & { code?: string }) => {
        const memory = err.code === 'ERR_WORKER_OUT_OF_MEMORY';
        onDeath(new TraceAbort(memory ? 'memory' : 'crash', memory ? 'the trace ran out of memory' : `the trace worker crashed: ${err.message}`));
      });
      this.worker.on('exit', (code) => onDeath(new TraceAbort('crash', `the trace worker exited (code ${code})`)));
    });
    this.ready.catch(() => undefined);
  }

  static async start(opts: WorkerOptions): Promise<PgliteWorker> {
    const w = new PgliteWorker({ ...opts, wasmModule: opts.wasmModule ?? (await pgliteWasmModule()) });
    await w.ready;
    return w;
  }

  get alive(): boolean {
    return !this.dead;
  }

  private send(msg: Record<string, unknown>, timeoutMs: number): Promise<WorkerReply> {
    if (this.dead) return Promise.reject(this.dead);
    const id = this.nextId++;
    return new Promise<WorkerReply>((resolve, reject) => {
      const timer = setTimeout(() => {
        const seconds = Math.round(timeoutMs / 100) / 10;
        this.kill(new TraceAbort('timeout', `trace stopped after ${seconds} s`));
      }, timeoutMs);
      this.pending.set(id, {
        resolve: (m) => {
          clearTimeout(timer);
          resolve(m);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      });
      this.worker.postMessage({ id, ...msg });
    });
  }

  /** Runs SQL with the simple query protocol (several statements allowed). */
  async exec(sql: string, timeoutMs: number): Promise<ExecOutcome> {
    this.oomSeen = false;
    const reply = await this.send({ op: 'exec', sql }, timeoutMs);
    if (reply.ok) return { ok: true, rows: reply.rows ?? [] };
    return { ok: false, error: reply.error ?? { message: 'unknown error' }, outOfMemory: this.oomSeen };
  }

  async query<T = Record<string, unknown>>(sql: string, timeoutMs: number, params: unknown[] = []): Promise<T[]> {
    const reply = await this.send({ op: 'query', sql, params }, timeoutMs);
    if (!reply.ok) throw new Error(reply.error?.message ?? 'query failed');
    return (reply.rows ?? []) as T[];
  }

  /** The data directory as a gzip tarball (PGlite dumpDataDir). */
  async dump(timeoutMs: number): Promise<Uint8Array> {
    const reply = await this.send({ op: 'dump' }, timeoutMs);
    if (!reply.ok || !reply.dump) throw new Error(reply.error?.message ?? 'dump failed');
    return reply.dump;
  }

  private kill(err: Error): void {
    if (!this.dead) this.dead = err;
    for (const p of this.pending.values()) p.reject(this.dead);
    this.pending.clear();
    void this.worker.terminate();
  }

  async close(): Promise<void> {
    if (this.dead) return;
    // a statement still running (a cancelled review) is answered now, not when the thread
    // reaches a point where it can be terminated
    this.kill(new TraceAbort('crash', 'the trace worker was closed'));
    await this.worker.terminate();
  }
}

interface WorkerReply {
  type?: 'ready' | 'init-error' | 'oom';
  id?: number;
  ok?: boolean;
  rows?: Record<string, unknown>[];
  dump?: Uint8Array;
  error?: PgError;
}
