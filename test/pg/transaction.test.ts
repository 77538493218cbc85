import { beforeAll, describe, expect, it } from 'vitest';
import { buildFacts, catalogFromHistory, timeoutsBefore } from '../../src/pg/index.js';
import { initParser, parseSql } from '../../src/sql/index.js';
import type { StatementFacts, TransactionMode } from '../../src/types.js';

beforeAll(initParser);

function facts(sql: string, transaction: TransactionMode = 'transaction', pgVersion = 15): StatementFacts[] {
  return buildFacts(parseSql(sql, { path: 'm.sql' }), { transaction, pgVersion });
}
const held = (f: StatementFacts) => f.heldLocks.map((l) => `${l.relation}:${l.mode}`);

describe('transaction tracking', () => {
  it('a framework-wrapped file is one transaction: locks accumulate until the end', () => {
    const f = facts('ALTER TABLE a ADD COLUMN x int;\nUPDATE b SET y = 1;\nSELECT * FROM c;');
    expect(f.map((s) => s.inTransaction)).toEqual([true, true, true]);
    expect(held(f[0]!)).toEqual(['public.a:ACCESS EXCLUSIVE']);
    expect(held(f[1]!)).toEqual(['public.a:ACCESS EXCLUSIVE', 'public.b:ROW EXCLUSIVE']);
    expect(held(f[2]!)).toEqual(['public.a:ACCESS EXCLUSIVE', 'public.b:ROW EXCLUSIVE', 'public.c:ACCESS SHARE']);
  });

  it('the held mode on a relation is the strongest taken so far', () => {
    const f = facts('SELECT * FROM a;\nCREATE INDEX i ON a (x);\nSELECT * FROM a;');
    expect(held(f[2]!)).toEqual(['public.a:SHARE']);
  });

  it('in autocommit each statement releases its locks', () => {
    const f = facts('ALTER TABLE a ADD COLUMN x int;\nUPDATE b SET y = 1;', 'none');
    expect(f.map((s) => s.inTransaction)).toEqual([false, false]);
    expect(held(f[1]!)).toEqual(['public.b:ROW EXCLUSIVE']);
  });

  it('BEGIN … COMMIT in an autocommit file: locks held inside, released after COMMIT', () => {
    const f = facts(
      'SELECT 1;\nBEGIN;\nALTER TABLE a ADD COLUMN x int;\nUPDATE b SET y = 1;\nCOMMIT;\nUPDATE c SET z = 1;',
      'none',
    );
    expect(f.map((s) => s.kind)).toEqual(['SELECT', 'BEGIN', 'ALTER TABLE', 'UPDATE', 'COMMIT', 'UPDATE']);
    expect(f.map((s) => s.inTransaction)).toEqual([false, true, true, true, true, false]);
    expect(held(f[3]!)).toEqual(['public.a:ACCESS EXCLUSIVE', 'public.b:ROW EXCLUSIVE']);
    expect(f[4]!.heldLocks).toEqual([]);
    expect(held(f[5]!)).toEqual(['public.c:ROW EXCLUSIVE']);
  });

  it('in an implicit transaction BEGIN is a no-op and COMMIT ends it: the rest runs in autocommit', () => {
    const f = facts('BEGIN;\nALTER TABLE a ADD COLUMN x int;\nCOMMIT;\nCREATE INDEX CONCURRENTLY i ON a (x);\nUPDATE b SET y = 1;');
    expect(f.map((s) => s.inTransaction)).toEqual([true, true, true, false, false]);
    expect(held(f[1]!)).toEqual(['public.a:ACCESS EXCLUSIVE']);
    expect(held(f[3]!)).toEqual(['public.a:SHARE UPDATE EXCLUSIVE']);
    expect(held(f[4]!)).toEqual(['public.b:ROW EXCLUSIVE']);
  });

  it('ROLLBACK releases the locks as well; START TRANSACTION opens a new block', () => {
    const f = facts('LOCK TABLE a;\nROLLBACK;\nSTART TRANSACTION;\nSELECT * FROM b;\nEND;', 'transaction');
    expect(f.map((s) => s.inTransaction)).toEqual([true, true, true, true, true]);
    expect(held(f[3]!)).toEqual(['public.b:ACCESS SHARE']);
    expect(f[4]!.heldLocks).toEqual([]);
  });

  it('COMMIT AND CHAIN keeps a transaction open without the old locks', () => {
    const f = facts('LOCK TABLE a;\nCOMMIT AND CHAIN;\nSELECT * FROM b;', 'none');
    expect(f[0]!.inTransaction).toBe(false);
    const g = facts('LOCK TABLE a;\nCOMMIT AND CHAIN;\nSELECT * FROM b;');
    expect(g[2]!.inTransaction).toBe(true);
    expect(held(g[2]!)).toEqual(['public.b:ACCESS SHARE']);
  });

  it('ROLLBACK TO SAVEPOINT releases the locks taken after the savepoint', () => {
    const f = facts('SELECT * FROM a;\nSAVEPOINT s;\nLOCK TABLE b;\nROLLBACK TO SAVEPOINT s;\nSELECT * FROM c;');
    expect(held(f[2]!)).toEqual(['public.a:ACCESS SHARE', 'public.b:ACCESS EXCLUSIVE']);
    expect(held(f[4]!)).toEqual(['public.a:ACCESS SHARE', 'public.c:ACCESS SHARE']);
  });

  it('CONCURRENTLY inside the implicit transaction is visible as in-transaction and non-transactional', () => {
    const [s] = facts('CREATE INDEX CONCURRENTLY i ON a (x);');
    expect(s).toMatchObject({ kind: 'CREATE INDEX CONCURRENTLY', inTransaction: true, transactional: false });
  });

  it('unparsable statements become `unparsed` with no locks and keep the state', () => {
    const f = facts('LOCK TABLE a;\nSELEC oops;\nSELECT * FROM b;');
    expect(f[1]).toMatchObject({ kind: 'unparsed', locks: [], inTransaction: true });
    expect(held(f[1]!)).toEqual(['public.a:ACCESS EXCLUSIVE']);
    expect(held(f[2]!)).toEqual(['public.a:ACCESS EXCLUSIVE', 'public.b:ACCESS SHARE']);
  });

  it('keeps the statement, its span and the effect together', () => {
    const [s] = facts('\n  ALTER TABLE a ADD COLUMN b int DEFAULT random();');
    expect(s!.stmt.span.line).toBe(2);
    expect(s!.rewrites).toEqual(['public.a']);
    expect(s!.searchPath).toEqual(['public']);
  });
});

