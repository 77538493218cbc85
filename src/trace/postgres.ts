// The trace on a real PostgreSQL server: every session is a scratch database owned by a
// scratch non-superuser role; both are dropped afterwards, also on failure.
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import type { ExecOutcome, PgError } from './worker.js';
import { TraceAbort } from './worker.js';
import { LOCK_MODES, type LockRef } from '../types.js';
import { conflicts } from '../pg/index.js';
import type { RawLock, TraceSession } from './catalog.js';
import {
  SUPABASE_ROLES,
  SUPABASE_STUB,
  applyQuietly,
  cleanSchemaDump,
  collectRequirements,
  emptyRequirements,
  needsSupabaseStub,
  parseHistory,
  type ReplayIssue,
} from './replay.js';
import type { Backend, OpenedSession, TraceFilesInput } from './types.js';
import { initParser } from '../sql/index.js';

const ident = (s: string) => `"${s.replace(/"/g, '""')}"`;

function pgErrorOf(err: unknown): PgError {
  const e = err as { message?: string; code?: string; position?: string };
  const out: PgError = { message: String(e?.message ?? err) };
  if (e?.code) out.code = e.code;
  if (e?.position) out.position = Number(e.position);
  return out;
}

/**
 * A client for `url`, optionally as another user / on another database. The URL itself is
 * rewritten: node-postgres lets connectionString fields override explicit config fields,
 * so `{ connectionString, database }` would silently connect to the URL's database.
 */
function clientFor(url: string, overrides: { user?: string; password?: string; database?: string } = {}): pg.Client {
  const u = new URL(url);
  if (overrides.user !== undefined) u.username = encodeURIComponent(overrides.user);
  if (overrides.password !== undefined) u.password = encodeURIComponent(overrides.password);
  if (overrides.database !== undefined) u.pathname = `/${encodeURIComponent(overrides.database)}`;
  return new pg.Client({ connectionString: u.toString() });
}

class PostgresSession implements TraceSession {
  readonly engine = 'postgres' as const;
  dead = false;
  constructor(
    private readonly client: pg.Client,
    private readonly pid: number,
    private readonly watcherUrl: { url: string; database: string },
    private readonly admin: pg.Client,
  ) {}

  private async run(sql: string, timeoutMs: number): Promise<pg.QueryResult | pg.QueryResult[]> {
    if (this.dead) throw new TraceAbort('crash', 'the session was stopped');
    let timer: NodeJS.Timeout | undefined;
    let timedOut = false;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        timedOut = true;
        this.dead = true;
        void this.admin.query('SELECT pg_cancel_backend($1)', [this.pid]).catch(() => undefined);
        reject(new TraceAbort('timeout', `trace stopped after ${Math.round(timeoutMs / 100) / 10} s`));
      }, timeoutMs);
    });
    try {
      return (await Promise.race([this.client.query(sql), timeout])) as pg.QueryResult | pg.QueryResult[];
    } catch (err) {
      if (timedOut || err instanceof TraceAbort) throw err;
      throw Object.assign(new Error('pg'), { pg: pgErrorOf(err) });
    } finally {
      clearTimeout(timer);
    }
  }

  async exec(sql: string, timeoutMs: number): Promise<ExecOutcome> {
    try {
      const r = await this.run(sql, timeoutMs);
      const last = Array.isArray(r) ? r[r.length - 1] : r;
      return { ok: true, rows: (last?.rows ?? []) as Record<string, unknown>[] };
    } catch (err) {
      const pgErr = (err as { pg?: PgError }).pg;
      if (pgErr) return { ok: false, error: pgErr, outOfMemory: false };
      throw err;
    }
  }

  async query<T>(sql: string, timeoutMs: number): Promise<T[]> {
    const r = await this.exec(sql, timeoutMs);
    if (!r.ok) throw new Error(r.error.message);
    return r.rows as T[];
  }

  /**
   * Other connections (one per relation the lock model names) each hold a lock that
   * conflicts with the predicted mode, so the statement queues behind it and the mode it
   * requests shows in pg_locks, ungranted. Each blocker is released as soon as its request
   * is seen (or after a few seconds), so every predicted request is caught in turn, e.g.
   * DETACH PARTITION CONCURRENTLY's second transaction. Weaker earlier requests (VACUUM's
   * ACCESS SHARE look-up) pass the blocker. Granted locks are sampled in between.
   */
  async execWatched(sql: string, watch: LockRef[], timeoutMs: number): Promise<{ outcome: ExecOutcome; locks: RawLock[] }> {
    const target = { database: this.watcherUrl.database };
    const sampler = clientFor(this.watcherUrl.url, target);
    const blockers: { client: pg.Client; oid: string; since: number; released: boolean }[] = [];
    const seen = new Map<string, RawLock>();
    const sample = async () => {
      const r = await sampler.query<RawLock & { granted: boolean }>(
        `SELECT relation::text AS oid, mode, granted FROM pg_locks WHERE locktype = 'relation' AND pid = $1 AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`,
        [this.pid],
      );
      for (const l of r.rows) seen.set(`${l.oid}/${l.mode}`, { oid: l.oid, mode: l.mode });
      return r.rows;
    };
    const release = async (b: (typeof blockers)[number]) => {
      if (b.released) return;
      b.released = true;
      await b.client.query('COMMIT').catch(() => undefined);
    };
    try {
      await sampler.connect();
      for (const { relation, mode } of watch) {
        const blocker = LOCK_MODES.find((m) => conflicts(m, mode)) ?? 'ACCESS EXCLUSIVE';
        const client = clientFor(this.watcherUrl.url, target);
        await client.connect();
        try {
          await client.query('BEGIN');
          const name = relation.split('.').map(ident).join('.');
          await client.query(`LOCK TABLE ${name} IN ${blocker} MODE NOWAIT`);
          const oid = (await client.query<{ oid: string }>(`SELECT '${name.replace(/'/g, "''")}'::regclass::oid::text AS oid`)).rows[0]!.oid;
          blockers.push({ client, oid, since: Date.now(), released: false });
        } catch {
          await client.end().catch(() => undefined);
        }
      }
      let done = false;
      const running = this.exec(sql, timeoutMs).finally(() => {
        done = true;
      });
      const maxWaitMs = Math.min(3_000, timeoutMs);
      while (!done) {
        const rows = await sample().catch(() => []);
        const waiting = new Set(rows.filter((l) => !l.granted).map((l) => l.oid));
        for (const b of blockers) {
          if (b.released) continue;
          if (waiting.has(b.oid) || Date.now() - b.since > maxWaitMs) {
            await release(b);
            for (const other of blockers) if (!other.released) other.since = Date.now();
          }
        }
        await new Promise((r) => setTimeout(r, 5));
      }
      return { outcome: await running, locks: [...seen.values()] };
    } finally {
      for (const b of blockers) {
        await release(b);
        await b.client.end().catch(() => undefined);
      }
      await sampler.end().catch(() => undefined);
    }
  }

}

