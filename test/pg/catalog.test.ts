import { describe, expect, it } from 'vitest';
import { Catalog } from '../../src/pg/catalog.js';
import { asts, catalogOf, describe1, loadParser } from './helpers.js';

// Some describe blocks parse while tests are collected, before any beforeAll runs.
await loadParser();

const layered = (base: Catalog, sql: string) => {
  const c = new Catalog(base);
  for (const n of asts(sql)) c.observe(n, ['public']);
  return c;
};

describe('Catalog', () => {
  const base = () =>
    catalogOf(`
      CREATE TABLE users (id bigint PRIMARY KEY, email varchar(100), kind mood);
      CREATE TABLE orders (id bigint, user_id bigint REFERENCES users (id));
      CREATE INDEX orders_user ON orders (user_id);
      CREATE TABLE events (id bigint, kind int) PARTITION BY LIST (kind);
      CREATE TABLE events_1 PARTITION OF events FOR VALUES IN (1);
      CREATE TABLE legacy (id int);
      ALTER TABLE legacy INHERIT users;
      CREATE VIEW big_orders AS SELECT * FROM orders;
      CREATE SEQUENCE counter;
      CREATE TABLE t2 (id serial);
    `);

  it('learns indexes, columns, constraints, partitions, views and sequences', () => {
    const c = base();
    expect(c.tableOfIndex('public.orders_user')).toBe('public.orders');
    expect(c.tableOfIndex('public.users_pkey')).toBe('public.users');
    expect(c.columnType('public.users', 'email')).toBe('varchar(100)');
    expect(c.constraint('public.orders', 'orders_user_id_fkey')).toMatchObject({ type: 'foreign', references: 'public.users' });
    expect(c.referencedBy('public.orders')).toEqual(['public.users']);
    expect(c.referencing('public.users')).toEqual(['public.orders']);
    expect(c.children('public.events')).toEqual([{ relation: 'public.events_1', partition: true }]);
    expect(c.children('public.users')).toEqual([{ relation: 'public.legacy', partition: false }]);
    expect(c.isPartitioned('public.events')).toBe(true);
    expect(c.viewsReading('public.orders')).toEqual(['public.big_orders']);
    expect(c.isSequence('public.counter')).toBe(true);
    expect(c.isSequence('public.t2_id_seq')).toBe(true);
    expect(c.tablesUsingType('public.mood')).toEqual(['public.users']);
  });

  it('a layer reads through to its base without changing it', () => {
    const b = base();
    const c = layered(
      b,
      `DROP INDEX orders_user;
       ALTER TABLE events DETACH PARTITION events_1;
       ALTER TABLE users ALTER COLUMN email TYPE text;
       CREATE INDEX users_email ON users (email);`,
    );
    expect(c.tableOfIndex('public.orders_user')).toBeUndefined();
    expect(c.children('public.events')).toEqual([]);
    expect(c.columnType('public.users', 'email')).toBe('text');
    expect(c.tableOfIndex('public.users_email')).toBe('public.users');
    expect(c.referencing('public.users')).toEqual(['public.orders']);
    // the base is untouched
    expect(b.tableOfIndex('public.orders_user')).toBe('public.orders');
    expect(b.children('public.events')).toHaveLength(1);
    expect(b.columnType('public.users', 'email')).toBe('varchar(100)');
    expect(b.tableOfIndex('public.users_email')).toBeUndefined();
  });

  it('a dropped table hides everything the base knew about it', () => {
    const c = layered(base(), 'DROP TABLE orders;');
    expect(c.isKnown('public.orders')).toBe(false);
    expect(c.referencing('public.users')).toEqual([]);
    expect(c.columnType('public.orders', 'user_id')).toBeUndefined();
  });

  it('DROP COLUMN … CASCADE takes only the foreign keys that reference that column', () => {
    // the referencing FKs name no column: they reference the primary key (id), not parent_id
    const sql = `CREATE TABLE comment (id serial PRIMARY KEY, parent_id int REFERENCES comment);
      CREATE TABLE comment_like (id serial, comment_id int REFERENCES comment);
      CREATE TABLE comment_pin (id serial, parent int REFERENCES comment (parent_id));`;
    for (const c of [catalogOf(`${sql} ALTER TABLE comment DROP COLUMN parent_id CASCADE;`), layered(catalogOf(sql), 'ALTER TABLE comment DROP COLUMN parent_id CASCADE;')]) {
      expect(c.foreignKeysOf('public.comment')).toEqual([]);
      expect(c.referencing('public.comment')).toEqual(['public.comment_like']);
    }
    const byId = layered(catalogOf(sql), 'ALTER TABLE comment DROP COLUMN id CASCADE;');
    expect(byId.referencing('public.comment')).toEqual(['public.comment_pin']);
  });

  it('answers again after it, or the catalog below it, learns something', () => {
    const history = catalogOf('CREATE TABLE p (id int PRIMARY KEY); CREATE TABLE v (x int);');
    const top = layered(history, 'CREATE TABLE a (p_id int REFERENCES p);');
    expect(top.referencing('public.p')).toEqual(['public.a']);
    expect(top.hasIndexOn('public.v', 'x')).toBe(false);
    for (const n of asts('CREATE TABLE b (p_id int REFERENCES p); CREATE INDEX v_x ON v (x);')) history.observe(n, ['public']);
    expect(top.referencing('public.p')).toEqual(['public.b', 'public.a']);
    expect(top.hasIndexOn('public.v', 'x')).toBe(true);
    for (const n of asts('ALTER TABLE a DROP COLUMN p_id;')) top.observe(n, ['public']);
    expect(top.referencing('public.p')).toEqual(['public.b']);
  });

  it('a table dropped in a layer takes what the base knew under its name, also when the name is used again', () => {
    const history = catalogOf(`CREATE TABLE r (id int PRIMARY KEY);
      CREATE TABLE p (k int, old_col int REFERENCES r) PARTITION BY LIST (k);
      CREATE TABLE p1 PARTITION OF p FOR VALUES IN (1);`);
    const again = 'DROP TABLE p; CREATE TABLE p_new (k int) PARTITION BY LIST (k); ALTER TABLE p_new RENAME TO p;';
    const recreated = 'DROP TABLE p; CREATE TABLE p (k int);';
    for (const c of [layered(history, again), layered(history, recreated)]) {
      expect(c.children('public.p')).toEqual([]);
      expect(c.columnType('public.p', 'old_col')).toBeUndefined();
      expect(c.foreignKeysOf('public.p')).toEqual([]);
      expect(c.referencedBy('public.p')).toEqual([]);
    }
    // a rename away and back is the same table: what the base knows stays
    const back = layered(history, 'ALTER TABLE p RENAME TO q; ALTER TABLE q RENAME TO p;');
    expect(back.children('public.p').map((x) => x.relation)).toEqual(['public.p1']);
    expect(back.columnType('public.p', 'old_col')).toBe('int4');
  });

  it('follows renames of tables, columns and indexes', () => {
    const c = layered(
      catalogOf('CREATE TABLE a (x int); CREATE INDEX a_x ON a (x);'),
      'ALTER INDEX a_x RENAME TO a_x2; ALTER TABLE a RENAME COLUMN x TO y;',
    );
    expect(c.tableOfIndex('public.a_x')).toBeUndefined();
    expect(c.tableOfIndex('public.a_x2')).toBe('public.a');
    expect(c.columnType('public.a', 'y')).toBe('int4');
    const r = catalogOf('CREATE TABLE a (x int); CREATE INDEX a_x ON a (x); ALTER TABLE a RENAME TO b;');
    expect(r.tableOfIndex('public.a_x')).toBe('public.b');
    expect(r.columnType('public.b', 'x')).toBe('int4');
  });
});