describe('search_path', () => {
  it('SET search_path changes where later unqualified names resolve', () => {
    const f = facts('SELECT * FROM t;\nSET search_path TO app, public;\nSELECT * FROM t;\nSELECT * FROM other.t;', 'none');
    expect(f.map((s) => s.locks[0]?.relation)).toEqual(['public.t', undefined, 'app.t', 'other.t']);
    expect(f[2]!.searchPath).toEqual(['app', 'public']);
  });

  it('understands quoted lists, SET SCHEMA, RESET and set_config()', () => {
    const f = facts(
      [
        "SET search_path = 'Billing, public';",
        'TRUNCATE t;',
        "SET SCHEMA 'audit';",
        'TRUNCATE t;',
        'RESET search_path;',
        'TRUNCATE t;',
        "SELECT set_config('search_path', 'app', false);",
        'TRUNCATE t;',
        'SET search_path = "$user", sales;',
        'TRUNCATE t;',
      ].join('\n'),
      'none',
    );
    expect(f.filter((s) => s.kind === 'TRUNCATE').map((s) => s.locks[0]!.relation)).toEqual([
      'billing.t',
      'audit.t',
      'public.t',
      'app.t',
      'sales.t',
    ]);
  });

  it('an unqualified name resolves to the first schema of the path that holds it; new relations go to the first schema', () => {
    const history = catalogFromHistory([parseSql('CREATE TABLE users (id int);\nCREATE SCHEMA app;\nCREATE TABLE app.orders (id int);', { path: '001.sql' })]);
    const sql = [
      'SET search_path = app, public;',
      'ALTER TABLE users ADD COLUMN a int;',
      'ALTER TABLE orders ADD COLUMN a int;',
      'CREATE TABLE users (id int);',
      'ALTER TABLE users ADD COLUMN b int;',
    ].join('\n');
    const f = buildFacts(parseSql(sql, { path: '002.sql' }), { transaction: 'none', pgVersion: 15, catalog: history });
    expect(f.slice(1).map((s) => s.locks[0]?.relation ?? s.creates[0])).toEqual(['public.users', 'app.orders', 'app.users', 'app.users']);
    expect(f[1]!.searchPath).toEqual(['app', 'public']);
  });

  it('SET LOCAL lasts until the end of the transaction', () => {
    const f = facts('BEGIN;\nSET LOCAL search_path = app;\nTRUNCATE t;\nCOMMIT;\nTRUNCATE t;', 'none');
    expect(f[2]!.locks[0]!.relation).toBe('app.t');
    expect(f[4]!.locks[0]!.relation).toBe('public.t');
  });
});

