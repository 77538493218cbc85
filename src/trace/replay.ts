// Rebuilds the schema as it was before the change (history replay or a schema dump),
// and caches the result as a PGlite data-directory tarball keyed by a hash of the history.
import { createHash } from 'node:crypto';
import { closeSync, fstatSync, mkdirSync, openSync, readFileSync, readSync, readdirSync, renameSync, statSync, unlinkSync, writeFileSync, existsSync } from 'node:fs';
import { readFile, writeFile, rename, mkdir } from 'node:fs/promises';
import { gunzip } from 'node:zlib';
import { promisify } from 'node:util';
import { basename, dirname, join } from 'node:path';
import { tmpdir } from 'node:os';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { initParser, parseSql } from '../sql/index.js';
import type { Direction, ParsedFile, TransactionMode } from '../types.js';
import type { TraceSession } from './catalog.js';
import { applyBatched } from './batch.js';
import { topLevel } from './run.js';
import { packageInfo } from '../report/version.js';
import { BUILTIN_EXTENSIONS, PgliteWorker, SETTINGS, availableExtensions, isGzip, sharedBytes } from './worker.js';

export interface HistoryFile {
  path: string;
  source: string;
  transaction: TransactionMode;
  /** Down files are not replayed. */
  direction?: Direction;
  /**
   * The SQL is only part of what the migration does (Rails/Django/Alembic/Knex… DSL
   * migrations: only their raw SQL is extracted), so the replayed schema is incomplete.
   */
  partial?: boolean;
  parsed?: ParsedFile;
}

/** A history statement that failed during replay (recorded, replay continued). */
export interface ReplayIssue {
  path: string;
  line: number;
  message: string;
}

// ------------------------------------------------------------ what the SQL needs

export interface Requirements {
  extensions: Set<string>;
  roles: Set<string>;
}

export function emptyRequirements(): Requirements {
  return { extensions: new Set(), roles: new Set() };
}

/** Collects `CREATE EXTENSION` names and role names (GRANT … TO, OWNER TO, policies) from parsed SQL. */
export function collectRequirements(parsed: ParsedFile, into: Requirements = emptyRequirements()): Requirements {
  const visit = (node: unknown): void => {
    if (node === null || typeof node !== 'object') return;
    if (Array.isArray(node)) {
      for (const n of node) visit(n);
      return;
    }
    const obj = node as Record<string, unknown>;
    const ext = obj.CreateExtensionStmt as { extname?: string } | undefined;
    if (ext?.extname) into.extensions.add(ext.extname.toLowerCase());
    const role = obj.RoleSpec as { roletype?: string; rolename?: string } | undefined;
    if (role?.roletype === 'ROLESPEC_CSTRING' && role.rolename) into.roles.add(role.rolename);
    const createRole = obj.CreateRoleStmt as { role?: string } | undefined;
    if (createRole?.role) into.roles.delete(createRole.role);
    for (const key in obj) visit(obj[key]);
  };
  for (const stmt of parsed.statements) visit(stmt.ast);
  return into;
}

/** Splits extension names into those PGlite can load and those it lacks. */
export function partitionExtensions(names: Iterable<string>): { load: string[]; unavailable: string[] } {
  const available = availableExtensions();
  const load: string[] = [];
  const unavailable: string[] = [];
  for (const name of names) {
    if (BUILTIN_EXTENSIONS.has(name)) continue;
    (available.has(name) ? load : unavailable).push(name);
  }
  return { load: load.sort(), unavailable: unavailable.sort() };
}

/** Roles the migrations grant to or assign ownership to; created up front, as a real database would have them. */
export function createRolesSql(roles: Iterable<string>): string {
  const ident = (s: string) => `"${s.replace(/"/g, '""')}"`;
  const lit = (s: string) => `'${s.replace(/'/g, "''")}'`;
  return [...roles]
    .filter((r) => r !== 'postgres')
    .map((r) => `DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = ${lit(r)}) THEN CREATE ROLE ${ident(r)}; END IF; END $$;`)
    .join('\n');
}

/**
 * Supabase projects reference objects the platform provides (auth.users, auth.uid(), the
 * API roles). A minimal stand-in lets their migrations replay.
 */
export const SUPABASE_STUB = `CREATE SCHEMA IF NOT EXISTS auth;
CREATE TABLE IF NOT EXISTS auth.users (id uuid PRIMARY KEY, email text, raw_user_meta_data jsonb, created_at timestamptz DEFAULT now());
CREATE OR REPLACE FUNCTION auth.uid() RETURNS uuid LANGUAGE sql STABLE AS 'SELECT NULL::uuid';
CREATE OR REPLACE FUNCTION auth.role() RETURNS text LANGUAGE sql STABLE AS 'SELECT NULL::text';
CREATE OR REPLACE FUNCTION auth.jwt() RETURNS jsonb LANGUAGE sql STABLE AS 'SELECT NULL::jsonb';
CREATE SCHEMA IF NOT EXISTS storage;
CREATE TABLE IF NOT EXISTS storage.buckets (id text PRIMARY KEY, name text, public boolean);
CREATE TABLE IF NOT EXISTS storage.objects (id uuid PRIMARY KEY, bucket_id text REFERENCES storage.buckets, name text, owner uuid);`;