export async function openPostgresBackend(input: TraceFilesInput, roles: string[]): Promise<Backend> {
  const url = input.options.databaseUrl!;
  const admin = clientFor(url);
  await admin.connect();
  await initParser();
  const createdRoles: string[] = [];
  const history = input.schemaDump
    ? [{ path: input.schemaDump.path, source: cleanSchemaDump(input.schemaDump.source), transaction: 'none' as const }, ...input.history]
    : input.history;
  const parsedHistory = history.filter((h) => h.direction !== 'down').map((h) => ({ file: h, parsed: parseHistory(h) }));
  const req = emptyRequirements();
  for (const { parsed } of parsedHistory) collectRequirements(parsed, req);
  const supabase = needsSupabaseStub([...history.map((h) => h.source), ...input.targets.map((t) => t.source)]);
  roles = [...req.roles, ...roles, ...(supabase ? SUPABASE_ROLES : [])];
  const dropRoles = async () => {
    for (const r of createdRoles) await admin.query(`DROP ROLE IF EXISTS ${ident(r)}`).catch(() => undefined);
  };
  try {
    // roles the migrations name: created once (cluster-wide), dropped at dispose
    const existing = new Set((await admin.query<{ rolname: string }>('SELECT rolname FROM pg_roles')).rows.map((r) => r.rolname));
    for (const r of new Set(roles)) {
      if (existing.has(r)) continue;
      await admin.query(`CREATE ROLE ${ident(r)}`);
      createdRoles.push(r);
    }
  } catch (err) {
    await dropRoles();
    await admin.end().catch(() => undefined);
    throw err;
  }
  const base: Backend['base'] = { fromCache: false, replayMs: 0, issues: [], unavailableExtensions: [] };
  let first = true;
  const open = async (): Promise<OpenedSession> => {
    const suffix = randomBytes(6).toString('hex');
    const db = `dbarch_trace_${suffix}`;
    const role = `dbarch_trace_${suffix}`;
    const password = randomBytes(12).toString('hex');
    const t0 = performance.now();
    await admin.query(`CREATE ROLE ${ident(role)} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD '${password}'`);
    let client: pg.Client | undefined;
    const drop = async () => {
      await client?.end().catch(() => undefined);
      await admin.query(`DROP DATABASE IF EXISTS ${ident(db)} WITH (FORCE)`).catch(() => undefined);
      await admin.query(`DROP ROLE IF EXISTS ${ident(role)}`).catch(() => undefined);
    };
    try {
      await admin.query(`CREATE DATABASE ${ident(db)} OWNER ${ident(role)}`);
      for (const r of createdRoles) await admin.query(`GRANT ${ident(r)} TO ${ident(role)}`);
      client = clientFor(url, { user: role, password, database: db });
      await client.connect();
      const who = (await client.query<{ pid: number; db: string; usr: string }>('SELECT pg_backend_pid() AS pid, current_database() AS db, current_user AS usr')).rows[0]!;
      // never run migrations anywhere but the scratch database, as the scratch role
      if (who.db !== db || who.usr !== role) throw new Error(`trace connection landed on ${who.db} as ${who.usr}, not the scratch database`);
      const pid = who.pid;
      const session = new PostgresSession(client, pid, { url, database: db }, admin);
      const issues: ReplayIssue[] = [];
      if (supabase) await session.exec(SUPABASE_STUB, 60_000);
      for (const { file, parsed } of parsedHistory) await applyQuietly(session, file, parsed, Math.max(input.options.timeoutMs, 60_000), issues);
      if (first) {
        first = false;
        base.issues = issues;
        base.replayMs = Math.round(performance.now() - t0);
      }
      return { session, alive: () => !session.dead, close: drop };
    } catch (err) {
      await drop();
      throw err;
    }
  };
  return {
    engine: 'postgres',
    base,
    open,
    async dispose() {
      await dropRoles();
      await admin.end().catch(() => undefined);
    },
  };
}
