import { beforeAll, describe, expect, it } from 'vitest';
import { describeStatement } from '../../src/pg/describe.js';
import { isVolatileDefault, qualifyName, relationName, typeNameToString } from '../../src/pg/names.js';
import { typeChangeRewrites } from '../../src/pg/typechange.js';
import { ast, catalogOf, describe1, loadParser } from './helpers.js';
import type { AnyNode } from '../../src/pg/names.js';

beforeAll(loadParser);

const locksOf = (sql: string, opts?: Parameters<typeof describe1>[1]) => describe1(sql, opts).locks;

describe('lock modes per statement kind', () => {
  it.each([
    ['ALTER TABLE users ADD COLUMN a int', 'ALTER TABLE', [['public.users', 'ACCESS EXCLUSIVE']]],
    ['ALTER TABLE users VALIDATE CONSTRAINT c', 'ALTER TABLE', [['public.users', 'SHARE UPDATE EXCLUSIVE']]],
    ['ALTER TABLE users ENABLE TRIGGER t', 'ALTER TABLE', [['public.users', 'SHARE ROW EXCLUSIVE']]],
    ['ALTER TABLE users DISABLE TRIGGER ALL', 'ALTER TABLE', [['public.users', 'SHARE ROW EXCLUSIVE']]],
    ['ALTER TABLE users ALTER COLUMN a SET STATISTICS 10', 'ALTER TABLE', [['public.users', 'SHARE UPDATE EXCLUSIVE']]],
    ['ALTER TABLE users SET (fillfactor = 50)', 'ALTER TABLE', [['public.users', 'SHARE UPDATE EXCLUSIVE']]],
    ['ALTER TABLE users SET (fillfactor = 50, user_catalog_table = true)', 'ALTER TABLE', [['public.users', 'ACCESS EXCLUSIVE']]],
    ['ALTER TABLE users SET (toast.autovacuum_enabled = false)', 'ALTER TABLE', [['public.users', 'SHARE UPDATE EXCLUSIVE']]],
    ['ALTER TABLE users SET TABLESPACE fast', 'ALTER TABLE', [['public.users', 'ACCESS EXCLUSIVE']]],
    ['ALTER TABLE users SET ACCESS METHOD heap', 'ALTER TABLE', [['public.users', 'ACCESS EXCLUSIVE']]],
    ['ALTER TABLE users ENABLE ROW LEVEL SECURITY', 'ALTER TABLE', [['public.users', 'ACCESS EXCLUSIVE']]],
    ['ALTER TABLE users DISABLE ROW LEVEL SECURITY', 'ALTER TABLE', [['public.users', 'ACCESS EXCLUSIVE']]],
    ['ALTER TABLE users REPLICA IDENTITY FULL', 'ALTER TABLE', [['public.users', 'ACCESS EXCLUSIVE']]],
    ['ALTER TABLE users CLUSTER ON users_pkey', 'ALTER TABLE', [['public.users', 'SHARE UPDATE EXCLUSIVE']]],
    [
      'ALTER TABLE p ATTACH PARTITION c FOR VALUES IN (1)',
      'ALTER TABLE',
      [['public.c', 'ACCESS EXCLUSIVE'], ['public.p', 'SHARE UPDATE EXCLUSIVE']],
    ],
    ['ALTER TABLE p DETACH PARTITION c', 'ALTER TABLE', [['public.c', 'ACCESS EXCLUSIVE'], ['public.p', 'ACCESS EXCLUSIVE']]],
    [
      'ALTER TABLE p DETACH PARTITION c CONCURRENTLY',
      'ALTER TABLE',
      [['public.c', 'ACCESS EXCLUSIVE'], ['public.p', 'SHARE UPDATE EXCLUSIVE']],
    ],
    ['ALTER TABLE c INHERIT p', 'ALTER TABLE', [['public.c', 'ACCESS EXCLUSIVE'], ['public.p', 'SHARE UPDATE EXCLUSIVE']]],
    ['ALTER INDEX users_pkey RENAME TO users_pk', 'ALTER INDEX RENAME', [['public.users_pkey', 'SHARE UPDATE EXCLUSIVE']]],
    ['ALTER TABLE users RENAME TO people', 'ALTER TABLE RENAME', [['public.users', 'ACCESS EXCLUSIVE']]],
    ['ALTER TABLE users RENAME COLUMN a TO b', 'ALTER TABLE RENAME COLUMN', [['public.users', 'ACCESS EXCLUSIVE']]],
    ['ALTER TABLE users SET SCHEMA archive', 'ALTER TABLE SET SCHEMA', [['public.users', 'ACCESS EXCLUSIVE']]],
    ['CREATE INDEX i ON users (a)', 'CREATE INDEX', [['public.users', 'SHARE']]],
    ['CREATE INDEX CONCURRENTLY i ON users (a)', 'CREATE INDEX CONCURRENTLY', [['public.users', 'SHARE UPDATE EXCLUSIVE']]],
    ['DROP INDEX i', 'DROP INDEX', [['public.i', 'ACCESS EXCLUSIVE']]],
    ['DROP INDEX CONCURRENTLY s.i', 'DROP INDEX CONCURRENTLY', [['s.i', 'SHARE UPDATE EXCLUSIVE']]],
    ['REINDEX TABLE users', 'REINDEX', [['public.users', 'SHARE']]],
    ['REINDEX INDEX i', 'REINDEX', [['public.i', 'ACCESS EXCLUSIVE']]],
    ['REINDEX TABLE CONCURRENTLY users', 'REINDEX CONCURRENTLY', [['public.users', 'SHARE UPDATE EXCLUSIVE']]],
    ['CREATE TABLE a (id int REFERENCES b (id))', 'CREATE TABLE', [['public.b', 'SHARE ROW EXCLUSIVE']]],
    ['CREATE TABLE a (id int)', 'CREATE TABLE', []],
    ['CREATE TABLE c PARTITION OF p FOR VALUES IN (1)', 'CREATE TABLE PARTITION OF', [['public.p', 'ACCESS EXCLUSIVE']]],
    ['DROP TABLE a, s.b', 'DROP TABLE', [['public.a', 'ACCESS EXCLUSIVE'], ['s.b', 'ACCESS EXCLUSIVE']]],
    ['CREATE VIEW v AS SELECT * FROM a JOIN b USING (id)', 'CREATE VIEW', [['public.a', 'ACCESS SHARE'], ['public.b', 'ACCESS SHARE']]],
    ['DROP VIEW v', 'DROP VIEW', [['public.v', 'ACCESS EXCLUSIVE']]],
    ['CREATE MATERIALIZED VIEW m AS SELECT * FROM a', 'CREATE MATERIALIZED VIEW', [['public.a', 'ACCESS SHARE']]],
    ['DROP MATERIALIZED VIEW m', 'DROP MATERIALIZED VIEW', [['public.m', 'ACCESS EXCLUSIVE']]],
    ['REFRESH MATERIALIZED VIEW m', 'REFRESH MATERIALIZED VIEW', [['public.m', 'ACCESS EXCLUSIVE']]],
    ['REFRESH MATERIALIZED VIEW CONCURRENTLY m', 'REFRESH MATERIALIZED VIEW CONCURRENTLY', [['public.m', 'EXCLUSIVE']]],
    ['VACUUM users', 'VACUUM', [['public.users', 'SHARE UPDATE EXCLUSIVE']]],
    ['VACUUM (FULL) users', 'VACUUM FULL', [['public.users', 'ACCESS EXCLUSIVE']]],
    ['VACUUM FULL users', 'VACUUM FULL', [['public.users', 'ACCESS EXCLUSIVE']]],
    ['ANALYZE users', 'ANALYZE', [['public.users', 'SHARE UPDATE EXCLUSIVE']]],
    ['CLUSTER users USING i', 'CLUSTER', [['public.users', 'ACCESS EXCLUSIVE']]],
    ['TRUNCATE a, b', 'TRUNCATE', [['public.a', 'ACCESS EXCLUSIVE'], ['public.b', 'ACCESS EXCLUSIVE']]],
    ['TRUNCATE a CASCADE', 'TRUNCATE CASCADE', [['public.a', 'ACCESS EXCLUSIVE']]],
    ['LOCK TABLE a', 'LOCK TABLE', [['public.a', 'ACCESS EXCLUSIVE']]],
    ['LOCK TABLE a IN SHARE ROW EXCLUSIVE MODE', 'LOCK TABLE', [['public.a', 'SHARE ROW EXCLUSIVE']]],
    ['LOCK a, b IN ACCESS SHARE MODE', 'LOCK TABLE', [['public.a', 'ACCESS SHARE'], ['public.b', 'ACCESS SHARE']]],
    ['CREATE TRIGGER t BEFORE INSERT ON a FOR EACH ROW EXECUTE FUNCTION f()', 'CREATE TRIGGER', [['public.a', 'SHARE ROW EXCLUSIVE']]],
    ['DROP TRIGGER t ON s.a', 'DROP TRIGGER', [['s.a', 'ACCESS EXCLUSIVE']]],
    ["COMMENT ON TABLE a IS 'x'", 'COMMENT ON TABLE', [['public.a', 'SHARE UPDATE EXCLUSIVE']]],
    ["COMMENT ON COLUMN s.a.c IS 'x'", 'COMMENT ON COLUMN', [['s.a', 'SHARE UPDATE EXCLUSIVE']]],
    ["COMMENT ON FUNCTION f() IS 'x'", 'COMMENT ON FUNCTION', []],
    ['INSERT INTO a VALUES (1)', 'INSERT', [['public.a', 'ROW EXCLUSIVE']]],
    ['INSERT INTO a SELECT * FROM b', 'INSERT', [['public.b', 'ACCESS SHARE'], ['public.a', 'ROW EXCLUSIVE']]],
    ['UPDATE a SET x = 1', 'UPDATE', [['public.a', 'ROW EXCLUSIVE']]],
    ['UPDATE a SET x = b.x FROM b WHERE a.id = b.id', 'UPDATE', [['public.b', 'ACCESS SHARE'], ['public.a', 'ROW EXCLUSIVE']]],
    ['DELETE FROM a WHERE id IN (SELECT id FROM b)', 'DELETE', [['public.b', 'ACCESS SHARE'], ['public.a', 'ROW EXCLUSIVE']]],
    ['WITH old AS (SELECT id FROM b) DELETE FROM a USING old WHERE a.id = old.id', 'DELETE', [['public.b', 'ACCESS SHARE'], ['public.a', 'ROW EXCLUSIVE']]],
    ['MERGE INTO a USING b ON a.id = b.id WHEN MATCHED THEN DELETE', 'MERGE', [['public.b', 'ACCESS SHARE'], ['public.a', 'ROW EXCLUSIVE']]],
    ['SELECT * FROM a', 'SELECT', [['public.a', 'ACCESS SHARE']]],
    ['SELECT * FROM a FOR UPDATE', 'SELECT', [['public.a', 'ROW SHARE']]],
    ['SELECT 1', 'SELECT', []],
    ['CREATE SEQUENCE s1', 'CREATE SEQUENCE', []],
    ['ALTER SEQUENCE s1 RESTART', 'ALTER SEQUENCE', [['public.s1', 'SHARE ROW EXCLUSIVE']]],
    ["CREATE TYPE mood AS ENUM ('a')", 'CREATE TYPE', []],
    ["ALTER TYPE mood ADD VALUE 'b'", 'ALTER TYPE ADD VALUE', []],
    ['CREATE EXTENSION pgcrypto', 'CREATE EXTENSION', []],
    ['GRANT SELECT ON a TO PUBLIC', 'GRANT', []],
    ['REVOKE SELECT ON a FROM PUBLIC', 'REVOKE', []],
    ['CREATE POLICY p ON a USING (true)', 'CREATE POLICY', [['public.a', 'ACCESS EXCLUSIVE']]],
    ['DROP POLICY p ON a', 'DROP POLICY', [['public.a', 'ACCESS EXCLUSIVE']]],
    ['CREATE FUNCTION f() RETURNS int LANGUAGE sql AS $$ SELECT 1 $$', 'CREATE FUNCTION', []],
    ['DROP SCHEMA app CASCADE', 'DROP SCHEMA', []],
    ['CREATE STATISTICS st ON a, b FROM t', 'CREATE STATISTICS', [['public.t', 'SHARE UPDATE EXCLUSIVE']]],
    ["DO $$ BEGIN PERFORM 1; END $$", 'DO', []],
    ["SET lock_timeout = '2s'", 'SET', []],
    ['BEGIN', 'BEGIN', []],
  ] as const)('%s → %s', (sql, kind, locks) => {
    const e = describe1(sql);
    expect(e.kind).toBe(kind);
    expect([...e.locks].sort((x, y) => x.relation.localeCompare(y.relation))).toEqual(
      [...locks].map(([relation, mode]) => ({ relation, mode })).sort((x, y) => x.relation.localeCompare(y.relation)),
    );
  });

  it('an unknown ALTER TABLE subcommand takes ACCESS EXCLUSIVE (safe side)', () => {
    const node = ast('ALTER TABLE users DROP COLUMN a') as AnyNode;
    node.AlterTableStmt.cmds[0].AlterTableCmd.subtype = 'AT_FromTheFuture';
    expect(describeStatement(node as never, { searchPath: ['public'], pgVersion: 18 }).locks).toEqual([
      { relation: 'public.users', mode: 'ACCESS EXCLUSIVE' },
    ]);
  });

  it('version-dependent levels: ATTACH PARTITION and index RENAME before PostgreSQL 12', () => {
    expect(locksOf('ALTER TABLE p ATTACH PARTITION c FOR VALUES IN (1)', { pgVersion: 11 })).toContainEqual({
      relation: 'public.p',
      mode: 'ACCESS EXCLUSIVE',
    });
    expect(locksOf('ALTER INDEX i RENAME TO j', { pgVersion: 11 })).toEqual([{ relation: 'public.i', mode: 'ACCESS EXCLUSIVE' }]);
  });

  it('GRANT / REVOKE read-lock the tables from PostgreSQL 18 on', () => {
    expect(locksOf('GRANT SELECT ON users, s.t TO PUBLIC', { pgVersion: 17 })).toEqual([]);
    expect(locksOf('GRANT SELECT ON users, s.t TO PUBLIC', { pgVersion: 18 })).toEqual([
      { relation: 'public.users', mode: 'ACCESS SHARE' },
      { relation: 's.t', mode: 'ACCESS SHARE' },
    ]);
    expect(locksOf('REVOKE ALL ON users FROM PUBLIC', { pgVersion: 18 })).toEqual([{ relation: 'public.users', mode: 'ACCESS SHARE' }]);
    expect(locksOf('GRANT USAGE ON SCHEMA app TO PUBLIC', { pgVersion: 18 })).toEqual([]);
  });

  it('COPY: ROW EXCLUSIVE to load, ACCESS SHARE to dump', () => {
    expect(describe1('COPY users (id) FROM STDIN')).toMatchObject({ kind: 'COPY FROM', locks: [{ relation: 'public.users', mode: 'ROW EXCLUSIVE' }] });
    expect(describe1('COPY users TO STDOUT')).toMatchObject({ kind: 'COPY TO', locks: [{ relation: 'public.users', mode: 'ACCESS SHARE' }] });
    expect(describe1('COPY (SELECT * FROM a JOIN b USING (id)) TO STDOUT').locks.map((l) => l.relation)).toEqual(['public.a', 'public.b']);
  });

  it('several subcommands take the strongest of them', () => {
    expect(locksOf('ALTER TABLE users SET (fillfactor = 50), ENABLE TRIGGER t')).toEqual([
      { relation: 'public.users', mode: 'SHARE ROW EXCLUSIVE' },
    ]);
  });

  it('CREATE SCHEMA … CREATE TABLE resolves the inner names in the new schema', () => {
    const e = describe1('CREATE SCHEMA app CREATE TABLE t (id int REFERENCES public.u (id))');
    expect(e.creates).toEqual(['app', 'app.t']);
    expect(e.locks).toEqual([{ relation: 'public.u', mode: 'SHARE ROW EXCLUSIVE' }]);
  });

  it('reports what a statement creates and drops', () => {
    expect(describe1('CREATE TABLE s.t (id int)').creates).toEqual(['s.t']);
    expect(describe1('CREATE INDEX i ON s.t (id)').creates).toEqual(['s.i']);
    expect(describe1('DROP TABLE t').drops).toEqual(['public.t']);
    expect(describe1('ALTER TABLE t RENAME TO u')).toMatchObject({ drops: ['public.t'], creates: ['public.u'] });
  });
});

