// The real-server path: scratch database + non-superuser role, dropped afterwards.
import pg from 'pg';
import { beforeAll, describe, expect, it } from 'vitest';
import { initParser, parseSql } from '../../src/sql/index.js';
import { traceFiles, type TraceTarget } from '../../src/trace/index.js';
import type { Fix } from '../../src/types.js';
import { DATABASE_URL, serverReachable } from './server.js';

// unique per run: other runs of this file on the same server must not create or drop it under us
const APP_ROLE = `dbarch_test_app_${Math.random().toString(16).slice(2, 10)}`;
let serverUp = false;

async function scratchObjects(): Promise<{ dbs: string[]; roles: string[] }> {
  const c = new pg.Client({ connectionString: DATABASE_URL });
  await c.connect();
  try {
    const dbs = (await c.query<{ datname: string }>(`SELECT datname FROM pg_database WHERE datname LIKE 'dbarch\\_trace\\_%'`)).rows.map((r) => r.datname);
    const roles = (await c.query<{ rolname: string }>(`SELECT rolname FROM pg_roles WHERE rolname LIKE 'dbarch\\_trace\\_%' OR rolname = $1`, [APP_ROLE])).rows.map((r) => r.rolname);
    return { dbs, roles };
  } finally {
    await c.end();
  }
}

beforeAll(async () => {
  await initParser();
  serverUp = await serverReachable('trace real-server tests');
});

function target(path: string, source: string, extra: Partial<TraceTarget> = {}): TraceTarget {
  return { path, source, parsed: parseSql(source, { path }), transaction: 'transaction', direction: 'up', ...extra };
}

const history = [
  {
    path: 'db/001.sql',
    transaction: 'transaction' as const,
    source: `CREATE TABLE users (id bigint PRIMARY KEY, email text);
GRANT SELECT ON users TO ${APP_ROLE};
INSERT INTO users SELECT g, 'u' || g FROM generate_series(1, 1000) g;`,
  },
];

describe('trace on a real PostgreSQL server', () => {
  it('runs as a non-superuser in a scratch database, observes CONCURRENTLY with a second connection, and cleans up', async (ctx) => {
    if (!serverUp) ctx.skip();
    const whoami = target('db/002_who.sql', 'CREATE TABLE who AS SELECT current_user AS u, (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) AS su;');
    const cic = target('db/003_cic.sql', 'CREATE INDEX CONCURRENTLY users_email_idx ON users (email);', { transaction: 'none' });
    const bad = target('db/004_bad.sql', 'ALTER TABLE users ADD COLUMN email text;');
    // reports where it runs through the error message
    const where = target('db/005_where.sql', "DO $$ BEGIN RAISE EXCEPTION 'db=% user=% super=%', current_database(), current_user, (SELECT rolsuper FROM pg_roles WHERE rolname = current_user); END $$;");
    const fix: Fix = { description: 'concurrently', sql: 'CREATE INDEX CONCURRENTLY users_id_email_idx ON users (id, email);', outsideTransaction: true };
    const r = await traceFiles({
      targets: [whoami, cic, bad, where],
      history,
      fixes: [{ path: cic.path, statementIndex: 0, fix }],
      options: { timeoutMs: 60_000, memoryMb: 512, pgVersion: 15, databaseUrl: DATABASE_URL },
    });
    expect(r.engine).toBe('postgres');
    expect(r.base.issues).toEqual([]);
    expect(r.perStatement.get('db/002_who.sql')?.get(0)?.created).toEqual(['public.who']);
    const t = r.perStatement.get('db/003_cic.sql')!.get(0)!;
    expect(t.observed).toBe(true);
    expect(t.locks).toEqual([{ relation: 'public.users', mode: 'SHARE UPDATE EXCLUSIVE' }]);
    expect(t.created).toEqual(['public.users_email_idx']);
    expect(r.findings.get('db/003_cic.sql')).toBeUndefined();
    expect(r.findings.get('db/004_bad.sql')?.map((f) => [f.rule, f.severity, f.message])).toEqual([
      ['trace-failed', 'error', 'migration fails on the base schema: column "email" of relation "users" already exists'],
    ]);
    expect(fix.verified).toEqual({ ok: true, note: 'verified: takes SHARE UPDATE EXCLUSIVE on public.users, no rewrite' });
    const m = /db=(dbarch_trace_[0-9a-f]+) user=(dbarch_trace_[0-9a-f]+) super=f(alse)?$/.exec(r.findings.get('db/005_where.sql')?.[0]?.message ?? '');
    expect(r.findings.get('db/005_where.sql')?.[0]?.message).toMatch(/^migration fails on the base schema: db=dbarch_trace_/);
    expect(m).not.toBeNull();
    const after = await scratchObjects();
    expect(after.dbs).not.toContain(m![1]);
    expect(after.roles).not.toContain(m![2]);
    // APP_ROLE was created for the GRANT in the history, and dropped again
    expect(after.roles).not.toContain(APP_ROLE);
  }, 300_000);

  it('the scratch role is not a superuser', async (ctx) => {
    if (!serverUp) ctx.skip();
    const probe = target('db/010_probe.sql', "DO $$ BEGIN IF (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) THEN RAISE EXCEPTION 'superuser'; END IF; END $$;\nCOPY (SELECT 1) TO '/tmp/dbarch-should-not-exist';");
    const r = await traceFiles({ targets: [probe], history: [], options: { timeoutMs: 60_000, memoryMb: 512, pgVersion: 15, databaseUrl: DATABASE_URL } });
    const f = r.findings.get('db/010_probe.sql')!;
    // statement 0 passes (not a superuser); writing a server file needs pg_write_server_files
    expect(f.map((x) => [x.rule, x.statementIndex])).toEqual([['trace-failed', 1]]);
    expect(f[0]!.message).toMatch(/permission denied|must be superuser|pg_write_server_files/);
  }, 300_000);
});