export const SUPABASE_ROLES = ['anon', 'authenticated', 'service_role', 'supabase_admin'];

/** Whether the SQL relies on Supabase's platform schema. */
export function needsSupabaseStub(sources: Iterable<string>): boolean {
  for (const s of sources) if (/\b(auth\.(users|uid|role|jwt)\b|storage\.(buckets|objects)\b)/i.test(s)) return true;
  return false;
}

// ------------------------------------------------------------ replay

/** Removes psql meta-commands and COPY … FROM stdin data from a pg_dump script. */
export function cleanSchemaDump(source: string): string {
  const out: string[] = [];
  let inCopy = false;
  for (const line of source.split(/\r?\n/)) {
    if (inCopy) {
      if (line === '\\.') inCopy = false;
      out.push('');
      continue;
    }
    if (/^\s*\\/.test(line)) {
      out.push('');
      continue;
    }
    if (/^COPY\s.+\sFROM\s+stdin/i.test(line)) {
      inCopy = true;
      out.push('');
      continue;
    }
    out.push(line);
  }
  return out.join('\n');
}

export function parseHistory(file: HistoryFile): ParsedFile {
  return file.parsed ?? parseSql(file.source, { path: file.path, maxBytes: 64 * 1024 * 1024 });
}

/**
 * Applies one file without tracing. Fast path: the whole file in one query (wrapped in
 * BEGIN/COMMIT when the framework uses a transaction). If that fails, statement by
 * statement in autocommit, recording failures and continuing.
 */
export async function applyQuietly(
  session: TraceSession,
  file: { path: string; source: string; transaction: TransactionMode },
  parsed: ParsedFile,
  timeoutMs: number,
  issues?: ReplayIssue[],
): Promise<void> {
  const text = file.transaction === 'transaction' ? `BEGIN;\n${file.source}\n;\nCOMMIT;` : file.source;
  // session settings (a dump's `set_config('search_path', '', false)`) must not leak into the next file
  const whole = await session.exec(text, timeoutMs);
  if (whole.ok) {
    await session.exec('RESET ALL', timeoutMs);
    return;
  }
  await session.exec('ROLLBACK', timeoutMs);
  for (const stmt of topLevel(parsed)) {
    if (stmt.error) {
      issues?.push({ path: file.path, line: stmt.span.line, message: stmt.error.message });
      continue;
    }
    const r = await session.exec(stmt.rendered ?? stmt.text, timeoutMs);
    if (!r.ok) {
      issues?.push({ path: file.path, line: stmt.span.line, message: r.error.message });
      await session.exec('ROLLBACK', timeoutMs);
    }
  }
  await session.exec('RESET ALL', timeoutMs);
}

export interface BaseInput {
  history: HistoryFile[];
  schemaDump?: { path: string; source: string };
}

/**
 * Key of the replayed state: dbarch and PGlite (PostgreSQL) versions, the server settings,
 * every history file (path, mode, content) and the dump.
 */
export function historyKey(input: BaseInput): string {
  const h = createHash('sha256');
  h.update(`dbarch ${packageInfo().version}\npglite ${pgliteVersion()}\n${SETTINGS.join('\n')}\n`);
  if (needsSupabaseStub(input.history.map((f) => f.source))) h.update('supabase\n');
  if (input.schemaDump) h.update(`dump ${input.schemaDump.path}\n${input.schemaDump.source}\n`);
  for (const f of input.history) {
    if (f.direction === 'down') continue;
    h.update(`${f.path}\n${f.transaction}\n${f.source.length}\n${f.source}\n`);
  }
  return h.digest('hex');
}

let versionCache: string | undefined;
function pgliteVersion(): string {
  if (!versionCache) {
    const require = createRequire(import.meta.url);
    const dist = dirname(require.resolve('@electric-sql/pglite'));
    versionCache = (JSON.parse(readFileSync(join(dist, '..', 'package.json'), 'utf8')) as { version: string }).version;
  }
  return versionCache;
}

export interface BaseState {
  key: string;
  dump: Uint8Array;
  issues: ReplayIssue[];
  /** Extensions the history creates that PGlite can load / lacks. */
  extensions: string[];
  unavailable: string[];
  replayMs: number;
}

// ------------------------------------------------------------ cache

