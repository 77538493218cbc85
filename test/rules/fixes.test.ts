// Fix builders find what they edit with PostgreSQL's scanner and the parser's node locations:
// quotes, comments, dollar-quoted bodies and keywords used as names do not fool them.
import { beforeAll, describe, expect, it } from 'vitest';
import { defaultClauses, insertAfterWords, parenAfter, removeTrailingWord, removeWords } from '../../src/rules/fixes.js';
import { runRule, applyFixes } from './support.js';
import { getRule } from '../../src/rules/registry.js';
import { initParser } from '../../src/sql/index.js';

beforeAll(initParser);

describe('token edits', () => {
  it('removes a trailing CASCADE keyword, not one inside a name, string or comment', () => {
    expect(removeTrailingWord('DROP TABLE "cascade" CASCADE', 'CASCADE')).toBe('DROP TABLE "cascade"');
    expect(removeTrailingWord('DROP TABLE t CASCADE -- CASCADE', 'CASCADE')).toBe('DROP TABLE t -- CASCADE');
    expect(removeTrailingWord("DROP TABLE t /* x */", 'CASCADE')).toBeUndefined();
  });

  it('inserts after keywords, never inside a dollar-quoted body', () => {
    const fn = "CREATE FUNCTION f() RETURNS int AS $$ SELECT 1 /* SECURITY DEFINER */ $$ LANGUAGE sql SECURITY DEFINER";
    expect(insertAfterWords(fn, ['SECURITY', 'DEFINER'], 'SET search_path = pg_catalog')).toBe(`${fn} SET search_path = pg_catalog`);
    expect(insertAfterWords('create unique index i on t (a)', ['INDEX'], 'CONCURRENTLY')).toBe('create unique index CONCURRENTLY i on t (a)');
    expect(insertAfterWords("SELECT 'index'", ['INDEX'], 'x')).toBeUndefined();
  });

  it('removes IF NOT EXISTS and reads the ( … ) after a keyword with nested parentheses and strings', () => {
    expect(removeWords('CREATE INDEX CONCURRENTLY IF NOT EXISTS i ON t (a)', ['IF', 'NOT', 'EXISTS'])).toBe('CREATE INDEX CONCURRENTLY i ON t (a)');
    expect(parenAfter("ALTER TABLE t ADD CONSTRAINT c CHECK (length(a) > 0 AND a <> ')')", ['CHECK'])).toBe("length(a) > 0 AND a <> ')'");
  });
});

describe('DEFAULT clauses from the AST', () => {
  it('each clause ends where the column\'s next clause starts', () => {
    const sql = "ALTER TABLE t ADD COLUMN a text DEFAULT 'x -- not a comment' NOT NULL, ADD COLUMN b int DEFAULT (1 + 2) CHECK (b > 0), ADD COLUMN c int DEFAULT 3";
    expect(defaultClauses(sql).map((d) => d.expr)).toEqual(["'x -- not a comment'", '(1 + 2)', '3']);
    const [first] = defaultClauses(sql);
    expect(sql.slice(first!.start, first!.end)).toBe("DEFAULT 'x -- not a comment'");
  });

  it('a function call default with a collation and a dollar-quoted string', () => {
    const sql = "CREATE TABLE t (a text DEFAULT lower($q$A, B$q$) COLLATE \"C\", b int)";
    expect(defaultClauses(sql).map((d) => d.expr)).toEqual(['lower($q$A, B$q$)']);
  });
});

