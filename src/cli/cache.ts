// `dbarch lint --cache`: the report of each file is kept between runs, keyed by a hash of
// everything its analysis reads, so an unchanged file is never parsed or linted again.
//
// A file's key covers: its bytes, its path and discovery's verdict on it (framework,
// transaction mode, apply order: companion files such as sqitch.plan decide those), and its
// earlier context, the history before it (`--since` history, then the earlier files of the same
// migration set in apply order, since a schema built by earlier files can change what a later
// one means). The whole cache is dropped when dbarch's version, the squawk version, the
// PostgreSQL version or the effective config changes.
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import type { DbarchConfig } from '../config/schema.js';
import type { MigrationFile } from '../migrations/types.js';
import { summarise } from '../report/summary.js';
import { packageInfo } from '../report/version.js';
import type { FileReport, Report } from '../types.js';

export const DEFAULT_CACHE_FILE = '.dbarchcache';
const FORMAT = 1;

export interface CacheFile {
  path: string;
  content: string | Uint8Array;
  migration?: MigrationFile;
  /** The change the file belongs to: whether earlier files' tables are new to it. */
  change?: string;
}

interface Stored {
  format: number;
  global: string;
  entries: Record<string, { key: string; files: FileReport[] }>;
}

/** `--cache-location`: a file, or a directory (existing, or written with a trailing slash) to hold `.dbarchcache`. */
export function cacheFilePath(location: string | undefined, cwd: string): string {
  if (location === undefined) return join(cwd, DEFAULT_CACHE_FILE);
  const abs = resolve(cwd, location);
  if (/[\\/]$/.test(location)) return join(abs, DEFAULT_CACHE_FILE);
  try {
    if (statSync(abs).isDirectory()) return join(abs, DEFAULT_CACHE_FILE);
  } catch {
    // not there yet: a file path
  }
  return abs;
}

function squawkVersion(): string {
  try {
    const require = createRequire(import.meta.url);
    return (JSON.parse(readFileSync(require.resolve('squawk-cli/package.json'), 'utf8')) as { version: string }).version;
  } catch {
    return 'none';
  }
}

function digest(...parts: (string | Uint8Array)[]): string {
  const h = createHash('sha256');
  for (const p of parts) {
    h.update(p);
    h.update('\0');
  }
  return h.digest('base64url');
}

/** Everything that changes every file's result at once. */
export function globalKey(config: DbarchConfig): string {
  const engines = config.engines.includes('squawk') ? `squawk ${squawkVersion()}` : 'builtin';
  return digest(`format ${FORMAT}`, `dbarch ${packageInfo().version}`, `pg ${config.pgVersion}`, engines, stableJson(config));
}

function stableJson(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : v,
  );
}

function fileDigest(f: CacheFile): string {
  return digest(f.path, stableJson(f.migration ?? null), stableJson(f.change ?? null), f.content);
}

/** Each migration set's targets (positions) in apply order; a file without a classification is a set of its own. */
function setsInOrder(targets: CacheFile[], order: (files: MigrationFile[]) => MigrationFile[]): number[][] {
  const bySet = new Map<string, number[]>();
  const out: number[][] = [];
  targets.forEach((t, i) => {
    if (!t.migration) {
      out.push([i]);
      return;
    }
    const list = bySet.get(t.migration.set) ?? [];
    list.push(i);
    bySet.set(t.migration.set, list);
  });
  for (const indexes of bySet.values()) {
    const index = new Map(indexes.map((i) => [targets[i]!.migration!, i]));
    out.push(order(indexes.map((i) => targets[i]!.migration!)).map((m) => index.get(m)!));
  }
  return out;
}

/**
 * The key of each target file: its own digest chained with its earlier context (the history,
 * then the earlier targets of its migration set in apply order).
 */
export function fileKeys(targets: CacheFile[], history: CacheFile[], order: (files: MigrationFile[]) => MigrationFile[]): string[] {
  const historyKey = digest('history', ...history.map(fileDigest));
  const own = targets.map(fileDigest);
  const keys: string[] = new Array(targets.length);
  for (const set of setsInOrder(targets, order)) {
    let chain = historyKey;
    for (const i of set) {
      chain = digest(chain, own[i]!);
      keys[i] = chain;
    }
  }
  return keys;
}

export class LintCache {
  private entries: Stored['entries'] = {};
  private dirty = false;

  private constructor(
    readonly file: string,
    private readonly global: string,
  ) {}

  /** Opens the cache; a missing, unreadable or outdated file is an empty cache. */
  static open(file: string, config: DbarchConfig): LintCache {
    const cache = new LintCache(file, globalKey(config));
    try {
      const stored = JSON.parse(readFileSync(file, 'utf8')) as Stored;
      if (stored.format === FORMAT && stored.global === cache.global && stored.entries) cache.entries = stored.entries;
      else cache.dirty = true;
    } catch {
      cache.dirty = true;
    }
    return cache;
  }

  get(path: string, key: string): FileReport[] | undefined {
    const e = this.entries[path];
    return e && e.key === key ? e.files : undefined;
  }

  set(path: string, key: string, files: FileReport[]): void {
    this.entries[path] = { key, files };
    this.dirty = true;
  }

  /** Writes the cache atomically (a reader never sees half a file); a failure only costs the next run its speed. */
  save(): string | undefined {
    if (!this.dirty) return undefined;
    const stored: Stored = { format: FORMAT, global: this.global, entries: this.entries };
    const tmp = `${this.file}.${process.pid}.tmp`;
    try {
      mkdirSync(dirname(this.file), { recursive: true });
      writeFileSync(tmp, JSON.stringify(stored));
      renameSync(tmp, this.file);
      this.dirty = false;
      return undefined;
    } catch (err) {
      return `could not write the cache ${this.file}: ${(err as Error).message}`;
    }
  }
}

/**
 * Runs `analyze` on the files whose key is not in the cache only, and returns the report of
 * all of them in the given order, as one uncached run would. Cached files that come before a
 * file analysed again in its set are passed as `context`: they build the schema it runs on.
 */
export async function analyzeWithCache(
  cache: LintCache,
  targets: CacheFile[],
  history: CacheFile[],
  order: (files: MigrationFile[]) => MigrationFile[],
  analyze: (files: CacheFile[], context: CacheFile[]) => Promise<Report>,
): Promise<{ report: Report; hits: number }> {
  const keys = fileKeys(targets, history, order);
  const cached = targets.map((t, i) => cache.get(t.path, keys[i]!));
  const misses = targets.filter((_, i) => !cached[i]);
  const context: CacheFile[] = [];
  for (const set of setsInOrder(targets, order)) {
    const lastMiss = set.findLastIndex((i) => !cached[i]);
    for (const i of set.slice(0, Math.max(0, lastMiss))) if (cached[i]) context.push(targets[i]!);
  }
  const fresh = new Map<string, FileReport[]>(misses.map((t) => [t.path, []]));
  if (misses.length > 0) {
    for (const f of (await analyze(misses, context)).files) fresh.get(f.path)?.push(f);
  }
  const files = targets.flatMap((t, i) => {
    const hit = cached[i];
    if (hit) return hit;
    const made = fresh.get(t.path) ?? [];
    cache.set(t.path, keys[i]!, made);
    return made;
  });
  return { report: summarise(files), hits: targets.length - misses.length };
}
