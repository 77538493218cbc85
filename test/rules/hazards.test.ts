// Hazard classes beyond the documented examples: where each rule must stay quiet.
import { beforeAll, describe, expect, it } from 'vitest';
import { getRule } from '../../src/rules/registry.js';
import { initParser } from '../../src/sql/index.js';
import { runRule, type RunOptions } from './support.js';

beforeAll(async () => {
  await initParser();
});

const run = (id: string, sql: string, opts: RunOptions = {}) => runRule(getRule(id)!, sql, opts);
const lines = (id: string, sql: string, opts: RunOptions = {}) => run(id, sql, opts).map((f) => f.line);

describe('enum-value-used-in-transaction', () => {
  const id = 'enum-value-used-in-transaction';
  it('flags the first use of the new value in the same transaction', () => {
    const sql = "ALTER TYPE mood ADD VALUE 'meh';\nSELECT 1;\nINSERT INTO t (m) VALUES ('meh');\nUPDATE t SET m = 'meh';";
    const found = run(id, sql);
    expect(found.map((f) => f.line)).toEqual([3]);
    expect(found[0]!.message).toBe(
      "The enum value 'meh' added to mood at line 1 is used before the transaction commits: this fails with \"unsafe use of new value\".",
    );
    expect(found[0]!.severity).toBe('error');
  });
  it('accepts a use after the transaction committed, and files run without a transaction', () => {
    expect(lines(id, "BEGIN;\nALTER TYPE mood ADD VALUE 'meh';\nCOMMIT;\nUPDATE t SET m = 'meh';", { transaction: 'none' })).toEqual([]);
    expect(lines(id, "ALTER TYPE mood ADD VALUE 'meh';\nUPDATE t SET m = 'meh';", { transaction: 'none' })).toEqual([]);
    expect(lines(id, "ALTER TYPE mood ADD VALUE 'meh';\nUPDATE t SET m = 'ok';")).toEqual([]);
    // renaming a value is not adding one
    expect(lines(id, "ALTER TYPE mood RENAME VALUE 'sad' TO 'meh';\nUPDATE t SET m = 'meh';")).toEqual([]);
  });
});

describe('ban-disable-triggers', () => {
  const id = 'ban-disable-triggers';
  it('flags ALL and USER on existing tables, not a named trigger or a new table', () => {
    expect(lines(id, 'ALTER TABLE t DISABLE TRIGGER ALL;\nALTER TABLE t DISABLE TRIGGER USER;')).toEqual([1, 2]);
    expect(run(id, 'ALTER TABLE t DISABLE TRIGGER ALL;')[0]!.lockMode).toBe('SHARE ROW EXCLUSIVE');
    expect(lines(id, 'ALTER TABLE t DISABLE TRIGGER t_audit;')).toEqual([]);
    expect(lines(id, 'CREATE TABLE n (a int);\nALTER TABLE n DISABLE TRIGGER ALL;')).toEqual([]);
  });
});

describe('concurrent-index-if-not-exists', () => {
  const id = 'concurrent-index-if-not-exists';
  it('flags only CONCURRENTLY together with IF NOT EXISTS', () => {
    const none = { transaction: 'none' } as const;
    expect(lines(id, 'CREATE INDEX CONCURRENTLY IF NOT EXISTS t_x ON t (x);', none)).toEqual([1]);
    expect(lines(id, 'CREATE INDEX CONCURRENTLY t_x ON t (x);', none)).toEqual([]);
    expect(lines(id, 'CREATE INDEX IF NOT EXISTS t_x ON t (x);')).toEqual([]);
  });
  it('keeps the schema in the DROP of the fix', () => {
    const [f] = run(id, 'CREATE INDEX CONCURRENTLY IF NOT EXISTS t_x ON app.t (x);', { transaction: 'none' });
    expect(f!.fix!.sql).toBe('DROP INDEX CONCURRENTLY IF EXISTS app.t_x;\nCREATE INDEX CONCURRENTLY t_x ON app.t (x);');
  });
});

