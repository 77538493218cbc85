// Migration code is hostile input: it must not run as anyone stronger than its own scratch
// role, and it must not fool the trace's own catalog queries into hiding its locks.
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { beforeAll, describe, expect, it } from 'vitest';
import { initParser, parseSql } from '../../src/sql/index.js';
import { traceFiles, type TraceTarget } from '../../src/trace/index.js';
import { CATALOG_PATH, clientFor, connectChecked } from '../../src/trace/postgres.js';
import { DATABASE_URL, serverReachable } from './server.js';

let serverUp = false;

beforeAll(async () => {
  await initParser();
  serverUp = await serverReachable('hostile-migration real-server tests');
});

function target(path: string, source: string, extra: Partial<TraceTarget> = {}): TraceTarget {
  return { path, source, parsed: parseSql(source, { path }), transaction: 'transaction', direction: 'up', ...extra };
}

async function admin<T>(fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: DATABASE_URL });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

const roleExists = (name: string) => admin(async (c) => (await c.query('SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = $1', [name])).rowCount === 1);

/**
 * Shadows what dbarch's queries name (current_database(), pg_backend_pid(), `=` on int4)
 * with functions that record who called them; as a superuser they also create a role.
 */
function traps(evidenceRole: string): string {
  const record = `INSERT INTO public.trap_calls SELECT current_user, pg_catalog.current_setting('is_superuser');
  BEGIN EXECUTE 'CREATE ROLE ${evidenceRole}'; EXCEPTION WHEN OTHERS THEN NULL; END;`;
  return `CREATE TABLE public.trap_calls (who text, su text);
GRANT ALL ON public.trap_calls TO PUBLIC;
CREATE FUNCTION public.current_database() RETURNS name LANGUAGE plpgsql AS $f$ BEGIN ${record} RETURN pg_catalog.current_database(); END $f$;
CREATE FUNCTION public.pg_backend_pid() RETURNS int LANGUAGE plpgsql AS $f$ BEGIN ${record} RETURN 0; END $f$;
CREATE FUNCTION public.int4_never(int4, int4) RETURNS boolean LANGUAGE plpgsql AS $f$ BEGIN ${record} RETURN false; END $f$;
CREATE OPERATOR public.= (LEFTARG = int4, RIGHTARG = int4, FUNCTION = public.int4_never);`;
}

const REPORT = `DO $$ BEGIN RAISE EXCEPTION 'trap calls: %', (SELECT coalesce(pg_catalog.string_agg(who || ' super=' || su, ', '), 'none') FROM public.trap_calls); END $$;`;

