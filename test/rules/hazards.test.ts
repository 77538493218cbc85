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
