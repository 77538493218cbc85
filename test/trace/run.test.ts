import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initParser, parseSql } from '../../src/sql/index.js';
import { traceFile } from '../../src/trace/run.js';
import { PgliteWorker } from '../../src/trace/worker.js';

let db: PgliteWorker;

beforeAll(async () => {
  await initParser();
  db = await PgliteWorker.start({ memoryMb: 512 });
  await db.exec(
    `CREATE TABLE orders (id bigint PRIMARY KEY, customer_id bigint, total numeric(10,2), note text);
     CREATE TABLE customers (id bigint PRIMARY KEY, name text);
     INSERT INTO orders SELECT g, g % 10, g, 'n' FROM generate_series(1, 100) g;`,
    60_000,
  );
}, 180_000);

afterAll(async () => {
  await db?.close();
});

function parsed(sql: string, path = 'm.sql') {
  return parseSql(sql, { path });
}

describe('traceFile on PGlite', () => {
  it('records locks per statement in a transaction, and the rewrite of a type change', async () => {
    const file = parsed(
      [
        'CREATE INDEX orders_customer_idx ON orders (customer_id);',
        'ALTER TABLE orders ADD COLUMN status text;',
        'ALTER TABLE orders ALTER COLUMN total TYPE numeric(12,2);',
        'ALTER TABLE orders ALTER COLUMN note TYPE varchar(50);',
        'ALTER TABLE orders ADD CONSTRAINT orders_customer_fk FOREIGN KEY (customer_id) REFERENCES customers (id) NOT VALID;',
        'ROLLBACK;',
      ].join('\n'),
    );
    const t = await traceFile(db, file, { transaction: 'transaction', pgVersion: 18, timeoutMs: 60_000 });
    expect(t.failure).toBeUndefined();
    const s = t.statements;
    expect(s.get(0)?.locks).toEqual([{ relation: 'public.orders', mode: 'SHARE' }]);
    expect(s.get(0)?.created).toEqual(['public.orders_customer_idx']);
    expect(s.get(1)).toMatchObject({ locks: [{ relation: 'public.orders', mode: 'ACCESS EXCLUSIVE' }], rewrote: [], observed: true });
    expect(s.get(1)?.heldBefore).toEqual([{ relation: 'public.orders', mode: 'SHARE' }]);
    // numeric(10,2) → numeric(12,2) needs no rewrite; text → varchar(50) does
    expect(s.get(2)?.rewrote).toEqual([]);
    expect(s.get(3)?.rewrote).toEqual(['public.orders']);
    // pg_locks has one row per mode: SHARE ROW EXCLUSIVE on orders is new despite ACCESS EXCLUSIVE held
    expect(s.get(4)?.locks).toEqual([
      { relation: 'public.customers', mode: 'SHARE ROW EXCLUSIVE' },
      { relation: 'public.orders', mode: 'SHARE ROW EXCLUSIVE' },
    ]);
    expect(s.get(4)?.heldBefore).toEqual([{ relation: 'public.orders', mode: 'ACCESS EXCLUSIVE' }]);
    expect(s.get(1)!.durationMs).toBeGreaterThanOrEqual(0);
  });

  it('wraps single statements outside a transaction and reports the documented mode of CONCURRENTLY', async () => {
    const file = parsed(
      'CREATE INDEX CONCURRENTLY orders_total_idx ON orders (total);\nALTER TABLE orders VALIDATE CONSTRAINT orders_pkey;\nDROP INDEX CONCURRENTLY orders_total_idx;',
    );
    const t = await traceFile(db, file, { transaction: 'none', pgVersion: 18, timeoutMs: 60_000 });
    expect(t.statements.get(0)).toMatchObject({ observed: false, locks: [{ relation: 'public.orders', mode: 'SHARE UPDATE EXCLUSIVE' }] });
    expect(t.statements.get(0)?.created).toEqual(['public.orders_total_idx']);
    expect(t.failure).toMatchObject({ statementIndex: 1, kind: 'error' });
    expect(t.failure?.message).toBe('cannot validate constraint "orders_pkey" of relation "orders"');
    const cleanup = await traceFile(db, parsed('DROP INDEX CONCURRENTLY orders_total_idx;'), { transaction: 'none', pgVersion: 18, timeoutMs: 60_000 });
    expect(cleanup.failure).toBeUndefined();
    expect(cleanup.statements.get(0)?.dropped).toEqual(['public.orders_total_idx']);
  });

  it('stops at the first error, rolls back and locates it', async () => {
    const src = 'ALTER TABLE orders ADD COLUMN flag boolean;\nALTER TABLE orders ADD COLUMN total int;\nALTER TABLE orders ADD COLUMN never int;';
    const t = await traceFile(db, parsed(src), { transaction: 'transaction', pgVersion: 18, timeoutMs: 60_000 });
    expect(t.failure).toMatchObject({ statementIndex: 1, kind: 'error', code: '42701', message: 'column "total" of relation "orders" already exists' });
    expect(t.statements.has(2)).toBe(false);
    expect(t.statements.get(1)?.error).toBe('column "total" of relation "orders" already exists');
    // rolled back: flag does not exist
    const cols = await db.query<{ n: string }>(`SELECT count(*)::text AS n FROM information_schema.columns WHERE table_name = 'orders' AND column_name = 'flag'`, 10_000);
    expect(cols[0]?.n).toBe('0');
  });

  it('sees locks of a dropped table and reports created/dropped relations', async () => {
    const t = await traceFile(db, parsed('CREATE TABLE tmp_x (id int);\nDROP TABLE tmp_x;'), { transaction: 'transaction', pgVersion: 18, timeoutMs: 60_000 });
    expect(t.failure).toBeUndefined();
    expect(t.statements.get(0)?.created).toEqual(['public.tmp_x']);
    expect(t.statements.get(1)?.dropped).toEqual(['public.tmp_x']);
    expect(t.statements.get(1)?.heldBefore).toEqual([{ relation: 'public.tmp_x', mode: 'ACCESS EXCLUSIVE' }]);
  });
});