describe('foreign keys lock both tables', () => {
  it('ADD CONSTRAINT … FOREIGN KEY: SHARE ROW EXCLUSIVE on both, scans the referencing table', () => {
    const e = describe1('ALTER TABLE orders ADD CONSTRAINT fk FOREIGN KEY (user_id) REFERENCES app.users (id)');
    expect(e.locks).toEqual([
      { relation: 'app.users', mode: 'SHARE ROW EXCLUSIVE' },
      { relation: 'public.orders', mode: 'SHARE ROW EXCLUSIVE' },
    ]);
    expect(e.scans).toEqual(['public.orders']);
  });

  it('NOT VALID skips the scan but not the locks', () => {
    const e = describe1('ALTER TABLE orders ADD CONSTRAINT fk FOREIGN KEY (user_id) REFERENCES users (id) NOT VALID');
    expect(e.locks.map((l) => l.mode)).toEqual(['SHARE ROW EXCLUSIVE', 'SHARE ROW EXCLUSIVE']);
    expect(e.scans).toEqual([]);
  });

  it('VALIDATE CONSTRAINT: the table only, unless the catalog knows it is an FK', () => {
    expect(describe1('ALTER TABLE orders VALIDATE CONSTRAINT fk')).toMatchObject({
      locks: [{ relation: 'public.orders', mode: 'SHARE UPDATE EXCLUSIVE' }],
      scans: ['public.orders'],
    });
    const catalog = catalogOf(
      'CREATE TABLE users (id int PRIMARY KEY); CREATE TABLE orders (user_id int, CONSTRAINT fk FOREIGN KEY (user_id) REFERENCES users NOT VALID);',
    );
    expect(describe1('ALTER TABLE orders VALIDATE CONSTRAINT fk', { catalog }).locks).toEqual([
      { relation: 'public.users', mode: 'ROW SHARE' },
      { relation: 'public.orders', mode: 'SHARE UPDATE EXCLUSIVE' },
    ]);
  });

  it('CREATE TABLE … REFERENCES other locks other', () => {
    expect(describe1('CREATE TABLE a (id int, b_id int, FOREIGN KEY (b_id) REFERENCES s.b)').locks).toEqual([
      { relation: 's.b', mode: 'SHARE ROW EXCLUSIVE' },
    ]);
  });
});

