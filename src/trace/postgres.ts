// The trace on a real PostgreSQL server. Migration code is hostile input: it runs as a
// scratch non-superuser role in a scratch database that the admin owns; the lock sampler
// and blockers log in as a second, weaker role; the admin connection stays in the
// maintenance database of DATABASE_URL and never enters a database migration code touched.
// Every connection pins search_path and dbarch's own SQL names every object with its schema,
// so nothing a migration defines (public.current_database(), an operator) runs in our queries.
// Both roles and the database are dropped afterwards, also on failure.
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

/** search_path of dbarch's own connections: only the system catalog resolves. */
export const CATALOG_PATH = 'pg_catalog';
/** search_path of the migration's connection: PostgreSQL's default, whatever a role or database setting says. */
export const MIGRATION_PATH = '"$user",public';

/**
 * A client for `url`, optionally as another user / on another database, with search_path
 * pinned by a connection option (it outranks ALTER DATABASE/ROLE … SET). The URL itself is
 * rewritten: node-postgres lets connectionString fields (`?user=`) override explicit config
 * fields, so `{ connectionString, user }` would silently log in with the URL's user.
 */
export function clientFor(url: string, target: { searchPath: string; user?: string; password?: string; database?: string }): pg.Client {
  const u = new URL(url);
  if (target.user !== undefined) {
    u.searchParams.delete('user');
    u.username = encodeURIComponent(target.user);
  }
  if (target.password !== undefined) {
    u.searchParams.delete('password');
    u.password = encodeURIComponent(target.password);
  }
  if (target.database !== undefined) u.pathname = `/${encodeURIComponent(target.database)}`;
  // a later -c wins, so the URL's own options (statement_timeout…) are kept but cannot move search_path
  const options = [u.searchParams.get('options'), `-c search_path=${target.searchPath}`].filter(Boolean).join(' ');
  u.searchParams.set('options', options);
  return new pg.Client({ connectionString: u.toString() });
}

/**
 * Connects and proves where the connection landed before anything runs on it: the
 * expected database and user, no superuser, the pinned search_path.
 */
export async function connectChecked(client: pg.Client, expect: { database: string; user: string; searchPath: string }): Promise<number> {
  await client.connect();
  const who = (
    await client.query<{ pid: number; db: string; usr: string; su: string; path: string }>(
      `SELECT pg_catalog.pg_backend_pid() AS pid, pg_catalog.current_database() AS db, pg_catalog."current_user"() AS usr,
        pg_catalog.current_setting('is_superuser') AS su, pg_catalog.current_setting('search_path') AS path`,
    )
  ).rows[0]!;
  const want = expect.searchPath.replace(/\s/g, '');
  if (who.db !== expect.database || who.usr !== expect.user || who.su !== 'off' || who.path.replace(/\s/g, '') !== want) {
    await client.end().catch(() => undefined);
    throw new Error(`trace connection landed on ${who.db} as ${who.usr} (superuser ${who.su}, search_path ${who.path}), not on the scratch database as its role`);
  }
  return who.pid;
}

const EQ = 'OPERATOR(pg_catalog.=)';

/** Relation locks of one backend in the current database, as seen by another connection. */
const SAMPLE_SQL = `SELECT l.relation::pg_catalog.text AS oid, l.mode, l.granted FROM pg_catalog.pg_locks l
WHERE l.locktype ${EQ} 'relation' AND l.pid ${EQ} $1
  AND l.database ${EQ} (SELECT d.oid FROM pg_catalog.pg_database d WHERE d.datname ${EQ} pg_catalog.current_database())`;

interface Login {
  url: string;
  database: string;
  user: string;
  password: string;
}

