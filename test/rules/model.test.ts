// The rules and the statement report read one PostgreSQL model: where they used to keep
// their own copies (volatility, name resolution, timeouts, table state) they must agree.
import { beforeAll, describe, expect, it } from 'vitest';
import { defaultConfig } from '../../src/config/schema.js';
import { buildFacts, catalogFromHistory } from '../../src/pg/index.js';
import { buildFileFacts } from '../../src/pg/file.js';
import { lintFacts, lintSql } from '../../src/rules/engine.js';
import { getRule } from '../../src/rules/registry.js';
import { initParser, parseSql } from '../../src/sql/index.js';
import type { Finding, StatementFacts, TransactionMode } from '../../src/types.js';
import { runRule } from './support.js';

beforeAll(initParser);

function facts(sql: string, transaction: TransactionMode = 'transaction'): StatementFacts[] {
  return buildFacts(parseSql(sql, { path: 'm.sql' }), { transaction, pgVersion: 15 });
}
const rule = (id: string) => getRule(id)!;
const at = (fs: Finding[]) => fs.map((f) => `${f.line}:${f.relation ?? ''}:${f.lockMode ?? ''}`);

describe('one volatility list for the statement report and the rules', () => {
  it.each([
    ["timezone('utc', now())", false],
    ["left('abc', 1)", false],
    ["date_part('year', now())", false],
    ["lower('X')", false],
    ['random()', true],
    ['gen_random_uuid()', true],
    ['uuid_generate_v4()', true],
    ['clock_timestamp()', true],
    ['my_func()', true],
  ])('ADD COLUMN … DEFAULT %s: rewrite = %s in both', (expr, rewrites) => {
    const sql = `ALTER TABLE t ADD COLUMN c timestamptz DEFAULT ${expr};`;
    const [stmt] = facts(sql);
    expect(stmt!.rewrites).toEqual(rewrites ? ['public.t'] : []);
    const found = runRule(rule('adding-field-with-default'), sql);
    expect(at(found)).toEqual(rewrites ? ['1:public.t:ACCESS EXCLUSIVE'] : []);
  });
});

describe('rules resolve names with the model', () => {
  it('SET search_path = "$user", public: DROP COLUMN names public.users', () => {
    const sql = 'SET search_path = "$user", public;\nALTER TABLE users DROP COLUMN legacy;';
    expect(facts(sql)[1]!.locks).toEqual([{ relation: 'public.users', mode: 'ACCESS EXCLUSIVE' }]);
    const found = runRule(rule('ban-drop-column'), sql);
    expect(at(found)).toEqual(['2:public.users:ACCESS EXCLUSIVE']);
    expect(found[0]!.message).toContain('public.users.legacy');
  });

  it('a schema-qualified search_path resolves unqualified names there', () => {
    const found = runRule(rule('ban-drop-column'), "SET search_path TO app, public;\nALTER TABLE users DROP COLUMN x;");
    expect(at(found)).toEqual(['2:app.users:ACCESS EXCLUSIVE']);
  });
});

describe('rules resolve names with the model, against the history', () => {
  it('SET search_path = app, public: a table the history has only in public is public.users for the model and the rule', () => {
    const catalog = catalogFromHistory([parseSql('CREATE SCHEMA app;\nCREATE TABLE users (id int, legacy text);', { path: '001.sql' })]);
    const parsed = parseSql('SET search_path = app, public;\nALTER TABLE users DROP COLUMN legacy;', { path: '002.sql' });
    const f = buildFacts(parsed, { transaction: 'transaction', pgVersion: 15, catalog });
    expect(f[1]!.locks).toEqual([{ relation: 'public.users', mode: 'ACCESS EXCLUSIVE' }]);
    const found = lintFacts(f, { path: '002.sql', config: defaultConfig(), rules: [rule('ban-drop-column')], directives: parsed.directives, pgVersion: 15, transaction: 'transaction' });
    expect(at(found)).toEqual(['2:public.users:ACCESS EXCLUSIVE']);
    expect(found[0]!.message).toContain('public.users.legacy');
  });
});

describe('indexes resolve to their table through the history', () => {
  const catalog = () => catalogFromHistory([parseSql('CREATE TABLE orders (id bigint, user_id bigint);\nCREATE INDEX orders_user_id_idx ON orders (user_id);', { path: '001.sql' })]);
  const locks = (sql: string) =>
    buildFacts(parseSql(sql, { path: '002.sql' }), { transaction: 'none', pgVersion: 15, catalog: catalog() })[0]!.locks.map((l) => `${l.relation}:${l.mode}`);

  it('DROP INDEX takes ACCESS EXCLUSIVE on the table, CONCURRENTLY SHARE UPDATE EXCLUSIVE, REINDEX SHARE', () => {
    expect(locks('DROP INDEX orders_user_id_idx;')).toEqual(['public.orders:ACCESS EXCLUSIVE']);
    expect(locks('DROP INDEX CONCURRENTLY orders_user_id_idx;')).toEqual(['public.orders:SHARE UPDATE EXCLUSIVE']);
    expect(locks('REINDEX INDEX orders_user_id_idx;')).toContain('public.orders:SHARE');
  });
});

