// Spreads the built-in engine over worker threads for large inputs. The main thread lints
// chunks too (so a worker's start-up is never waited for), and results land in unit order:
// the report is the same as a single-threaded run.
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { DbarchConfig } from '../config/schema.js';
import type { ChunkResult, LintableUnit, ToMain, ToWorker } from './protocol.js';

/**
 * Below this many bytes of SQL a worker's start-up (loading the modules and the parser's
 * WASM, about 0.15 s) costs more than it saves; measured with `npm run bench` (lint area).
 */
export const PARALLEL_MIN_BYTES = 256 * 1024;
/** Fewest free cores worth spreading over. */
export const MIN_LANES = 3;
/** Chunks per lane: small enough to balance uneven files, large enough to keep messaging cheap. */
const CHUNKS_PER_LANE = 16;
/** Chunks queued at a worker, so it never waits for the main thread to finish its own chunk. */
const DEPTH = 2;

/**
 * Worker threads to start besides the main thread: 0 keeps everything here. `parallel`
 * is `false` (never), a number (that many lanes in all, main thread included) or unset
 * (one lane per core once the input is large enough, less the `reserved` cores).
 */
export function parallelPlan(unitBytes: number[], parallel?: boolean | number, cores = availableParallelism(), reserved = 0): number {
  if (parallel === false || unitBytes.length < 2) return 0;
  if (typeof parallel === 'number') return Math.max(0, Math.min(parallel, unitBytes.length) - 1);
  const total = unitBytes.reduce((a, b) => a + b, 0);
  // Cores another engine keeps busy meanwhile (squawk) are not ours to fill.
  const lanes = cores - reserved;
  // Two lanes never paid off: each worker loads the modules and the parser, warms up its own
  // JIT and re-reads the schema the other lane's earlier files built; on two cores two threads
  // took 1.18–1.31× one thread's time at every input size (docs/benchmarks.md, lint area).
  if (total < PARALLEL_MIN_BYTES || lanes < MIN_LANES) return 0;
  return lanes - 1;
}

/** Contiguous slices of roughly equal byte size. */
export function chunkUnits(unitBytes: number[], chunks: number): [number, number][] {
  const total = unitBytes.reduce((a, b) => a + b, 0);
  const target = Math.max(1, total / Math.max(1, chunks));
  const out: [number, number][] = [];
  let start = 0;
  let acc = 0;
  for (let i = 0; i < unitBytes.length; i++) {
    acc += unitBytes[i]!;
    if (acc >= target || i === unitBytes.length - 1) {
      out.push([start, i + 1]);
      start = i + 1;
      acc = 0;
    }
  }
  return out;
}

function workerEntry(): { entry: URL | string; eval: boolean } | undefined {
  // Beside this module (dist/src/parallel/), or from the CLI bundle in dist/cli/.
  for (const js of [new URL('./worker.js', import.meta.url), new URL('../src/parallel/worker.js', import.meta.url)]) {
    if (existsSync(fileURLToPath(js))) return { entry: js, eval: false };
  }
  // Running from the TypeScript sources (tests): load them through a transpiling hook.
  const hooks = new URL('./ts-hooks.mjs', import.meta.url).href;
  const ts = new URL('./worker.ts', import.meta.url).href;
  // Neither (a bundle without the worker file): the main thread does it all.
  if (!existsSync(fileURLToPath(ts))) return undefined;
  const code = `require('node:module').register(${JSON.stringify(hooks)}); import(${JSON.stringify(ts)});`;
  return { entry: code, eval: true };
}

/** What the last parallel run did (observed by tests and the benchmark). */
export const lastParallelRun = { workers: 0, chunks: 0, chunksInWorkers: 0 };

/**
 * Lints every unit with `workers` threads plus this one (`lintHere`, the same lane the workers
 * run); results in unit order. Each lane takes chunks in increasing order and first gets the
 * units before the chunk that other lanes linted (`prelude`), since a unit may read the schema
 * earlier ones built.
 */
