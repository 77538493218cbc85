// Runs fixtures/locks/cases.json on a real PostgreSQL and checks that `expected` is what
// the server really takes: the strongest lock per pre-existing table, view or
// materialized view (indexes, sequences and relations the statement creates are left
// out), the tables whose relfilenode changes (rewrites), and that statements marked
// non-transactional are refused inside a transaction block.
// Skips when no server answers on 127.0.0.1:5432 (set DBARCH_TEST_PG_URL to point elsewhere).
import { readFileSync } from 'node:fs';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LockMode } from '../../src/types.js';
import type { LockCase } from './helpers.js';

const cases = JSON.parse(readFileSync(new URL('../../fixtures/locks/cases.json', import.meta.url), 'utf8')) as LockCase[];
const baseUrl = process.env.DBARCH_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const dbName = `dbarch_pg_locks_${process.pid}_${Date.now() % 100000}`;

async function connect(url: string): Promise<pg.Client | undefined> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5000 });
  try {
    await client.connect();
    return client;
  } catch {
    return undefined;
  }
}

const admin = await connect(baseUrl);
if (!admin) console.warn(`skipping real-PostgreSQL lock checks: no server at ${baseUrl}`);

function modeName(pgMode: string): LockMode {
  return pgMode
    .replace(/Lock$/, '')
    .replace(/([a-z])([A-Z])/g, '$1 $2')
    .toUpperCase() as LockMode;
}

const RANK: LockMode[] = [
  'ACCESS SHARE',
  'ROW SHARE',
  'ROW EXCLUSIVE',
  'SHARE UPDATE EXCLUSIVE',
  'SHARE',
  'SHARE ROW EXCLUSIVE',
  'EXCLUSIVE',
  'ACCESS EXCLUSIVE',
];

describe.skipIf(!admin)('lock fixtures on real PostgreSQL', () => {
  let db: pg.Client;

  beforeAll(async () => {
    await admin!.query(`CREATE DATABASE ${dbName}`);
    const url = new URL(baseUrl);
    url.pathname = `/${dbName}`;
    db = (await connect(url.toString()))!;
  });

  afterAll(async () => {
    await db?.end();
    await admin!.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
    await admin!.end();
  });

  async function reset(): Promise<void> {
    const { rows } = await db.query<{ nspname: string }>(
      `SELECT nspname FROM pg_namespace WHERE nspname NOT IN ('pg_catalog', 'information_schema', 'public')
         AND nspname NOT LIKE 'pg_toast%' AND nspname NOT LIKE 'pg_temp%'`,
    );
    for (const { nspname } of rows) await db.query(`DROP SCHEMA "${nspname}" CASCADE`);
    await db.query('DROP SCHEMA public CASCADE; CREATE SCHEMA public');
  }

  async function userRelations(): Promise<Map<number, { name: string; filenode: number }>> {
    const { rows } = await db.query<{ oid: number; name: string; filenode: number }>(
      `SELECT c.oid::int AS oid, n.nspname || '.' || c.relname AS name, c.relfilenode::int AS filenode
         FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f')
          AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg_toast%'`,
    );
    return new Map(rows.map((r) => [r.oid, { name: r.name, filenode: r.filenode }]));
  }

  const inTx = cases.filter((c) => c.transactional);
  const notInTx = cases.filter((c) => !c.transactional);

  it.each(inTx.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    await reset();
    if (c.setup.trim()) await db.query(c.setup);
    const before = await userRelations();
    await db.query('BEGIN');
    try {
      await db.query(c.sql);
      const { rows } = await db.query<{ relation: number; mode: string }>(
        `SELECT relation::int AS relation, mode FROM pg_locks
          WHERE pid = pg_backend_pid() AND locktype = 'relation' AND granted`,
      );
      const observed: Record<string, LockMode> = {};
      for (const r of rows) {
        const rel = before.get(r.relation);
        if (!rel) continue;
        const mode = modeName(r.mode);
        const cur = observed[rel.name];
        if (!cur || RANK.indexOf(mode) > RANK.indexOf(cur)) observed[rel.name] = mode;
      }
      expect(observed).toEqual(c.expected);
      const after = await userRelations();
      const rewritten = [...before]
        .filter(([oid, r]) => after.has(oid) && after.get(oid)!.filenode !== r.filenode)
        .map(([, r]) => r.name);
      // TRUNCATE swaps in an empty file: a new relfilenode, but no data is rewritten
      if (!/^\s*truncate/i.test(c.sql)) expect(rewritten.sort()).toEqual([...c.rewrites].sort());
    } finally {
      await db.query('ROLLBACK');
    }
  });

  it.each(notInTx.map((c) => [c.name, c] as const))('%s is refused inside a transaction block', async (_name, c) => {
    await reset();
    if (c.setup.trim()) await db.query(c.setup);
    await db.query('BEGIN');
    try {
      await expect(db.query(c.sql)).rejects.toThrow(/cannot (run|be executed) inside a transaction block/);
    } finally {
      await db.query('ROLLBACK');
    }
    // and it succeeds outside one
    await db.query(c.sql);
  });
});
