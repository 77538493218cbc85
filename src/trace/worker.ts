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
import { gunzipSync } from 'node:zlib';
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
    const startParams = [...PGlite.defaultStartParams, ...workerData.settings.flatMap((s) => ['-c', s])];
    const options = { dataDir: 'memory://', extensions, startParams };
    if (workerData.wasmModule) options.pgliteWasmModule = workerData.wasmModule;
    if (workerData.dump) {
      // PGlite reads loadDataDir with arrayBuffer() and its type only. Node 20's Blob hands
      // a 40-60 MB tarball over in small asynchronous chunks (about 1 s on a busy machine).
      const bytes = workerData.dump;
      options.loadDataDir = { type: 'application/x-tar', size: bytes.byteLength, arrayBuffer: async () => (bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength ? bytes.buffer : bytes.slice().buffer) };
    }
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
          // a checkpoint first: otherwise the next start replays all the WAL since the last one
          await db.exec('CHECKPOINT');
          const blob = await db.dumpDataDir('none');
          const tar = new Uint8Array(await blob.arrayBuffer());
          // in shared memory: every later start reads it without a copy (see sharedBytes)
          const bytes = new Uint8Array(new SharedArrayBuffer(tar.byteLength));
          bytes.set(tar);
          parentPort.postMessage({ id: msg.id, ok: true, dump: bytes });
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
  /** A data directory tarball (dumpDataDir; plain or gzip) to start from; fresh initdb when absent. */
  dump?: Uint8Array;
  /** SQL extension names to load (must be in availableExtensions()). */
  extensions?: string[];
  memoryMb: number;
  /** Limit for startup (loading a dump can take seconds on a loaded machine). */
  startTimeoutMs?: number;
  /** A compiled pglite.wasm shared by all workers (compiling it is most of a cold start). */
  wasmModule?: WasmModule;
  /** Started ahead of need: keeps the process alive neither while it starts nor after (see ref()). */
  background?: boolean;
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

/**
 * Server settings of every trace instance (on top of PGlite's defaults). None changes what a
 * statement locks, rewrites or refuses; they cut start-up and WAL work:
 * - shared_buffers: PGlite's 128 MB are zeroed at every start (most of its boot time), and
 *   the replayed schemas are small;
 * - max_connections: one backend only; max_locks_per_transaction keeps the shared lock table
 *   at least as large as with the default 100 connections;
 * - WAL segments are not zero-filled, recycled or kept beyond two (each is 16 MB to copy
 *   into and out of a snapshot), and full-page images are not written (fsync is off anyway).
 */
export const SETTINGS: readonly string[] = [
  'shared_buffers=16MB',
  'max_connections=5',
  'max_locks_per_transaction=512',
  'wal_init_zero=off',
  'wal_recycle=off',
  'min_wal_size=32MB',
  'full_page_writes=off',
];

/**
 * The tarball as plain tar in shared memory, handed to the worker thread as it is. PGlite
 * copies each file out of it, so the bytes are never written to and a cached state serves
 * every start without a copy (50 MB copies take most of a second on a busy machine).
 */
export function sharedBytes(bytes: Uint8Array): Uint8Array {
  if (isGzip(bytes)) return sharedBytes(gunzipSync(bytes));
  if (bytes.buffer instanceof SharedArrayBuffer) return bytes;
  const out = new Uint8Array(new SharedArrayBuffer(bytes.byteLength));
  out.set(bytes);
  return out;
}

export function isGzip(bytes: Uint8Array): boolean {
  return bytes[0] === 0x1f && bytes[1] === 0x8b;
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
    const dump = opts.dump ? sharedBytes(opts.dump) : undefined;
    this.worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: {
        pgliteUrl: PGLITE_URL,
        extensions,
        dump,
        settings: SETTINGS,
        wasmModule: opts.wasmModule,
        wasmLimitBytes: Math.max(opts.memoryMb, MIN_WASM_MB) * 1024 * 1024,
      },
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
      if (opts.background) {
        timer.unref();
        this.worker.unref();
      }
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

  /** Keeps the process alive while the worker runs (undoes `background`). */
  ref(): void {
    this.worker.ref();
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

  /** The data directory as a plain tarball (PGlite dumpDataDir), after a checkpoint. */
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