describe('DO blocks', () => {
  const sql = [
    'SELECT * FROM pre;',
    'DO $$',
    'BEGIN',
    '  ALTER TABLE users ADD COLUMN x int;',
    "  EXECUTE 'CREATE INDEX users_x ON users (x)';",
    '  UPDATE accounts SET y = 1;',
    'END $$;',
    'SELECT * FROM post;',
  ].join('\n');

  it('the DO statement takes the union of its nested statements, strongest per relation', () => {
    const f = facts(sql, 'none');
    expect(f.map((s) => [s.kind, !!s.stmt.nested])).toEqual([
      ['SELECT', false],
      ['DO', false],
      ['ALTER TABLE', true],
      ['CREATE INDEX', true],
      ['UPDATE', true],
      ['SELECT', false],
    ]);
    expect(f[1]!.locks).toEqual([
      { relation: 'public.users', mode: 'ACCESS EXCLUSIVE' },
      { relation: 'public.accounts', mode: 'ROW EXCLUSIVE' },
    ]);
    expect(f[1]!.scans).toEqual(['public.users']);
    expect(f[1]!.creates).toEqual(['public.users_x']);
  });

  it('nested statements run inside the DO: locks accumulate through the body', () => {
    const f = facts(sql, 'none');
    expect(f.slice(2, 5).map((s) => s.inTransaction)).toEqual([true, true, true]);
    expect(held(f[3]!)).toEqual(['public.users:ACCESS EXCLUSIVE']);
    expect(held(f[4]!)).toEqual(['public.users:ACCESS EXCLUSIVE', 'public.accounts:ROW EXCLUSIVE']);
    // in autocommit the DO's locks are gone after it
    expect(held(f[5]!)).toEqual(['public.post:ACCESS SHARE']);
  });

  it('in a transaction the DO body adds to the locks already held', () => {
    const f = facts(sql, 'transaction');
    expect(held(f[2]!)).toEqual(['public.pre:ACCESS SHARE', 'public.users:ACCESS EXCLUSIVE']);
    expect(held(f[5]!)).toEqual([
      'public.pre:ACCESS SHARE',
      'public.users:ACCESS EXCLUSIVE',
      'public.accounts:ROW EXCLUSIVE',
      'public.post:ACCESS SHARE',
    ]);
  });

  it('CONCURRENTLY inside a DO is in a transaction even in autocommit (PostgreSQL refuses it)', () => {
    const f = facts("DO $$ BEGIN EXECUTE 'CREATE INDEX CONCURRENTLY i ON t (a)'; END $$;", 'none');
    expect(f[0]).toMatchObject({ kind: 'DO', inTransaction: false, transactional: false });
    expect(f[1]).toMatchObject({ kind: 'CREATE INDEX CONCURRENTLY', inTransaction: true, transactional: false });
  });
});

describe('catalog from the file and the history', () => {
  it('DROP INDEX locks the table of an index created earlier in the file', () => {
    const f = facts('CREATE INDEX users_email ON users (email);\nDROP INDEX users_email;', 'none');
    expect(f[1]!.locks).toEqual([{ relation: 'public.users', mode: 'ACCESS EXCLUSIVE' }]);
  });

  it('a catalog from earlier migrations sharpens type-change rewrites', () => {
    const history = [parseSql('CREATE TABLE users (email varchar(100));', { path: '001.sql' })];
    const catalog = catalogFromHistory(history);
    const shrink = parseSql('ALTER TABLE users ALTER COLUMN email TYPE varchar(50);', { path: '002.sql' });
    expect(buildFacts(shrink, { transaction: 'transaction', pgVersion: 15, catalog })[0]!.rewrites).toEqual(['public.users']);
    const widen = parseSql('ALTER TABLE users ALTER COLUMN email TYPE varchar(200);', { path: '002.sql' });
    expect(buildFacts(widen, { transaction: 'transaction', pgVersion: 15, catalog })[0]!.rewrites).toEqual([]);
    // buildFacts works on a copy: the history still says varchar(100), so 150 is a widening
    const after = parseSql('ALTER TABLE users ALTER COLUMN email TYPE varchar(150);', { path: '003.sql' });
    expect(buildFacts(after, { transaction: 'transaction', pgVersion: 15, catalog })[0]!.rewrites).toEqual([]);
  });
});