describe('the timeout timeline', () => {
  const sql = "BEGIN;\nSET LOCAL lock_timeout = '1s';\nCOMMIT;\nALTER TABLE users ADD COLUMN c text;";

  it('SET LOCAL ends with its transaction: the model and require-timeout-settings agree', () => {
    const f = facts(sql, 'none');
    const file = buildFileFacts(f, 'none');
    expect(file.timeoutsBefore(2).lockTimeout).toBe(true);
    expect(file.timeoutsBefore(3).lockTimeout).toBe(false);
    const found = runRule(rule('require-timeout-settings'), sql, { transaction: 'none' });
    expect(at(found)).toEqual(['4:public.users:ACCESS EXCLUSIVE']);
  });

  it('SET LOCAL inside the transaction that runs the ALTER counts', () => {
    const inside = "BEGIN;\nSET LOCAL lock_timeout = '1s';\nALTER TABLE users ADD COLUMN c text;\nCOMMIT;";
    expect(runRule(rule('require-timeout-settings'), inside, { transaction: 'none' })).toEqual([]);
  });

  it('a session SET survives COMMIT', () => {
    const session = "BEGIN;\nSET lock_timeout = '1s';\nCOMMIT;\nALTER TABLE users ADD COLUMN c text;";
    expect(runRule(rule('require-timeout-settings'), session, { transaction: 'none' })).toEqual([]);
  });
});

describe('file-level facts', () => {
  it('a renamed existing table stays existing: its hazards are reported', () => {
    const sql = 'ALTER TABLE users RENAME TO customers;\nALTER TABLE customers ADD COLUMN t uuid DEFAULT gen_random_uuid();';
    const file = buildFileFacts(facts(sql), 'transaction');
    expect(file.renames).toEqual([{ from: 'public.users', to: 'public.customers', index: 0 }]);
    expect(file.isNew('public.customers', 1)).toBe(false);
    expect(at(runRule(rule('adding-field-with-default'), sql))).toEqual(['2:public.customers:ACCESS EXCLUSIVE']);
  });

  it('a table created in the file stays new when renamed', () => {
    const sql = 'CREATE TABLE a (id int);\nALTER TABLE a RENAME TO b;\nALTER TABLE b ADD COLUMN t uuid DEFAULT gen_random_uuid();';
    const file = buildFileFacts(facts(sql), 'transaction');
    expect(file.isNew('public.b', 2)).toBe(true);
    expect(file.emptyEvidence('public.b', 2)).toBe('created');
    expect(runRule(rule('adding-field-with-default'), sql)).toEqual([]);
  });

  it('TRUNCATE or DELETE without WHERE empties the table for the rest of the transaction', () => {
    const alter = 'ALTER TABLE users ADD COLUMN t uuid DEFAULT gen_random_uuid();';
    for (const empty of ['TRUNCATE users;', 'DELETE FROM users;']) {
      const sql = `${empty}\n${alter}`;
      expect(runRule(rule('adding-field-with-default'), sql)).toEqual([]);
      // in autocommit the table may fill again between the two statements
      expect(at(runRule(rule('adding-field-with-default'), sql, { transaction: 'none' }))).toEqual(['2:public.users:ACCESS EXCLUSIVE']);
    }
    const file = buildFileFacts(facts(`TRUNCATE users;\nINSERT INTO users VALUES (1);\n${alter}`), 'transaction');
    expect(file.emptyEvidence('public.users', 1)).toBe('truncated');
    expect(file.emptyEvidence('public.users', 2)).toBeUndefined();
    expect(buildFileFacts(facts(`DELETE FROM users WHERE id = 1;\n${alter}`), 'transaction').emptyEvidence('public.users', 1)).toBeUndefined();
  });

  it('a NOT NULL column without a default only succeeds on an empty table', () => {
    const sql = 'ALTER TABLE users ADD COLUMN org_id int NOT NULL;\nALTER TABLE users ADD COLUMN t uuid DEFAULT gen_random_uuid();';
    const file = buildFileFacts(facts(sql), 'transaction');
    expect(file.emptyEvidence('public.users', 1)).toBe('not-null-added');
    expect(runRule(rule('adding-field-with-default'), sql)).toEqual([]);
    const withDefault = buildFileFacts(facts("ALTER TABLE users ADD COLUMN org_id int NOT NULL DEFAULT 0;\nSELECT 1;"), 'transaction');
    expect(withDefault.emptyEvidence('public.users', 1)).toBeUndefined();
  });

  it('transaction blocks and drops', () => {
    const sql = 'SELECT 1;\nBEGIN;\nDROP TABLE a;\nCOMMIT;\nSELECT 2;';
    const file = buildFileFacts(facts(sql, 'none'), 'none');
    expect([0, 1, 2, 3, 4].map(file.transactionBlock)).toEqual([-1, 1, 1, 1, -1]);
    expect(file.sameTransaction(1, 3)).toBe(true);
    expect(file.sameTransaction(0, 4)).toBe(false);
    expect(file.isDropped('public.a', 3)).toBe(true);
  });
});

describe('engine behaviour a rule author can read', () => {
  it('the transaction mode is on the context', () => {
    const seen: string[] = [];
    const probe = {
      meta: { ...rule('ban-drop-column').meta, id: 'probe', nodes: undefined },
      check: (_s: StatementFacts, ctx: { transaction: string }) => (seen.push(ctx.transaction), []),
    };
    lintSql('SELECT 1;', { config: defaultConfig(), rules: [probe], transaction: 'none' });
    expect(seen).toEqual(['none']);
  });
});