describe('scans and transactional', () => {
  it.each([
    ['ALTER TABLE t ALTER COLUMN a SET NOT NULL', ['public.t']],
    ['ALTER TABLE t ADD CONSTRAINT c CHECK (a > 0)', ['public.t']],
    ['ALTER TABLE t ADD CONSTRAINT c CHECK (a > 0) NOT VALID', []],
    ['ALTER TABLE t ADD PRIMARY KEY (id)', ['public.t']],
    ['ALTER TABLE t ADD CONSTRAINT u UNIQUE USING INDEX i', []],
    ['ALTER TABLE p ATTACH PARTITION c FOR VALUES IN (1)', ['public.c']],
    ['CREATE INDEX i ON t (a)', ['public.t']],
    ['ALTER TABLE t ADD COLUMN a int', []],
  ] as const)('%s scans %j', (sql, scans) => {
    expect(describe1(sql).scans).toEqual(scans);
  });

  it.each([
    ['CREATE INDEX CONCURRENTLY i ON t (a)', 15, false],
    ['DROP INDEX CONCURRENTLY i', 15, false],
    ['REINDEX INDEX CONCURRENTLY i', 15, false],
    ['REINDEX SCHEMA app', 15, false],
    ['VACUUM t', 15, false],
    ['VACUUM', 15, false],
    ['ANALYZE t', 15, true],
    ['CREATE DATABASE d', 15, false],
    ['DROP DATABASE d', 15, false],
    ["ALTER SYSTEM SET work_mem = '1MB'", 15, false],
    ["CREATE TABLESPACE ts LOCATION '/x'", 15, false],
    ['ALTER TABLE p DETACH PARTITION c CONCURRENTLY', 15, false],
    ["ALTER TYPE mood ADD VALUE 'x'", 11, false],
    ["ALTER TYPE mood ADD VALUE 'x'", 12, true],
    ['REFRESH MATERIALIZED VIEW CONCURRENTLY m', 15, true],
    ['CLUSTER', 15, false],
    ['CLUSTER t USING i', 15, true],
    ['CREATE INDEX i ON t (a)', 15, true],
    // create_slot defaults to true (and to false with connect = false); observed on PostgreSQL 15
    ["CREATE SUBSCRIPTION s CONNECTION 'host=x' PUBLICATION p", 15, false],
    ["CREATE SUBSCRIPTION s CONNECTION 'host=x' PUBLICATION p WITH (create_slot = true, slot_name = 's')", 15, false],
    ["CREATE SUBSCRIPTION s CONNECTION 'host=x' PUBLICATION p WITH (create_slot = false)", 15, true],
    ["CREATE SUBSCRIPTION s CONNECTION 'host=x' PUBLICATION p WITH (create_slot = 'off')", 15, true],
    ["CREATE SUBSCRIPTION s CONNECTION 'host=x' PUBLICATION p WITH (connect = false)", 15, true],
  ] as const)('%s on PG %i: transactional=%s', (sql, pgVersion, transactional) => {
    expect(describe1(sql, { pgVersion }).transactional).toBe(transactional);
  });
});

