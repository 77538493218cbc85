// Fixes that work as written: the rewritten SQL runs on PGlite against a table with rows,
// and the rewritten schema behaves like the original intent.
import { PGlite } from '@electric-sql/pglite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getRule } from '../../src/rules/registry.js';
import { initParser, parseSql } from '../../src/sql/index.js';
import { runRule } from './support.js';

let db: PGlite;
beforeAll(async () => {
  await initParser();
  db = await PGlite.create();
});
afterAll(async () => {
  await db.close();
});

describe('adding-serial-primary-key-field fix', () => {
  it('keeps the sequence and the default: old rows are numbered, new rows get ids', async () => {
    await db.exec('CREATE TABLE events (name text); INSERT INTO events VALUES (\'a\'), (\'b\');');
    const rule = getRule('adding-serial-primary-key-field')!;
    const [finding] = runRule(rule, 'ALTER TABLE events ADD COLUMN id bigserial PRIMARY KEY;');
    const sql = finding!.fix!.sql;
    // one statement at a time, as a migration run outside a transaction does
    for (const stmt of parseSql(sql, { path: 'fix.sql' }).statements) await db.exec(stmt.text);
    await db.exec("INSERT INTO events (name) VALUES ('c');");
    const rows = await db.query<{ name: string; id: string }>('SELECT name, id::text AS id FROM events ORDER BY id');
    // the backfill numbers old rows in any order; the new row gets the next id from the sequence
    expect(rows.rows.map((r) => r.name).sort()).toEqual(['a', 'b', 'c']);
    expect(rows.rows.at(-1)!.name).toBe('c');
    expect(new Set(rows.rows.map((r) => r.id)).size).toBe(3);
    const pk = await db.query<{ def: string }>(
      "SELECT pg_get_constraintdef(oid) AS def FROM pg_constraint WHERE conrelid = 'events'::regclass AND contype = 'p'",
    );
    expect(pk.rows[0]!.def).toBe('PRIMARY KEY (id)');
    const owned = await db.query<{ seq: string }>("SELECT pg_get_serial_sequence('events', 'id') AS seq");
    expect(owned.rows[0]!.seq).toBe('public.events_id_seq');
    // the original finding is gone from the rewritten SQL
    expect(runRule(rule, sql, { transaction: 'none' })).toEqual([]);
  });
});