const MAX_CACHE_ENTRIES = 8;
const MAX_CACHE_BYTES = 512 * 1024 * 1024;
const memoryCache = new Map<string, BaseState>();

function remember(state: BaseState): void {
  memoryCache.delete(state.key);
  memoryCache.set(state.key, state);
  let bytes = 0;
  for (const s of memoryCache.values()) bytes += s.dump.byteLength;
  while (memoryCache.size > MAX_CACHE_ENTRIES || (bytes > MAX_CACHE_BYTES && memoryCache.size > 1)) {
    const oldest = memoryCache.keys().next().value as string;
    bytes -= memoryCache.get(oldest)!.dump.byteLength;
    memoryCache.delete(oldest);
  }
}

function recall(key: string): BaseState | undefined {
  const hit = memoryCache.get(key);
  if (hit) {
    memoryCache.delete(key);
    memoryCache.set(key, hit);
  }
  return hit;
}

/** Forgets the in-memory caches (replayed states and the blank cluster). */
export function clearReplayCache(): void {
  memoryCache.clear();
  blank = undefined;
}

/** Replayed states kept on disk (plain tarballs of 40-60 MB each); the oldest go first. */
const MAX_DISK_ENTRIES = 4;

function readDisk(dir: string, key: string): BaseState | undefined {
  const meta = join(dir, `trace-${key}.json`);
  const tar = join(dir, `trace-${key}.tar`);
  if (!existsSync(meta) || !existsSync(tar)) return undefined;
  try {
    const m = JSON.parse(readFileSync(meta, 'utf8')) as Omit<BaseState, 'dump'>;
    return { ...m, dump: readShared(tar) };
  } catch {
    return undefined;
  }
}

/** A file read straight into shared memory (see sharedBytes). */
function readShared(file: string): Uint8Array {
  const fd = openSync(file, 'r');
  try {
    const out = new Uint8Array(new SharedArrayBuffer(fstatSync(fd).size));
    let at = 0;
    while (at < out.byteLength) {
      const n = readSync(fd, out, at, out.byteLength - at, at);
      if (n === 0) throw new Error(`${file}: truncated`);
      at += n;
    }
    return out;
  } finally {
    closeSync(fd);
  }
}

/** Writes the state in the background (the trace goes on meanwhile); never fails the trace. */
async function writeDisk(dir: string, state: BaseState): Promise<void> {
  try {
    await mkdir(dir, { recursive: true });
    const { dump, ...meta } = state;
    const tmp = `.tmp-${process.pid}-${Date.now()}`;
    const tar = join(dir, `trace-${state.key}.tar`);
    const json = join(dir, `trace-${state.key}.json`);
    await writeFile(`${tar}${tmp}`, dump);
    await rename(`${tar}${tmp}`, tar);
    await writeFile(`${json}${tmp}`, JSON.stringify(meta));
    await rename(`${json}${tmp}`, json);
    pruneDisk(dir);
  } catch {
    // the cache is an optimisation only
  }
}

function pruneDisk(dir: string): void {
  const entries = readdirSync(dir)
    .filter((f) => /^trace-[0-9a-f]{64}\.(tar|tgz)$/.test(f))
    .map((f) => ({ f, at: statSync(join(dir, f)).mtimeMs }))
    .sort((a, b) => b.at - a.at);
  for (const { f } of entries.slice(MAX_DISK_ENTRIES)) {
    for (const gone of [f, f.replace(/\.(tar|tgz)$/, '.json')]) {
      try {
        unlinkSync(join(dir, gone));
      } catch {
        // removed by another process meanwhile
      }
    }
  }
}

/** The blank cluster as a plain tarball (read and unpacked once per process). */
let blank: Promise<Uint8Array | undefined> | undefined;

/** The blank cluster `npm run build` dumps next to the compiled code (dist/). */
export function buildSnapshotPath(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  const name = `pglite-blank-${pgliteVersion()}.tgz`;
  // This module is dist/src/trace/replay.js, or a chunk of the CLI bundle in dist/cli/.
  const bundled = join(here, '..', name);
  return basename(here) === 'cli' && existsSync(bundled) ? bundled : join(here, '..', '..', name);
}

function blankPath(cacheDir?: string): string {
  return join(cacheDir ?? join(tmpdir(), 'dbarch-trace-cache'), `blank-pglite-${pgliteVersion()}.tar`);
}

const gunzipAsync = promisify(gunzip);

/**
 * Starts reading the blank cluster: the snapshot made at build time first, then one an
 * earlier run saved. Unpacking runs on libuv's thread pool, beside the parse of the history.
 */