describe('rewrites', () => {
  it.each([
    ['ADD COLUMN a int', 15, false],
    ['ADD COLUMN a int DEFAULT 0', 15, false],
    ['ADD COLUMN a int DEFAULT 0', 10, true],
    ['ADD COLUMN a int DEFAULT NULL', 10, false],
    ["ADD COLUMN a jsonb NOT NULL DEFAULT '{}'::jsonb", 15, false],
    ['ADD COLUMN a timestamptz DEFAULT now()', 15, false],
    ['ADD COLUMN a timestamptz DEFAULT now()', 10, true],
    ['ADD COLUMN a timestamptz DEFAULT CURRENT_TIMESTAMP', 15, false],
    ["ADD COLUMN a timestamp DEFAULT timezone('utc', now())", 15, false],
    ['ADD COLUMN a timestamptz DEFAULT clock_timestamp()', 15, true],
    ['ADD COLUMN a float8 DEFAULT random()', 15, true],
    ['ADD COLUMN a uuid DEFAULT gen_random_uuid()', 15, true],
    ['ADD COLUMN a uuid DEFAULT uuid_generate_v4()', 15, true],
    ["ADD COLUMN a bigint DEFAULT nextval('s')", 15, true],
    ['ADD COLUMN a int DEFAULT my_function()', 15, true],
    ['ADD COLUMN a serial', 15, true],
    ['ADD COLUMN a bigserial', 15, true],
    ['ADD COLUMN a int GENERATED ALWAYS AS (b + 1) STORED', 15, true],
    ['ADD COLUMN a int GENERATED ALWAYS AS (b + 1) VIRTUAL', 18, false],
    ['ADD COLUMN a int GENERATED BY DEFAULT AS IDENTITY', 15, true],
    // the old type is unknown here: nothing proves the change binary-coercible
    ['ALTER COLUMN a TYPE text', 15, true],
    ['ALTER COLUMN a TYPE varchar', 15, true],
    ['ALTER COLUMN a TYPE varchar(255)', 15, true],
    ['ALTER COLUMN a TYPE numeric', 15, true],
    ['ALTER COLUMN a TYPE numeric(12,2)', 15, true],
    ['ALTER COLUMN a TYPE bigint', 15, true],
    ['ALTER COLUMN a TYPE timestamptz', 15, true],
    ['ALTER COLUMN a TYPE text USING a::int::text', 15, true],
    ["ALTER COLUMN a TYPE text USING coalesce(a, '')", 15, true],
    ['ALTER COLUMN a TYPE text USING a', 15, true],
    ['ALTER COLUMN a TYPE varchar(20) USING a::varchar(20)', 15, true],
    ['ALTER COLUMN a TYPE bigint USING a', 15, true],
    ['ALTER COLUMN a TYPE text[]', 15, true],
    ['SET LOGGED', 15, true],
    ['SET UNLOGGED', 15, true],
    ['SET TABLESPACE fast', 15, true],
    ['SET ACCESS METHOD heap', 15, true],
    ['ALTER COLUMN a SET NOT NULL', 15, false],
    ['DROP COLUMN a', 15, false],
  ] as const)('ALTER TABLE t %s on PG %i rewrites=%s', (sub, pgVersion, rewrites) => {
    expect(describe1(`ALTER TABLE t ${sub}`, { pgVersion }).rewrites).toEqual(rewrites ? ['public.t'] : []);
  });

  it('judges a type change by the old type when the catalog knows it', () => {
    const catalog = catalogOf('CREATE TABLE t (a varchar(100), n numeric(10,2), i int, s text)');
    const rw = (sub: string) => describe1(`ALTER TABLE t ${sub}`, { catalog }).rewrites.length > 0;
    expect(rw('ALTER COLUMN a TYPE varchar(200)')).toBe(false);
    expect(rw('ALTER COLUMN a TYPE varchar(50)')).toBe(true);
    expect(rw('ALTER COLUMN i TYPE text')).toBe(true);
    expect(rw('ALTER COLUMN i TYPE varchar(20)')).toBe(true);
    expect(rw('ALTER COLUMN s TYPE varchar(20)')).toBe(true);
    expect(rw('ALTER COLUMN n TYPE numeric(14,2)')).toBe(false);
    expect(rw('ALTER COLUMN n TYPE numeric(14,3)')).toBe(true);
  });

  it.each([
    // an unknown old type cannot be proven binary-coercible
    [undefined, 'text', true],
    [undefined, 'int8', true],
    ['varchar(10)', 'varchar(10)', false],
    ['varchar(10)', 'varchar(9)', true],
    ['varchar(10)', 'varchar', false],
    ['text', 'varchar', false],
    ['varchar', 'varchar(10)', true],
    ['bpchar(2)', 'text', true],
    ['numeric(10,2)', 'numeric', false],
    ['numeric', 'numeric(10,2)', true],
    ['numeric(10,2)', 'numeric(9,2)', true],
    ['cidr', 'inet', false],
    ['int4', 'int8', true],
    ['int4[]', 'int8[]', true],
    ['varchar(10)[]', 'text[]', false],
    ['text', 'citext', false],
    ['timestamp(3)', 'timestamp(6)', false],
    ['xml', 'text', false],
    ['json', 'jsonb', true],
  ] as const)('typeChangeRewrites(%s → %s) = %s', (from, to, expected) => {
    expect(typeChangeRewrites(from, to, false)).toBe(expected);
  });

  it.each([
    ['timestamp', 'timestamptz', 18, 'UTC', false],
    ['timestamptz', 'timestamp', 12, 'Etc/UTC', false],
    ['timestamp', 'timestamptz', 18, undefined, false],
    ['timestamp', 'timestamptz', 11, 'UTC', true],
    ['timestamp', 'timestamptz', 18, 'Europe/Berlin', true],
    ['timestamp(6)', 'timestamptz(3)', 18, 'UTC', true],
    ['timestamp(3)', 'timestamptz', 18, 'UTC', false],
  ] as const)('typeChangeRewrites(%s → %s) on PG %s in zone %s = %s', (from, to, pgVersion, timeZone, expected) => {
    expect(typeChangeRewrites(from, to, false, { pgVersion, ...(timeZone ? { timeZone } : {}) })).toBe(expected);
  });

  it('CLUSTER and VACUUM FULL rewrite; plain VACUUM does not', () => {
    expect(describe1('CLUSTER t USING i').rewrites).toEqual(['public.t']);
    expect(describe1('VACUUM FULL t').rewrites).toEqual(['public.t']);
    expect(describe1('VACUUM t').rewrites).toEqual([]);
  });
});