describe('a hostile migration on a real PostgreSQL server', () => {
  it('cannot make the sampler or blockers run its code, let alone as superuser', async (ctx) => {
    if (!serverUp) ctx.skip();
    const evidence = `dbarch_pwned_${randomBytes(5).toString('hex')}`;
    // the attack of the security review: a database-level search_path that puts public first,
    // then public.current_database() waiting for the next connection to call it
    const attack = target(
      'db/002_attack.sql',
      `DO $$ BEGIN EXECUTE pg_catalog.format('ALTER DATABASE %I SET search_path = public, pg_catalog', pg_catalog.current_database()); EXCEPTION WHEN insufficient_privilege THEN NULL; END $$;
SET search_path = public, pg_catalog;
${traps(evidence)}
CREATE INDEX CONCURRENTLY users_email_idx ON public.users (email);
${REPORT}`,
      { transaction: 'none' },
    );
    try {
      const r = await traceFiles({
        targets: [attack],
        history: [{ path: 'db/001.sql', transaction: 'transaction', source: 'CREATE TABLE users (id int PRIMARY KEY, email text);' }],
        options: { timeoutMs: 60_000, memoryMb: 512, pgVersion: 15, databaseUrl: DATABASE_URL },
      });
      const statements = r.perStatement.get(attack.path)!;
      const cic = [...statements.values()].find((s) => s.created.includes('public.users_email_idx'));
      // the second connections still saw the lock
      expect(cic).toMatchObject({ observed: true, locks: [{ relation: 'public.users', mode: 'SHARE UPDATE EXCLUSIVE' }] });
      expect(r.findings.get(attack.path)?.map((f) => f.message)).toEqual(['migration fails on the base schema: trap calls: none']);
      expect(await roleExists(evidence)).toBe(false);
    } finally {
      await admin((c) => c.query(`DROP ROLE IF EXISTS ${evidence}`));
    }
  }, 300_000);

  it('cannot change settings of the scratch database (the admin owns it)', async (ctx) => {
    if (!serverUp) ctx.skip();
    const alter = target('db/002_alter.sql', `DO $$ BEGIN EXECUTE pg_catalog.format('ALTER DATABASE %I SET search_path = public, pg_catalog', pg_catalog.current_database()); END $$;`);
    // what an application's owner role does on its own database still works
    const owner = target('db/003_owner.sql', 'CREATE SCHEMA app;\nREVOKE CREATE ON SCHEMA public FROM PUBLIC;\nCREATE ROLE dbarch_never_created;', { transaction: 'none' });
    const r = await traceFiles({ targets: [alter, owner], history: [], options: { timeoutMs: 60_000, memoryMb: 512, pgVersion: 15, databaseUrl: DATABASE_URL } });
    expect(r.findings.get(alter.path)?.map((f) => f.message)).toEqual([expect.stringMatching(/^migration fails on the base schema: must be owner of database dbarch_trace_[0-9a-f]+$/)]);
    expect(r.findings.get(owner.path)?.map((f) => [f.statementIndex, f.message])).toEqual([[2, 'migration fails on the base schema: permission denied to create role']]);
  }, 300_000);

  it('pins search_path on every connection, over database and role settings', async (ctx) => {
    if (!serverUp) ctx.skip();
    const suffix = randomBytes(5).toString('hex');
    const db = `dbarch_trace_${suffix}`;
    const role = `dbarch_trace_${suffix}`;
    await admin(async (c) => {
      await c.query(`CREATE ROLE ${role} LOGIN PASSWORD 'x'`);
      await c.query(`CREATE DATABASE ${db}`);
      await c.query(`ALTER DATABASE ${db} SET search_path = public, pg_catalog`);
      await c.query(`ALTER ROLE ${role} SET search_path = public, pg_catalog`);
    });
    try {
      // the URL's own ?user= would override a user given beside it; it must not here
      const url = new URL(DATABASE_URL);
      url.searchParams.set('user', 'postgres');
      const client = clientFor(url.toString(), { user: role, password: 'x', database: db, searchPath: CATALOG_PATH });
      try {
        await connectChecked(client, { database: db, user: role, searchPath: CATALOG_PATH });
        expect((await client.query('SHOW search_path')).rows[0].search_path).toBe('pg_catalog');
      } finally {
        await client.end();
      }
      // landing anywhere unexpected (here: as another role) is refused before any query runs
      const wrong = clientFor(DATABASE_URL, { database: db, searchPath: CATALOG_PATH });
      await expect(connectChecked(wrong, { database: db, user: role, searchPath: CATALOG_PATH })).rejects.toThrow(/^trace connection landed on dbarch_trace_\w+ as postgres \(superuser on/);
    } finally {
      await admin(async (c) => {
        await c.query(`DROP DATABASE IF EXISTS ${db} WITH (FORCE)`);
        await c.query(`DROP ROLE IF EXISTS ${role}`);
      });
    }
  }, 60_000);
});

describe('a hostile migration in the embedded PostgreSQL', () => {
  it('cannot hide its locks by shadowing pg_backend_pid() or the = operator', async () => {
    const hide = target(
      'db/002_hide.sql',
      `SET search_path = public, pg_catalog;
${traps('dbarch_never_created')}
ALTER TABLE users ADD COLUMN n int NOT NULL DEFAULT 0;
${REPORT}`,
    );
    const r = await traceFiles({
      targets: [hide],
      history: [{ path: 'db/001.sql', transaction: 'transaction', source: 'CREATE TABLE users (id int PRIMARY KEY, email text);' }],
      options: { timeoutMs: 60_000, memoryMb: 512, pgVersion: 18 },
    });
    const alter = [...r.perStatement.get(hide.path)!.values()].at(-2)!;
    expect(alter.locks).toEqual([{ relation: 'public.users', mode: 'ACCESS EXCLUSIVE' }]);
    expect(r.findings.get(hide.path)?.map((f) => f.message)).toEqual(['migration fails on the base schema: trap calls: none']);
  }, 120_000);
});