describe('adding-column-with-check', () => {
  const id = 'adding-column-with-check';
  it('flags a CHECK inside ADD COLUMN on an existing table only', () => {
    expect(lines(id, 'ALTER TABLE t ADD COLUMN x int CHECK (x > 0);')).toEqual([1]);
    expect(lines(id, 'CREATE TABLE t (a int);\nALTER TABLE t ADD COLUMN x int CHECK (x > 0);')).toEqual([]);
    expect(lines(id, 'ALTER TABLE t ADD COLUMN x int NOT NULL DEFAULT 0;')).toEqual([]);
    // the rewrite of a volatile default is reported by adding-field-with-default
    expect(lines(id, 'ALTER TABLE t ADD COLUMN x float8 DEFAULT random() CHECK (x >= 0);')).toEqual([]);
  });
  it('names the constraint in the fix', () => {
    const [f] = run(id, 'ALTER TABLE t ADD COLUMN x int CONSTRAINT x_pos CHECK (x > 0);');
    expect(f!.fix!.sql).toBe(
      'ALTER TABLE t ADD COLUMN x int;\nALTER TABLE t ADD CONSTRAINT x_pos CHECK (x > 0) NOT VALID;\n' +
        '-- In a separate migration:\nALTER TABLE t VALIDATE CONSTRAINT x_pos;',
    );
  });
});

describe('timeout fixes do not leak into later migrations', () => {
  it('use SET LOCAL inside a transaction', () => {
    const [f] = run('require-timeout-settings', 'ALTER TABLE users ADD COLUMN nickname text;');
    expect(f!.fix!.sql).toBe("SET LOCAL lock_timeout = '5s';\nALTER TABLE users ADD COLUMN nickname text;");
  });
  it('reset the setting after the statement outside a transaction', () => {
    const [f] = run('require-statement-timeout', 'ALTER TABLE users ADD COLUMN nickname text;', { transaction: 'none' });
    expect(f!.fix!.sql).toBe("SET statement_timeout = '5s';\nALTER TABLE users ADD COLUMN nickname text;\nRESET statement_timeout;");
  });
});