describe('names', () => {
  it('resolves unqualified names to the first schema of the search_path', () => {
    expect(locksOf('TRUNCATE t', { searchPath: ['app', 'public'] })).toEqual([{ relation: 'app.t', mode: 'ACCESS EXCLUSIVE' }]);
    expect(locksOf('TRUNCATE t', { searchPath: ['$user', 'public'] })).toEqual([
      { relation: 'public.t', mode: 'ACCESS EXCLUSIVE' },
    ]);
    expect(locksOf('TRUNCATE other.t', { searchPath: ['app'] })).toEqual([{ relation: 'other.t', mode: 'ACCESS EXCLUSIVE' }]);
    expect(qualifyName('t', undefined, [])).toBe('public.t');
    expect(relationName({ relname: 'tmp', relpersistence: 't' }, ['public'])).toBe('pg_temp.tmp');
  });

  it.each([
    ['varchar(255)', 'varchar(255)'],
    ['character varying', 'varchar'],
    ['char(2)', 'bpchar(2)'],
    ['int', 'int4'],
    ['integer[]', 'int4[]'],
    ['bigint', 'int8'],
    ['smallint', 'int2'],
    ['serial', 'serial'],
    ['bigserial', 'bigserial'],
    ['boolean', 'bool'],
    ['timestamp', 'timestamp'],
    ['timestamp with time zone', 'timestamptz'],
    ['timestamptz(3)', 'timestamptz(3)'],
    ['numeric(10,2)', 'numeric(10,2)'],
    ['double precision', 'float8'],
    ['text', 'text'],
    ['jsonb', 'jsonb'],
    ['json', 'json'],
    ['money', 'money'],
    ['public.citext', 'public.citext'],
    ['interval', 'interval'],
  ])('typeNameToString(%s) = %s', (written, expected) => {
    const node = ast(`CREATE TABLE t (c ${written})`) as AnyNode;
    expect(typeNameToString(node.CreateStmt.tableElts[0].ColumnDef.typeName)).toBe(expected);
  });

  it.each([
    ['0', false],
    ["'x'", false],
    ['now()', false],
    ['CURRENT_TIMESTAMP', false],
    ["'{}'::jsonb", false],
    ['lower(\'X\')', false],
    ['random()', true],
    ['(random() * 10)::int', true],
    ['gen_random_uuid()', true],
    ['clock_timestamp()', true],
    ["nextval('s'::regclass)", true],
    ['unknown_fn()', true],
  ])('isVolatileDefault(%s) = %s', (expr, expected) => {
    const node = ast(`SELECT ${expr}`) as AnyNode;
    expect(isVolatileDefault(node.SelectStmt.targetList[0].ResTarget.val)).toBe(expected);
  });
});