function loadBlank(cacheDir?: string): Promise<Uint8Array | undefined> {
  blank ??= (async () => {
    for (const candidate of [buildSnapshotPath(), blankPath(cacheDir)]) {
      try {
        const bytes = await readFile(candidate);
        return sharedBytes(isGzip(bytes) ? await gunzipAsync(bytes) : bytes);
      } catch {
        // missing or unreadable: try the next one
      }
    }
    return undefined;
  })();
  return blank;
}

/**
 * A worker on an empty cluster. initdb is most of a cold start, so the fresh cluster is
 * dumped once (memory, and disk: cacheDir or the OS temp dir) and later starts load it.
 */
export async function startBlank(opts: { extensions: string[]; memoryMb: number }, cacheDir?: string): Promise<PgliteWorker> {
  const dump = await loadBlank(cacheDir);
  if (dump) return PgliteWorker.start({ ...opts, dump });
  const w = await PgliteWorker.start(opts);
  try {
    const fresh = await w.dump(120_000);
    blank = Promise.resolve(fresh);
    const file = blankPath(cacheDir);
    mkdirSync(dirname(file), { recursive: true });
    const tmp = `${file}.tmp-${process.pid}-${Date.now()}`;
    writeFileSync(tmp, fresh);
    renameSync(tmp, file);
  } catch {
    // the cache is an optimisation only
  }
  return w;
}

export interface ReplayOptions {
  memoryMb: number;
  /** Per-file limit while replaying. */
  timeoutMs: number;
  /** Directory for the on-disk cache (e.g. `.dbarch-cache`); memory only when absent. */
  cacheDir?: string;
  /** Extensions to load on top of what the history needs (the targets' own). */
  extraExtensions?: string[];
  /** Roles to create on top of what the history needs. */
  extraRoles?: string[];
  /** The targets' SQL: decides platform stand-ins (Supabase) too. */
  extraSources?: string[];
}

export interface ReplayResult {
  state: BaseState;
  fromCache: 'memory' | 'disk' | false;
  /** A worker at the base state, when replay just ran in it (saves one load). */
  worker?: PgliteWorker;
  /** The write of the state to the disk cache, still under way. */
  saved?: Promise<void>;
}

/** The base state for the history: from the cache, or replayed (and then cached). */
export async function baseState(input: BaseInput, opts: ReplayOptions): Promise<ReplayResult> {
  const key = historyKey(input);
  const cached = recall(key);
  if (cached) return { state: cached, fromCache: 'memory' };
  if (opts.cacheDir) {
    const disk = readDisk(opts.cacheDir, key);
    if (disk) {
      remember(disk);
      return { state: disk, fromCache: 'disk' };
    }
  }
  const t0 = performance.now();
  void loadBlank(opts.cacheDir);
  await initParser();
  const files: { file: HistoryFile; parsed: ParsedFile }[] = [];
  if (input.schemaDump) {
    const source = cleanSchemaDump(input.schemaDump.source);
    const file: HistoryFile = { path: input.schemaDump.path, source, transaction: 'none' };
    files.push({ file, parsed: parseHistory(file) });
  }
  for (const f of input.history) if (f.direction !== 'down') files.push({ file: f, parsed: parseHistory(f) });
  const req = emptyRequirements();
  for (const { parsed } of files) collectRequirements(parsed, req);
  const supabase = needsSupabaseStub([...files.map((f) => f.file.source), ...(opts.extraSources ?? [])]);
  if (supabase) for (const r of SUPABASE_ROLES) req.roles.add(r);
  const { load, unavailable } = partitionExtensions([...req.extensions, ...(opts.extraExtensions ?? [])]);
  const worker = await startBlank({ extensions: load, memoryMb: opts.memoryMb }, opts.cacheDir);
  try {
    const issues: ReplayIssue[] = [];
    const roles = createRolesSql([...req.roles, ...(opts.extraRoles ?? [])]);
    if (roles) await worker.exec(roles, opts.timeoutMs);
    if (supabase) {
      const stub = await worker.exec(SUPABASE_STUB, opts.timeoutMs);
      if (!stub.ok) issues.push({ path: '(supabase stand-in)', line: 1, message: stub.error.message });
    }
    await applyBatched(worker, files, opts.timeoutMs, (file, parsed) => applyQuietly(worker, file, parsed, opts.timeoutMs, issues));
    const dump = await worker.dump(Math.max(opts.timeoutMs, 120_000));
    const state: BaseState = {
      key,
      dump,
      issues,
      extensions: load,
      unavailable: partitionExtensions(req.extensions).unavailable,
      replayMs: Math.round(performance.now() - t0),
    };
    remember(state);
    const saved = opts.cacheDir ? writeDisk(opts.cacheDir, state) : undefined;
    return { state, fromCache: false, worker, ...(saved ? { saved } : {}) };
  } catch (err) {
    await worker.close();
    throw err;
  }
}