export async function lintInParallel<U extends LintableUnit>(
  units: U[],
  config: DbarchConfig,
  /** A new lane on this thread (the same code the workers run). */
  newLane: () => (prelude: U[], chunk: U[]) => ChunkResult[],
  workers: number,
  signal?: AbortSignal,
  /** false: only the workers lint (tests use it to make sure the threads do the work). */
  mainThread = true,
  /** Earlier migrations each worker builds its starting schema from. */
  history: LintableUnit[] = [],
): Promise<ChunkResult[]> {
  const bytes = units.map((u) => (u.raw instanceof Uint8Array ? u.raw.byteLength : (u.raw ?? u.sql).length));
  const chunks = chunkUnits(bytes, (workers + 1) * CHUNKS_PER_LANE);
  const results: ChunkResult[] = new Array(units.length);
  let next = 0;
  let pending = chunks.length;
  const take = (): number | undefined => (next < chunks.length ? next++ : undefined);
  const store = (chunk: number, out: ChunkResult[]) => {
    const [start] = chunks[chunk]!;
    out.forEach((r, k) => (results[start + k] = r));
    pending--;
  };
  Object.assign(lastParallelRun, { workers, chunks: chunks.length, chunksInWorkers: 0 });
  const here = newLane();
  let hereEnd = 0;
  const lintChunkHere = (chunk: number) => {
    const [start, end] = chunks[chunk]!;
    if (start >= hereEnd) {
      store(chunk, here(units.slice(hereEnd, start), units.slice(start, end)));
      hereEnd = end;
    } else {
      // an orphan of a dead worker, before what this lane has seen: a lane of its own
      store(chunk, newLane()(units.slice(0, start), units.slice(start, end)));
    }
  };

  const entry = workerEntry();
  const threads: Worker[] = [];
  let failure: Error | undefined;
  let wake: (() => void) | undefined;
  const poke = () => {
    const w = wake;
    wake = undefined;
    w?.();
  };
  const orphans: number[] = [];
  let alive = 0;
  for (let n = 0; entry && n < workers; n++) {
    let worker: Worker;
    try {
      worker = new Worker(entry.entry, { eval: entry.eval, workerData: { config, history } });
    } catch {
      break; // no threads available: the main thread does it all
    }
    threads.push(worker);
    alive++;
    const inFlight = new Set<number>();
    let sentEnd = 0;
    const feed = () => {
      while (inFlight.size < DEPTH) {
        const chunk = take();
        if (chunk === undefined) return;
        inFlight.add(chunk);
        const [start, end] = chunks[chunk]!;
        worker.postMessage({ type: 'chunk', chunk, prelude: units.slice(sentEnd, start), units: units.slice(start, end) } satisfies ToWorker);
        sentEnd = end;
      }
    };
    worker.on('message', (msg: ToMain) => {
      if (msg.type === 'done') {
        inFlight.delete(msg.chunk);
        store(msg.chunk, msg.results);
        lastParallelRun.chunksInWorkers++;
        poke();
      } else if (msg.type === 'failed') {
        failure ??= new Error(`lint worker failed: ${msg.message}`);
        poke();
        return;
      }
      feed();
    });
    // A worker that dies (out of memory, a crash) hands its chunk back to the main thread.
    const lost = () => {
      if (inFlight.size === 0) return;
      orphans.push(...inFlight);
      inFlight.clear();
      poke();
    };
    worker.on('error', lost);
    worker.on('exit', () => {
      alive--;
      lost();
      poke();
    });
  }

  try {
    for (;;) {
      if (failure) throw failure;
      signal?.throwIfAborted();
      // Orphans of a dead worker are always linted here, whatever `mainThread` says.
      const chunk = orphans.pop() ?? (mainThread || alive === 0 ? take() : undefined);
      if (chunk !== undefined) {
        lintChunkHere(chunk);
        // Let worker messages (and squawk's pipes) through between chunks.
        await new Promise((r) => setImmediate(r));
        continue;
      }
      if (pending === 0) break;
      await new Promise<void>((r) => (wake = r));
    }
    if (failure) throw failure;
    return results;
  } finally {
    await Promise.all(threads.map((t) => t.terminate().catch(() => undefined)));
  }
}