describe('fixes that used to be patterns', () => {
  it('ban-truncate-cascade keeps a table named like the keyword', () => {
    const sql = 'TRUNCATE "cascade" CASCADE;';
    const found = runRule(getRule('ban-truncate-cascade')!, sql);
    expect(applyFixes(sql, found)).toBe('TRUNCATE "cascade";');
  });

  it('attach-partition-without-check reads MINVALUE from the AST and the bounds as written', () => {
    const sql = "CREATE TABLE m (at date) PARTITION BY RANGE (at);\nCOMMIT;\nALTER TABLE m ATTACH PARTITION m_old FOR VALUES FROM (MINVALUE) TO ('2020-01-01');";
    const found = runRule(getRule('attach-partition-without-check')!, sql, { transaction: 'none' });
    expect(found[0]?.fix?.sql).toContain("at IS NOT NULL AND at < '2020-01-01'");
    expect(found[0]?.fix?.sql).not.toContain('>=');
  });

  it('prefer-robust-stmts spells IF [NOT] EXISTS after the right keywords', () => {
    const fix = (sql: string) => applyFixes(sql, runRule(getRule('prefer-robust-stmts')!, sql, { transaction: 'none', config: { rules: { 'prefer-robust-stmts': 'warning' } } }));
    expect(fix('CREATE UNIQUE INDEX CONCURRENTLY i ON t (a);')).toBe('CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS i ON t (a);');
    expect(fix('DROP MATERIALIZED VIEW m;')).toBe('DROP MATERIALIZED VIEW IF EXISTS m;');
    expect(fix('ALTER TABLE t ADD a int;')).toBe('ALTER TABLE t ADD COLUMN IF NOT EXISTS a int;');
    expect(fix('ALTER TABLE t DROP COLUMN a;')).toBe('ALTER TABLE t DROP COLUMN IF EXISTS a;');
  });

  it('adding-column-with-check and adding-foreign-key-constraint cut the clause the AST locates', () => {
    const check = "ALTER TABLE users ADD COLUMN a text CONSTRAINT a_len CHECK (length(a) < 10 AND a <> ')') DEFAULT 'x';";
    const c = runRule(getRule('adding-column-with-check')!, check)[0]!;
    expect(c.fix?.sql.split('\n')[0]).toBe("ALTER TABLE users ADD COLUMN a text DEFAULT 'x';");
    expect(c.fix?.sql).toContain("ADD CONSTRAINT a_len CHECK (length(a) < 10 AND a <> ')') NOT VALID;");
    // a default fills the new column: the foreign key validates every row
    const fk = 'ALTER TABLE orders ADD COLUMN user_id bigint DEFAULT 1 REFERENCES users (id) ON DELETE CASCADE NOT NULL;';
    const f = runRule(getRule('adding-foreign-key-constraint')!, fk)[0]!;
    expect(f.fix?.sql.split('\n')[0]).toBe('ALTER TABLE orders ADD COLUMN user_id bigint DEFAULT 1 NOT NULL;');
  });

  it('unbatched-data-migration splits SET and WHERE on tokens: strings and subqueries stay whole', () => {
    const sql = "UPDATE users SET note = 'a, b WHERE c', score = greatest(score, 1) WHERE kind IN (SELECT k FROM t WHERE t.on);";
    const f = runRule(getRule('unbatched-data-migration')!, sql)[0]!;
    expect(f.fix?.sql).toContain("UPDATE users SET note = 'a, b WHERE c', score = greatest(score, 1)\n");
    expect(f.fix?.sql).toContain("WHERE (kind IN (SELECT k FROM t WHERE t.on)) AND (note IS DISTINCT FROM ('a, b WHERE c') OR score IS DISTINCT FROM (greatest(score, 1))) LIMIT 1000");
  });

  it('column-type fixes replace the type the AST locates, keeping array bounds, clauses and comments', () => {
    const fix = (id: string, sql: string, config = {}) => applyFixes(sql, runRule(getRule(id)!, sql, { config }));
    expect(fix('prefer-timestamptz', 'CREATE TABLE e (at timestamp(3) without time zone[] NOT NULL, "timestamp" text);')).toBe(
      'CREATE TABLE e (at timestamptz(3)[] NOT NULL, "timestamp" text);',
    );
    expect(fix('prefer-text-field', "CREATE TABLE u (a character varying(20) /* v */ COLLATE \"C\", b varchar(5) DEFAULT 'x');")).toBe(
      "CREATE TABLE u (a text /* v */ COLLATE \"C\", b text DEFAULT 'x');",
    );
    expect(fix('prefer-identity', 'CREATE TABLE a (id bigserial PRIMARY KEY);', { rules: { 'prefer-identity': 'warning' } })).toBe(
      'CREATE TABLE a (id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY);',
    );
  });
});