class PostgresSession implements TraceSession {
  readonly engine = 'postgres' as const;
  dead = false;
  constructor(
    private readonly client: pg.Client,
    private readonly pid: number,
    /** The second, weaker role the sampler and blockers log in as. */
    private readonly watcher: Login,
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
        void this.admin.query('SELECT pg_catalog.pg_cancel_backend($1)', [this.pid]).catch(() => undefined);
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
    const login = this.watcher;
    const watcherClient = () => clientFor(login.url, { user: login.user, password: login.password, database: login.database, searchPath: CATALOG_PATH });
    const expected = { database: login.database, user: login.user, searchPath: CATALOG_PATH };
    const sampler = watcherClient();
    const blockers: { client: pg.Client; oid: string; since: number; released: boolean }[] = [];
    const seen = new Map<string, RawLock>();
    const sample = async () => {
      const r = await sampler.query<RawLock & { granted: boolean }>(SAMPLE_SQL, [this.pid]);
      for (const l of r.rows) seen.set(`${l.oid}/${l.mode}`, { oid: l.oid, mode: l.mode });
      return r.rows;
    };
    const release = async (b: (typeof blockers)[number]) => {
      if (b.released) return;
      b.released = true;
      await b.client.query('COMMIT').catch(() => undefined);
    };
    try {
      await connectChecked(sampler, expected);
      for (const { relation, mode } of watch) {
        const blocker = LOCK_MODES.find((m) => conflicts(m, mode)) ?? 'ACCESS EXCLUSIVE';
        const client = watcherClient();
        try {
          await connectChecked(client, expected);
          await client.query('BEGIN');
          const name = relation.split('.').map(ident).join('.');
          await client.query(`LOCK TABLE ${name} IN ${blocker} MODE NOWAIT`);
          const oid = (await client.query<{ oid: string }>(`SELECT $1::pg_catalog.regclass::pg_catalog.oid::pg_catalog.text AS oid`, [name])).rows[0]!.oid;
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
  // stays in DATABASE_URL's own database: migration code never runs there
  const admin = clientFor(url, { searchPath: CATALOG_PATH });
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
    const existing = new Set((await admin.query<{ rolname: string }>('SELECT rolname FROM pg_catalog.pg_roles')).rows.map((r) => r.rolname));
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
    const watcher: Login = { url, database: db, user: `dbarch_trace_${suffix}_watch`, password: randomBytes(12).toString('hex') };
    const password = randomBytes(12).toString('hex');
    const t0 = performance.now();
    const limited = 'LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS';
    let client: pg.Client | undefined;
    const drop = async () => {
      await client?.end().catch(() => undefined);
      await admin.query(`DROP DATABASE IF EXISTS ${ident(db)} WITH (FORCE)`).catch(() => undefined);
      await admin.query(`DROP ROLE IF EXISTS ${ident(watcher.user)}`).catch(() => undefined);
      await admin.query(`DROP ROLE IF EXISTS ${ident(role)}`).catch(() => undefined);
    };
    try {
      await admin.query(`CREATE ROLE ${ident(role)} ${limited} PASSWORD '${password}'`);
      // a member of the scratch role, so it may LOCK the migration's tables; it runs only dbarch's own SQL
      await admin.query(`CREATE ROLE ${ident(watcher.user)} ${limited} PASSWORD '${watcher.password}' IN ROLE ${ident(role)}`);
      // owned by the admin: the scratch role cannot ALTER DATABASE … SET what later sessions resolve
      await admin.query(`CREATE DATABASE ${ident(db)}`);
      await admin.query(`REVOKE ALL ON DATABASE ${ident(db)} FROM PUBLIC`);
      // CREATE: schemas and trusted extensions, as an application's owner role would have
      await admin.query(`GRANT CONNECT, TEMPORARY, CREATE ON DATABASE ${ident(db)} TO ${ident(role)}`);
      await admin.query(`GRANT CONNECT ON DATABASE ${ident(db)} TO ${ident(watcher.user)}`);
      await handOverPublicSchema(url, db, role);
      for (const r of createdRoles) await admin.query(`GRANT ${ident(r)} TO ${ident(role)}`);
      client = clientFor(url, { user: role, password, database: db, searchPath: MIGRATION_PATH });
      // never run migrations anywhere but the scratch database, as the scratch role
      const pid = await connectChecked(client, { database: db, user: role, searchPath: MIGRATION_PATH });
      const session = new PostgresSession(client, pid, watcher, admin);
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

/**
 * The scratch role owns the fresh database's `public` schema, so migrations can GRANT and
 * REVOKE on it as on an application database. This is the only time an admin connection
 * enters the scratch database: before any migration code has run there.
 */
async function handOverPublicSchema(url: string, db: string, role: string): Promise<void> {
  const setup = clientFor(url, { database: db, searchPath: CATALOG_PATH });
  await setup.connect();
  try {
    await setup.query(`ALTER SCHEMA public OWNER TO ${ident(role)}`);
  } finally {
    await setup.end().catch(() => undefined);
  }
}
