// The trace on a real PostgreSQL server: every session is a scratch database owned by a
// scratch non-superuser role; both are dropped afterwards, also on failure.
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import type { ExecOutcome, PgError } from './worker.js';
import { TraceAbort } from './worker.js';
import { LOCK_MODES, type LockRef } from '../types.js';
import { conflicts } from '../pg/index.js';
import type { RawLock, TraceSession } from './catalog.js';
import { applyQuietly, cleanSchemaDump, createRolesSql, parseHistory, type ReplayIssue } from './replay.js';
import type { Backend, OpenedSession, TraceFilesInput } from './index.js';
import { initParser } from '../sql/index.js';

const ident = (s: string) => `"${s.replace(/"/g, '""')}"`;

function pgErrorOf(err: unknown): PgError {
  const e = err as { message?: string; code?: string; position?: string };
  const out: PgError = { message: String(e?.message ?? err) };
  if (e?.code) out.code = e.code;
  if (e?.position) out.position = Number(e.position);
  return out;
}

function clientFor(url: string, overrides: pg.ClientConfig = {}): pg.Client {
  return new pg.Client({ connectionString: url, ...overrides });
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
   * A second connection first holds, on each relation the lock model names, a lock that
   * conflicts with the predicted mode, so the statement queues behind it and the mode it
   * requests shows in pg_locks (ungranted); then it releases and keeps sampling pg_locks
   * until the statement ends (short-lived locks between samples can be missed).
   */
  async execWatched(sql: string, watch: LockRef[], timeoutMs: number): Promise<{ outcome: ExecOutcome; locks: RawLock[] }> {
    const watcher = clientFor(this.watcherUrl.url, { database: this.watcherUrl.database });
    await watcher.connect();
    const seen = new Map<string, RawLock>();
    const sample = async () => {
      const r = await watcher.query<RawLock & { granted: boolean }>(
        `SELECT relation::text AS oid, mode, granted FROM pg_locks WHERE locktype = 'relation' AND pid = $1 AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`,
        [this.pid],
      );
      for (const l of r.rows) seen.set(`${l.oid}/${l.mode}`, { oid: l.oid, mode: l.mode });
      return r.rows;
    };
    try {
      let holding = false;
      await watcher.query('BEGIN');
      for (const { relation, mode } of watch) {
        // the weakest mode that conflicts with the predicted one: earlier, weaker requests
        // (VACUUM's ACCESS SHARE look-up) pass, the predicted request queues and shows
        const blocker = LOCK_MODES.find((m) => conflicts(m, mode)) ?? 'ACCESS EXCLUSIVE';
        try {
          await watcher.query('SAVEPOINT w');
          await watcher.query(`LOCK TABLE ${relation.split('.').map(ident).join('.')} IN ${blocker} MODE NOWAIT`);
          holding = true;
        } catch {
          await watcher.query('ROLLBACK TO SAVEPOINT w');
        }
      }
      let done = false;
      const running = this.exec(sql, timeoutMs).finally(() => {
        done = true;
      });
      const waitUntil = Date.now() + Math.min(5_000, timeoutMs);
      while (holding && !done && Date.now() < waitUntil) {
        const rows = await sample();
        if (rows.some((l) => !l.granted)) break;
        await new Promise((r) => setTimeout(r, 5));
      }
      await watcher.query('COMMIT');
      while (!done) {
        await sample().catch(() => undefined);
        await new Promise((r) => setTimeout(r, 5));
      }
      return { outcome: await running, locks: [...seen.values()] };
    } finally {
      await watcher.end().catch(() => undefined);
    }
  }
}

export async function openPostgresBackend(input: TraceFilesInput, roles: string[]): Promise<Backend> {
  const url = input.options.databaseUrl!;
  const admin = clientFor(url);
  await admin.connect();
  await initParser();
  const createdRoles: string[] = [];
  // roles the migrations name: created once (cluster-wide), dropped at dispose
  const existing = new Set((await admin.query<{ rolname: string }>('SELECT rolname FROM pg_roles')).rows.map((r) => r.rolname));
  for (const r of new Set(roles)) {
    if (existing.has(r)) continue;
    await admin.query(`CREATE ROLE ${ident(r)}`);
    createdRoles.push(r);
  }
  const history = input.schemaDump
    ? [{ path: input.schemaDump.path, source: cleanSchemaDump(input.schemaDump.source), transaction: 'none' as const }, ...input.history]
    : input.history;
  const parsedHistory = history.filter((h) => h.direction !== 'down').map((h) => ({ file: h, parsed: parseHistory(h) }));
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
      const pid = (await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid;
      const session = new PostgresSession(client, pid, { url, database: db }, admin);
      const issues: ReplayIssue[] = [];
      const rolesSql = createRolesSql([]);
      if (rolesSql) await session.exec(rolesSql, 60_000);
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
      for (const r of createdRoles) await admin.query(`DROP ROLE IF EXISTS ${ident(r)}`).catch(() => undefined);
      await admin.end().catch(() => undefined);
    },
  };
}