describe('what the catalog adds to the lock model', () => {
  const catalog = catalogOf(`
    CREATE TABLE events (id bigint, kind int) PARTITION BY LIST (kind);
    CREATE TABLE events_1 PARTITION OF events FOR VALUES IN (1);
    CREATE TABLE users (id bigint PRIMARY KEY);
    CREATE VIEW v AS SELECT * FROM users;
    CREATE VIEW vv AS SELECT * FROM v;
  `);

  it('statements on a partitioned table reach its partitions', () => {
    expect(describe1('ALTER TABLE events ADD COLUMN x int', { catalog }).locks).toEqual([
      { relation: 'public.events_1', mode: 'ACCESS EXCLUSIVE' },
      { relation: 'public.events', mode: 'ACCESS EXCLUSIVE' },
    ]);
    expect(describe1('ALTER TABLE ONLY events ALTER COLUMN id SET DEFAULT 1', { catalog }).locks).toEqual([
      { relation: 'public.events', mode: 'ACCESS EXCLUSIVE' },
    ]);
    expect(describe1('CREATE INDEX e ON events (id)', { catalog }).locks.map((l) => l.relation)).toEqual([
      'public.events',
      'public.events_1',
    ]);
    expect(describe1('SELECT * FROM events', { catalog }).locks.map((l) => l.relation)).toEqual([
      'public.events',
      'public.events_1',
    ]);
  });

  it('VACUUM and ANALYZE of a partitioned table process its partitions', () => {
    expect(describe1('VACUUM FULL events', { catalog })).toMatchObject({
      locks: [
        { relation: 'public.events', mode: 'ACCESS EXCLUSIVE' },
        { relation: 'public.events_1', mode: 'ACCESS EXCLUSIVE' },
      ],
      rewrites: ['public.events', 'public.events_1'],
    });
    expect(describe1('ANALYZE events', { catalog }).locks.map((l) => l.relation)).toEqual(['public.events', 'public.events_1']);
  });

  it('ANALYZE of an inheritance parent: samples the children before PG 18, analyzes them from 18 on', () => {
    const inh = catalogOf('CREATE TABLE base (id bigint); CREATE TABLE child () INHERITS (base);');
    expect(describe1('ANALYZE base', { catalog: inh, pgVersion: 17 }).locks).toEqual([
      { relation: 'public.base', mode: 'SHARE UPDATE EXCLUSIVE' },
      { relation: 'public.child', mode: 'ACCESS SHARE' },
    ]);
    expect(describe1('ANALYZE base', { catalog: inh, pgVersion: 18 }).locks).toEqual([
      { relation: 'public.base', mode: 'SHARE UPDATE EXCLUSIVE' },
      { relation: 'public.child', mode: 'SHARE UPDATE EXCLUSIVE' },
    ]);
    expect(describe1('ANALYZE ONLY base', { catalog: inh, pgVersion: 18 }).locks).toEqual([
      { relation: 'public.base', mode: 'SHARE UPDATE EXCLUSIVE' },
    ]);
  });

  it('REINDEX TABLE on a partitioned table cannot run in a transaction block', () => {
    expect(describe1('REINDEX TABLE events', { catalog }).transactional).toBe(false);
    expect(describe1('REINDEX TABLE users', { catalog }).transactional).toBe(true);
  });

  it('DROP … CASCADE reaches dependent views, transitively', () => {
    expect(describe1('DROP TABLE users CASCADE', { catalog }).locks.map((l) => l.relation).sort()).toEqual([
      'public.users',
      'public.v',
      'public.vv',
    ]);
    expect(describe1('DROP TABLE users', { catalog }).locks.map((l) => l.relation)).toEqual(['public.users']);
  });
});
