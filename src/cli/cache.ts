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
import { closeSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, statSync, writeSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import type { DbarchConfig } from '../config/schema.js';
import type { MigrationFile } from '../migrations/types.js';
import { unanalysedFiles, type Unanalysed } from '../report/common.js';
import { filesJsonText } from '../report/json.js';
import { summarise } from '../report/summary.js';
import { packageInfo } from '../report/version.js';
import { SEVERITY_RANK, type FileReport, type Report, type ReportSummary, type Severity } from '../types.js';

export const DEFAULT_CACHE_FILE = '.dbarchcache';
const FORMAT = 3;

export interface CacheFile {
  path: string;
  content: string | Uint8Array;
  migration?: MigrationFile;
  /** The change the file belongs to: whether earlier files' tables are new to it. */
  change?: string;
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

/** What the CLI needs of a file's reports without reading them: the summary, the exit code, stderr. */
export interface EntryFacts {
  /** Paths of the reports (a file's up and down scripts are two reports of one path). */
  paths: string[];
  statements: number;
  errors: number;
  warnings: number;
  infos: number;
  suppressed: number;
  /** The most severe finding, if any. */
  worst: Severity | null;
  unanalysed: Unanalysed[];
}

/**
 * The reports of one file, as analysed or as kept in the cache file: read (JSON.parse) only
 * when a formatter needs them. Its JSON report text is kept too, so a warm `--format json`
 * run copies it out instead of serialising the reports again.
 */
export class CacheEntry {
  private reports: FileReport[] | undefined;
  private json: string | undefined;

  private constructor(
    readonly key: string,
    readonly facts: EntryFacts,
    private readonly stored?: { reports: Buffer; json: Buffer },
    reports?: FileReport[],
  ) {
    this.reports = reports;
  }

  static fromReports(key: string, files: FileReport[]): CacheEntry {
    const report = summarise(files);
    const { statements, errors, warnings, infos, suppressed = 0 } = report.summary;
    let worst: Severity | null = null;
    for (const f of files) for (const { severity } of f.findings) if (!worst || SEVERITY_RANK[severity] > SEVERITY_RANK[worst]) worst = severity;
    const facts: EntryFacts = { paths: files.map((f) => f.path), statements, errors, warnings, infos, suppressed, worst, unanalysed: unanalysedFiles(report) };
    return new CacheEntry(key, facts, undefined, files);
  }

  static fromStored(key: string, facts: EntryFacts, reports: Buffer, json: Buffer): CacheEntry {
    return new CacheEntry(key, facts, { reports, json });
  }

  files(): FileReport[] {
    return (this.reports ??= JSON.parse(this.stored!.reports.toString('utf8')) as FileReport[]);
  }

  /** The JSON report's text of the files (filesJsonText), with their paths as analysed; UTF-8 bytes when read from the cache file. */
  jsonText(): string | Uint8Array {
    return this.stored?.json ?? (this.json ??= filesJsonText(this.files()));
  }

  /** The bytes written to the cache file. */
  serialised(): { reports: Buffer; json: Buffer } {
    return this.stored ?? { reports: Buffer.from(JSON.stringify(this.reports)), json: Buffer.from(this.jsonText()) };
  }
}

/**
 * The cache file: a JSON header line, then per file a JSON line (path, key, facts, byte
 * lengths) followed by its reports' JSON and its JSON report text. A run reads the lines and
 * keeps the rest as bytes; an unchanged entry is written back as the same bytes.
 */
interface EntryLine {
  path: string;
  key: string;
  facts: EntryFacts;
  reports: number;
  json: number;
}

/** Reads a file of the checkout other than the migrations (undefined: not there). */
export type ReadFile = (path: string) => string | undefined;

export class LintCache {
  private entries = new Map<string, CacheEntry>();
  private dirty = false;
  /**
   * The other files analyses read (Scenic view bodies, Liquibase sqlFile, runner config beside a
   * migration), with a digest of what they held: a change to any of them drops every entry.
   */
  private companions: Record<string, string> = {};

  private constructor(
    readonly file: string,
    private readonly global: string,
  ) {}

  /**
   * Opens the cache; a missing, unreadable or outdated file is an empty cache, and so is one
   * whose runs read a file (through `read`) that has changed since.
   */
  static open(file: string, config: DbarchConfig, read?: ReadFile): LintCache {
    const cache = new LintCache(file, globalKey(config));
    try {
      const { entries, companions } = readEntries(readFileSync(file), cache.global);
      const changed = Object.entries(companions).some(([path, was]) => companionDigest(read?.(path)) !== was);
      if (changed) throw new Error('a file the migrations read has changed');
      cache.entries = entries;
      cache.companions = companions;
    } catch {
      cache.entries = new Map();
      cache.dirty = true;
    }
    return cache;
  }

  /** `read`, remembering what each file it reads held, for the next run to check. */
  recording(read: ReadFile): ReadFile {
    return (path) => {
      const text = read(path);
      const d = companionDigest(text);
      if (this.companions[path] !== d) {
        this.companions[path] = d;
        this.dirty = true;
      }
      return text;
    };
  }

  /** The cached entry of a file when its key matches. */
  entry(path: string, key: string): CacheEntry | undefined {
    const e = this.entries.get(path);
    return e && e.key === key ? e : undefined;
  }

  get(path: string, key: string): FileReport[] | undefined {
    return this.entry(path, key)?.files();
  }

  set(path: string, key: string, files: FileReport[]): CacheEntry {
    const entry = CacheEntry.fromReports(key, files);
    this.entries.set(path, entry);
    this.dirty = true;
    return entry;
  }

  /** Writes the cache atomically (a reader never sees half a file); a failure only costs the next run its speed. */
  save(): string | undefined {
    if (!this.dirty) return undefined;
    const tmp = `${this.file}.${process.pid}.tmp`;
    try {
      mkdirSync(dirname(this.file), { recursive: true });
      const fd = openSync(tmp, 'w');
      try {
        writeAll(fd, Buffer.from(`${JSON.stringify({ format: FORMAT, global: this.global, companions: this.companions })}\n`));
        for (const [path, entry] of this.entries) {
          const { reports, json } = entry.serialised();
          const line: EntryLine = { path, key: entry.key, facts: entry.facts, reports: reports.length, json: json.length };
          writeAll(fd, Buffer.from(`${JSON.stringify(line)}\n`));
          writeAll(fd, reports);
          writeAll(fd, json);
        }
      } finally {
        closeSync(fd);
      }
      renameSync(tmp, this.file);
      this.dirty = false;
      return undefined;
    } catch (err) {
      try {
        rmSync(tmp, { force: true });
      } catch {
        // nothing was written
      }
      return `could not write the cache ${this.file}: ${(err as Error).message}`;
    }
  }
}

function writeAll(fd: number, bytes: Buffer): void {
  for (let at = 0; at < bytes.length; ) at += writeSync(fd, bytes, at);
}

function companionDigest(text: string | undefined): string {
  return text === undefined ? '-' : digest(text);
}

/** The entries of a cache file and the files its runs read; throws when it is not one of this format and global key. */
function readEntries(bytes: Buffer, global: string): { entries: Map<string, CacheEntry>; companions: Record<string, string> } {
  const entries = new Map<string, CacheEntry>();
  let at = bytes.indexOf(0x0a);
  const header = JSON.parse(bytes.toString('utf8', 0, at)) as { format: number; global: string; companions?: Record<string, string> };
  if (header.format !== FORMAT || header.global !== global) throw new Error('outdated');
  at++;
  while (at < bytes.length) {
    const eol = bytes.indexOf(0x0a, at);
    if (eol < 0) throw new Error('truncated');
    const line = JSON.parse(bytes.toString('utf8', at, eol)) as EntryLine;
    const reportsAt = eol + 1;
    const jsonAt = reportsAt + line.reports;
    at = jsonAt + line.json;
    if (at > bytes.length) throw new Error('truncated');
    entries.set(line.path, CacheEntry.fromStored(line.key, line.facts, bytes.subarray(reportsAt, jsonAt), bytes.subarray(jsonAt, at)));
  }
  return { entries, companions: header.companions ?? {} };
}

/**
 * Runs `analyze` on the files whose key is not in the cache only, and returns the entries of
 * all of them in the given order, as one uncached run would report them. Cached files that
 * come before a file analysed again in its set are passed as `context`: they build the schema
 * it runs on.
 */
export async function analyzeWithCache(
  cache: LintCache,
  targets: CacheFile[],
  history: CacheFile[],
  order: (files: MigrationFile[]) => MigrationFile[],
  analyze: (files: CacheFile[], context: CacheFile[]) => Promise<Report>,
): Promise<{ entries: CacheEntry[]; hits: number }> {
  const keys = fileKeys(targets, history, order);
  const cached = targets.map((t, i) => cache.entry(t.path, keys[i]!));
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
  const entries = targets.map((t, i) => cached[i] ?? cache.set(t.path, keys[i]!, fresh.get(t.path) ?? []));
  return { entries, hits: targets.length - misses.length };
}

/** The report of the entries (their reports read where they come from the cache file). */
export function entriesReport(entries: readonly CacheEntry[]): Report {
  return summarise(entries.flatMap((e) => e.files()));
}

/** The summary of the entries' reports, as summarise() gives it, without reading them. */
export function entriesSummary(entries: readonly CacheEntry[]): ReportSummary {
  const summary = { files: 0, statements: 0, errors: 0, warnings: 0, infos: 0 };
  let suppressed = 0;
  for (const { facts } of entries) {
    summary.files += facts.paths.length;
    summary.statements += facts.statements;
    summary.errors += facts.errors;
    summary.warnings += facts.warnings;
    summary.infos += facts.infos;
    suppressed += facts.suppressed;
  }
  return suppressed ? { ...summary, suppressed } : summary;
}