describe('drop-replica-identity', () => {
  const id = 'drop-replica-identity';
  const table = 'CREATE TABLE t (id bigint PRIMARY KEY, email text NOT NULL);\nCREATE UNIQUE INDEX t_email_key ON t (email);\n';
  it('is an error when the history publishes the table, naming the publication', () => {
    const history = `${table}CREATE PUBLICATION cdc FOR TABLE t;`;
    const found = run(id, 'SELECT 1;\nALTER TABLE t DROP CONSTRAINT t_pkey;', { history });
    expect(found.map((f) => [f.line, f.severity, f.lockMode, f.relation])).toEqual([[2, 'error', 'ACCESS EXCLUSIVE', 'public.t']]);
    expect(found[0]!.message).toBe(
      'Dropping the primary key t_pkey of public.t leaves it without a replica identity: it is in publication cdc, so every UPDATE and DELETE on public.t fails until it has one again.',
    );
  });
  it('follows FOR ALL TABLES, TABLES IN SCHEMA and the publish option', () => {
    const drop = 'ALTER TABLE t DROP CONSTRAINT t_pkey;';
    const sev = (pub: string) => run(id, drop, { history: table + pub }).map((f) => f.severity);
    expect(sev('CREATE PUBLICATION p FOR ALL TABLES;')).toEqual(['error']);
    expect(sev('CREATE PUBLICATION p FOR TABLES IN SCHEMA public;')).toEqual(['error']);
    expect(sev("CREATE PUBLICATION p FOR TABLE t WITH (publish = 'insert, delete');")).toEqual(['error']);
    // inserts alone need no replica identity
    expect(sev("CREATE PUBLICATION p FOR TABLE t WITH (publish = 'insert');")).toEqual(['warning']);
    expect(sev('CREATE PUBLICATION p FOR TABLE t;\nDROP PUBLICATION p;')).toEqual(['warning']);
    expect(sev('CREATE TABLE u (id int);\nCREATE PUBLICATION p FOR TABLE u;\nALTER PUBLICATION p ADD TABLE t;')).toEqual(['error']);
    expect(sev('CREATE PUBLICATION p FOR TABLE t;\nALTER PUBLICATION p DROP TABLE t;')).toEqual(['warning']);
    // the file's own changes over the history's publication
    expect(run(id, `ALTER PUBLICATION p DROP TABLE t;\n${drop}`, { history: `${table}CREATE PUBLICATION p FOR TABLE t;` })).toMatchObject([{ line: 2, severity: 'warning' }]);
    expect(run(id, `ALTER PUBLICATION p SET (publish = 'insert');\n${drop}`, { history: `${table}CREATE PUBLICATION p FOR TABLE t;` })).toMatchObject([{ line: 2, severity: 'warning' }]);
    expect(run(id, `DROP PUBLICATION p;\n${drop}`, { history: `${table}CREATE PUBLICATION p FOR TABLE t;` })).toMatchObject([{ line: 2, severity: 'warning' }]);
    expect(run(id, `ALTER PUBLICATION p ADD TABLE t;\n${drop}`, { history: `${table}CREATE PUBLICATION p FOR TABLE u;` })).toMatchObject([{ line: 2, severity: 'error' }]);
    // a publication created in the same file counts too
    expect(run(id, `CREATE PUBLICATION p FOR TABLE t;\n${drop}`, { history: table }).map((f) => [f.line, f.severity])).toEqual([[2, 'error']]);
  });
  it('is a warning on the default primary-key name when the model does not know the table', () => {
    const found = run(id, 'ALTER TABLE app.orders DROP CONSTRAINT orders_pkey;');
    expect(found.map((f) => [f.line, f.severity, f.relation])).toEqual([[1, 'warning', 'app.orders']]);
    expect(found[0]!.message).toContain('if app.orders is in a logical-replication publication');
    // a constraint the history knows is not the primary key
    expect(run(id, 'ALTER TABLE t DROP CONSTRAINT t_email_check;', { history: 'CREATE TABLE t (id int PRIMARY KEY, e text CONSTRAINT t_email_check CHECK (e <> \'\'));' })).toEqual([]);
    expect(run(id, 'ALTER TABLE t DROP CONSTRAINT something_else;')).toEqual([]);
  });
  it('stays quiet when another identity is in place or the key is replaced in the same transaction', () => {
    const history = `${table}CREATE PUBLICATION p FOR TABLE t;`;
    expect(run(id, 'ALTER TABLE t REPLICA IDENTITY USING INDEX t_email_key;\nALTER TABLE t DROP CONSTRAINT t_pkey;', { history, transaction: 'none' })).toEqual([]);
    expect(run(id, 'ALTER TABLE t DROP CONSTRAINT t_pkey;', { history: `${history}\nALTER TABLE t REPLICA IDENTITY FULL;` })).toEqual([]);
    expect(run(id, 'ALTER TABLE t DROP CONSTRAINT t_pkey, ADD PRIMARY KEY (id, email);', { history, transaction: 'none' })).toEqual([]);
    expect(run(id, 'ALTER TABLE t DROP CONSTRAINT t_pkey;\nALTER TABLE t ADD PRIMARY KEY (id, email);', { history })).toEqual([]);
    // outside a transaction, the very next statement leaves a round trip; anything in between, real traffic
    expect(lines(id, 'ALTER TABLE t DROP CONSTRAINT t_pkey;\nALTER TABLE t ADD PRIMARY KEY (id, email);', { history, transaction: 'none' })).toEqual([]);
    expect(lines(id, 'ALTER TABLE t DROP CONSTRAINT t_pkey;\nUPDATE t SET email = lower(email);\nALTER TABLE t ADD PRIMARY KEY (id, email);', { history, transaction: 'none' })).toEqual([1]);
    // a table the file drops later has no writers left to fail
    expect(lines(id, 'ALTER TABLE t DROP CONSTRAINT t_pkey;\nSELECT 1;\nDROP TABLE t;', { history, transaction: 'none' })).toEqual([]);
    // a table created in the file has no traffic yet
    expect(run(id, 'CREATE TABLE n (id int PRIMARY KEY);\nALTER TABLE n DROP CONSTRAINT n_pkey;')).toEqual([]);
  });
  it('flags DROP INDEX of the REPLICA IDENTITY index and DROP COLUMN of the key column', () => {
    const history = `${table}ALTER TABLE t REPLICA IDENTITY USING INDEX t_email_key;\nCREATE PUBLICATION p FOR TABLE t;`;
    const found = run(id, 'DROP INDEX t_email_key;', { history });
    expect(found.map((f) => [f.line, f.severity, f.relation])).toEqual([[1, 'error', 'public.t']]);
    expect(found[0]!.message).toContain('Dropping t_email_key, the REPLICA IDENTITY index of public.t');
    // with the identity on the index, the primary key is not it
    expect(run(id, 'ALTER TABLE t DROP CONSTRAINT t_pkey;', { history })).toEqual([]);
    expect(lines(id, 'ALTER TABLE t DROP COLUMN id;', { history: `${table}CREATE PUBLICATION p FOR TABLE t;` })).toEqual([1]);
  });
});