describe('session time zone', () => {
  // timestamp <-> timestamptz skips the rewrite only when the session zone is UTC (PG 12+)
  const change = 'ALTER TABLE t ALTER COLUMN at TYPE timestamptz;';
  const rewrites = (sql: string, mode: TransactionMode = 'none') => {
    const f = facts(`CREATE TABLE t (at timestamp);\nCOMMIT;\n${sql}`, mode).filter((x) => x.kind === 'ALTER TABLE');
    return f.map((x) => x.rewrites.length > 0);
  };

  it('the server default (assumed UTC) and UTC-equivalent zones do not rewrite', () => {
    expect(rewrites(change)).toEqual([false]);
    expect(rewrites(`SET TIME ZONE 'UTC';\n${change}`)).toEqual([false]);
    expect(rewrites(`SET timezone = 'Etc/UTC';\n${change}`)).toEqual([false]);
    expect(rewrites(`SET TIME ZONE 0;\n${change}`)).toEqual([false]);
    expect(rewrites(`SET TIME ZONE INTERVAL '+00:00' HOUR TO MINUTE;\n${change}`)).toEqual([false]);
  });

  it('another zone rewrites, until RESET / SET TIME ZONE DEFAULT / RESET ALL', () => {
    expect(rewrites(`SET TIME ZONE 'Europe/Paris';\n${change}`)).toEqual([true]);
    expect(rewrites(`SET timezone TO 'America/New_York';\n${change}\nRESET timezone;\n${change}`)).toEqual([true, false]);
    expect(rewrites(`SET TIME ZONE 2;\n${change}\nSET TIME ZONE DEFAULT;\n${change}`)).toEqual([true, false]);
    expect(rewrites(`SELECT set_config('timezone', 'Asia/Tokyo', false);\n${change}\nRESET ALL;\n${change}`)).toEqual([true, false]);
  });

  it('SET LOCAL TIME ZONE lasts until the end of its transaction', () => {
    expect(rewrites(`BEGIN;\nSET LOCAL TIME ZONE 'Europe/Paris';\n${change}\nCOMMIT;\n${change}`)).toEqual([true, false]);
  });

  it('before PostgreSQL 12 the change always rewrites', () => {
    const f = facts(`CREATE TABLE t (at timestamp);\nCOMMIT;\n${change}`, 'none', 11);
    expect(f.at(-1)!.rewrites).toEqual(['public.t']);
  });
});

describe('timeoutsBefore', () => {
  const lt = (sql: string, mode: TransactionMode = 'transaction') => timeoutsBefore(facts(sql, mode)).map((t) => t.lockTimeout);

  it('SET lock_timeout applies to the statements after it; 0 and RESET turn it off', () => {
    expect(lt("ALTER TABLE a ADD b int;\nSET lock_timeout = '2s';\nALTER TABLE a ADD c int;\nSET lock_timeout = 0;\nSELECT 1;\nSET lock_timeout TO '1s';\nRESET lock_timeout;\nSELECT 1;")).toEqual([
      false, false, true, true, false, false, true, false,
    ]);
  });

  it('SET LOCAL lasts until COMMIT and is ignored outside a transaction', () => {
    expect(lt("BEGIN;\nSET LOCAL lock_timeout = '1s';\nSELECT 1;\nCOMMIT;\nSELECT 1;", 'none')).toEqual([false, false, true, true, false]);
    expect(lt("SET LOCAL lock_timeout = '1s';\nSELECT 1;", 'none')).toEqual([false, false]);
  });

  it('understands set_config() and statement_timeout', () => {
    const t = timeoutsBefore(facts("SELECT set_config('lock_timeout', '3s', false);\nSET statement_timeout = '30s';\nSELECT 1;"));
    expect(t[2]).toEqual({ lockTimeout: true, statementTimeout: true });
    expect(t[1]).toEqual({ lockTimeout: true, statementTimeout: false });
  });
});