describe('changing-foreign-key-column-type', () => {
  const id = 'changing-foreign-key-column-type';
  const history =
    'CREATE TABLE users (id integer PRIMARY KEY, email varchar(100));\n' +
    'CREATE TABLE orders (id bigint PRIMARY KEY, user_id integer, note varchar(20), CONSTRAINT orders_user_fk FOREIGN KEY (user_id) REFERENCES users (id));';
  it('names both tables, on either side of the key', () => {
    const [ref] = run(id, 'SELECT 1;\nALTER TABLE orders ALTER COLUMN user_id TYPE bigint;', { history });
    expect([ref!.line, ref!.severity, ref!.lockMode, ref!.relation]).toEqual([2, 'error', 'ACCESS EXCLUSIVE', 'public.users']);
    expect(ref!.message).toBe(
      'Changing the type of public.orders.user_id rewrites public.orders and re-checks foreign key orders_user_fk, while public.users (the referenced table) is locked ACCESS EXCLUSIVE too: reads and writes on both tables wait until the transaction commits.',
    );
    const [back] = run(id, 'ALTER TABLE users ALTER COLUMN id TYPE bigint;', { history });
    expect([back!.line, back!.relation]).toEqual([1, 'public.orders']);
    expect(back!.message).toContain('public.orders (the referencing table)');
  });
  it('ignores columns outside the key, new tables and unknown keys', () => {
    expect(run(id, 'ALTER TABLE orders ALTER COLUMN note TYPE text;', { history })).toEqual([]);
    expect(run(id, 'ALTER TABLE users ALTER COLUMN email TYPE text;', { history })).toEqual([]);
    expect(run(id, 'ALTER TABLE orders ALTER COLUMN user_id TYPE bigint;')).toEqual([]);
    expect(run(id, 'CREATE TABLE items (id int PRIMARY KEY, user_id int REFERENCES users (id));\nALTER TABLE items ALTER COLUMN user_id TYPE bigint;', { history })).toEqual([]);
  });
  it('is a warning when the type change rewrites nothing', () => {
    const h = 'CREATE TABLE codes (code varchar(10) PRIMARY KEY);\nCREATE TABLE items (id int, code varchar(10) REFERENCES codes (code));';
    const found = run(id, 'ALTER TABLE items ALTER COLUMN code TYPE varchar(20);', { history: h });
    expect(found.map((f) => [f.line, f.severity, f.relation])).toEqual([[1, 'warning', 'public.codes']]);
    expect(found[0]!.message).toContain('re-creates foreign key items_code_fkey');
  });
});
