// Tricky cases per rule, beyond the documented examples.
import { beforeAll, describe, expect, it } from 'vitest';
import { getRule } from '../../src/rules/registry.js';
import { initParser } from '../../src/sql/index.js';
import { analyze } from '../../src/analyze.js';
import { configFor, runRule, type RunOptions } from './support.js';

beforeAll(async () => {
  await initParser();
});

function lines(id: string, sql: string, opts: RunOptions = {}): number[] {
  const rule = getRule(id);
  if (!rule) throw new Error(`no rule ${id}`);
  return runRule(rule, sql, opts).map((f) => f.line);
}
const first = (id: string, sql: string, opts: RunOptions = {}) => runRule(getRule(id)!, sql, opts)[0];

describe('adding-field-with-default', () => {
  const id = 'adding-field-with-default';
  it('allows constant and stable defaults on PG 11+', () => {
    expect(lines(id, "ALTER TABLE users ADD COLUMN plan text NOT NULL DEFAULT 'free';")).toEqual([]);
    expect(lines(id, 'ALTER TABLE users ADD COLUMN created_at timestamptz DEFAULT now();')).toEqual([]);
    expect(lines(id, 'ALTER TABLE users ADD COLUMN n int DEFAULT NULL;', { pgVersion: 10 })).toEqual([]);
  });
  it('flags volatile defaults, including unknown functions', () => {
    expect(lines(id, 'ALTER TABLE users ADD COLUMN r float8 DEFAULT random();')).toEqual([1]);
    expect(lines(id, 'SELECT 1;\nALTER TABLE users ADD COLUMN c text DEFAULT my_func();')).toEqual([2]);
  });
  it('builds the fix from the actual names and default', () => {
    expect(first(id, 'ALTER TABLE app.users ADD COLUMN token uuid NOT NULL DEFAULT gen_random_uuid();')!.fix!.sql).toBe(
      'ALTER TABLE app.users ADD COLUMN token uuid;\n' +
        'ALTER TABLE app.users ALTER COLUMN token SET DEFAULT gen_random_uuid();\n' +
        '-- Backfill in batches (repeat until no rows are updated):\n' +
        'UPDATE app.users SET token = gen_random_uuid()\n' +
        '  WHERE ctid IN (SELECT ctid FROM app.users WHERE token IS NULL LIMIT 1000);\n' +
        '-- Then enforce NOT NULL without a long lock:\n' +
        'ALTER TABLE app.users ADD CONSTRAINT users_token_not_null CHECK (token IS NOT NULL) NOT VALID;\n' +
        '-- In a separate migration (the validation scan takes only SHARE UPDATE EXCLUSIVE):\n' +
        'ALTER TABLE app.users VALIDATE CONSTRAINT users_token_not_null;\n' +
        'ALTER TABLE app.users ALTER COLUMN token SET NOT NULL;\n' +
        'ALTER TABLE app.users DROP CONSTRAINT users_token_not_null;',
    );
  });
});

describe('changing-column-type', () => {
  const id = 'changing-column-type';
  it('accepts widenings that do not rewrite, judged by the old type from the history', async () => {
    const config = configFor(getRule(id)!);
    const history = [{ path: 'db/0001.sql', content: 'CREATE TABLE users (id int PRIMARY KEY, name varchar(100), price numeric(10, 2));' }];
    const lint = async (sql: string) => {
      const r = await analyze({ files: [{ path: 'db/0002.sql', content: sql }], history, config });
      return r.files.flatMap((f) => f.findings).filter((f) => f.rule === id).map((f) => f.line);
    };
    expect(await lint('ALTER TABLE users ALTER COLUMN name TYPE varchar(500);')).toEqual([]);
    expect(await lint('ALTER TABLE users ALTER COLUMN price TYPE numeric(12, 2);')).toEqual([]);
    expect(await lint('ALTER TABLE users ALTER COLUMN name TYPE varchar(50);')).toEqual([1]);
  });
  it('counts a change of an unknown old type as a rewrite: nothing proves it binary-coercible', () => {
    expect(lines(id, 'ALTER TABLE users ALTER COLUMN name TYPE varchar(500);')).toEqual([1]);
  });
  it('flags rewriting changes, USING included', () => {
    expect(lines(id, 'ALTER TABLE users ALTER COLUMN id TYPE bigint;')).toEqual([1]);
    expect(lines(id, 'ALTER TABLE users ALTER COLUMN name TYPE text USING trim(name);')).toEqual([1]);
  });
  it('uses the column type declared earlier in the file', () => {
    const sql = 'CREATE TABLE t (a varchar(10));\nCOMMIT;\nALTER TABLE t ALTER COLUMN a TYPE varchar(5);';
    // t is new in this file: not a hazard whatever the change
    expect(lines(id, sql)).toEqual([]);
  });
});

describe('adding-not-nullable-field', () => {
  const id = 'adding-not-nullable-field';
  const proven = [
    'ALTER TABLE users ADD CONSTRAINT users_email_nn CHECK (email IS NOT NULL) NOT VALID;',
    'ALTER TABLE users VALIDATE CONSTRAINT users_email_nn;',
    'ALTER TABLE users ALTER COLUMN email SET NOT NULL;',
  ].join('\n');
  it('accepts SET NOT NULL after a validated CHECK (col IS NOT NULL) on PG 12+', () => {
    expect(lines(id, proven)).toEqual([]);
  });
  it('still flags it on PG 11, where the check does not skip the scan', () => {
    expect(lines(id, proven, { pgVersion: 11 })).toEqual([3]);
    expect(first(id, proven, { pgVersion: 11 })!.fix).toBeUndefined();
  });
  it('does not count a check on another column or an unvalidated one', () => {
    const other = 'ALTER TABLE users ADD CONSTRAINT c CHECK (name IS NOT NULL);\nALTER TABLE users ALTER COLUMN email SET NOT NULL;';
    expect(lines(id, other)).toEqual([2]);
    const unvalidated = 'ALTER TABLE users ADD CONSTRAINT c CHECK (email IS NOT NULL) NOT VALID;\nALTER TABLE users ALTER COLUMN email SET NOT NULL;';
    expect(lines(id, unvalidated)).toEqual([2]);
  });
  it('gives no replacing fix for a multi-command ALTER TABLE', () => {
    const f = first(id, 'ALTER TABLE users ALTER COLUMN email SET NOT NULL, ALTER COLUMN name SET NOT NULL;');
    expect(f!.fix).toBeUndefined();
  });
});

describe('transaction model rules', () => {
  it('ban-concurrent-index-creation-in-transaction follows the file transaction mode', () => {
    const id = 'ban-concurrent-index-creation-in-transaction';
    const sql = 'CREATE INDEX CONCURRENTLY i ON users (email);\nDROP INDEX CONCURRENTLY j;';
    expect(lines(id, sql, { transaction: 'transaction' })).toEqual([1, 2]);
    expect(lines(id, sql, { transaction: 'none' })).toEqual([]);
    expect(lines(id, 'BEGIN;\nREINDEX INDEX CONCURRENTLY i;\nCOMMIT;\nREINDEX INDEX CONCURRENTLY i;', { transaction: 'none' })).toEqual([2]);
  });

  it('non-transactional-statement-in-transaction knows ALTER TYPE … ADD VALUE changed in PG 12', () => {
    const id = 'non-transactional-statement-in-transaction';
    const sql = "ALTER TYPE mood ADD VALUE 'meh';";
    expect(lines(id, sql, { pgVersion: 11 })).toEqual([1]);
    expect(lines(id, sql, { pgVersion: 12 })).toEqual([]);
  });

  it('transaction-nesting flags COMMIT inside the framework transaction only', () => {
    const id = 'transaction-nesting';
    const sql = 'ALTER TABLE users ADD COLUMN a text;\nCOMMIT;';
    expect(lines(id, sql, { transaction: 'transaction' })).toEqual([2]);
    expect(lines(id, 'BEGIN;\nALTER TABLE users ADD COLUMN a text;\nCOMMIT;', { transaction: 'none' })).toEqual([]);
  });

  it('hold-access-exclusive-lock flags slow work under a held lock, once', () => {
    const id = 'hold-access-exclusive-lock';
    const quick = 'ALTER TABLE users ADD COLUMN a text;\nALTER TABLE users ADD COLUMN b text;';
    expect(lines(id, quick)).toEqual([]);
    const index = 'ALTER TABLE users ADD COLUMN a text;\nCREATE INDEX orders_user_idx ON orders (user_id);\nCREATE INDEX orders_at_idx ON orders (at);';
    expect(lines(id, index)).toEqual([2]);
    expect(first(id, index)!.severity).toBe('error');
    const otherLock = 'ALTER TABLE users ADD COLUMN a text;\nALTER TABLE orders ADD COLUMN b text;';
    expect(first(id, otherLock)).toMatchObject({ line: 2, severity: 'info', relation: 'public.users' });
    expect(lines(id, `SET lock_timeout = '3s';\n${otherLock}`)).toEqual([]);
  });

  it('hold-access-exclusive-lock ends at COMMIT and ignores new tables', () => {
    const id = 'hold-access-exclusive-lock';
    const committed = "BEGIN;\nALTER TABLE users ADD COLUMN a text;\nCOMMIT;\nUPDATE users SET a = 'x';";
    expect(lines(id, committed, { transaction: 'none' })).toEqual([]);
    const fresh = "CREATE TABLE t (id bigint PRIMARY KEY);\nALTER TABLE t ADD COLUMN a text;\nUPDATE users SET a = 'x';";
    expect(lines(id, fresh)).toEqual([]);
    const autocommit = "ALTER TABLE users ADD COLUMN a text;\nUPDATE users SET a = 'x';";
    expect(lines(id, autocommit, { transaction: 'none' })).toEqual([]);
  });

  it('hold-access-exclusive-lock reads the held locks from the model: ROLLBACK TO SAVEPOINT gives them back', () => {
    const id = 'hold-access-exclusive-lock';
    const undone = "SAVEPOINT s;\nALTER TABLE users ADD COLUMN a text;\nROLLBACK TO SAVEPOINT s;\nUPDATE users SET email = 'x';";
    expect(lines(id, undone)).toEqual([]);
    const kept = "SAVEPOINT s;\nALTER TABLE users ADD COLUMN a text;\nRELEASE SAVEPOINT s;\nUPDATE users SET email = 'x';";
    expect(first(id, kept)).toMatchObject({ line: 4, relation: 'public.users', severity: 'error' });
  });

  it('require-timeout-settings reports the first statement only, and not for new tables', () => {
    const id = 'require-timeout-settings';
    expect(lines(id, 'SELECT 1;\nALTER TABLE users ADD COLUMN a text;\nALTER TABLE orders ADD COLUMN b text;')).toEqual([2]);
    expect(lines(id, 'CREATE TABLE t (id bigint);\nALTER TABLE t ADD COLUMN a text;\nCREATE INDEX t_a ON t (a);')).toEqual([]);
    // CONCURRENTLY takes SHARE UPDATE EXCLUSIVE, which does not block application traffic
    expect(lines(id, 'CREATE INDEX CONCURRENTLY i ON users (email);', { transaction: 'none' })).toEqual([]);
  });
});

describe('unbatched-data-migration', () => {
  const id = 'unbatched-data-migration';
  it('flags whole-table updates and deletes', () => {
    expect(lines(id, "UPDATE users SET plan = 'free';\nDELETE FROM sessions WHERE expires_at < now();")).toEqual([1, 2]);
  });
  it('accepts point updates, batches and new tables', () => {
    expect(lines(id, "UPDATE settings SET value = 'on' WHERE key = 'beta';")).toEqual([]);
    // a deliberate system-catalog edit is not a data migration
    expect(lines(id, 'UPDATE pg_index SET indisready = false WHERE indrelid = 1;\nUPDATE pg_catalog.pg_index SET indisvalid = true;')).toEqual([]);
    expect(lines(id, 'DELETE FROM users WHERE id IN (1, 2, 3);')).toEqual([]);
    expect(lines(id, 'DELETE FROM users WHERE id IN (SELECT id FROM users WHERE banned LIMIT 500);')).toEqual([]);
    expect(lines(id, "CREATE TABLE t (id bigint, a text);\nUPDATE t SET a = 'x';")).toEqual([]);
  });
  it('fixes a DELETE with a committed batch loop', () => {
    expect(first(id, 'DELETE FROM sessions WHERE expires_at < now();')!.fix).toMatchObject({
      outsideTransaction: true,
      sql: [
        'DO $$',
        'DECLARE',
        '  batch_rows bigint;',
        'BEGIN',
        '  LOOP',
        '    DELETE FROM sessions',
        '      WHERE ctid IN (SELECT ctid FROM sessions WHERE expires_at < now() LIMIT 1000);',
        '    GET DIAGNOSTICS batch_rows = ROW_COUNT;',
        '    EXIT WHEN batch_rows = 0;',
        '    COMMIT;',
        '  END LOOP;',
        'END $$;',
      ].join('\n'),
    });
  });
});

describe('statements inside DO blocks', () => {
  it('are linted at their own line, without a replacing fix', () => {
    const sql = 'DO $$\nBEGIN\n  ALTER TABLE users ADD CONSTRAINT users_age_check CHECK (age >= 0);\nEND\n$$;';
    const f = runRule(getRule('constraint-missing-not-valid')!, sql);
    expect(f.map((x) => x.line)).toEqual([3]);
    expect(f[0]!.fix).toBeUndefined();
  });
});

describe('foreign keys', () => {
  it('adding-foreign-key-constraint leaves NOT VALID constraints alone and keeps ON DELETE in the fix', () => {
    const id = 'adding-foreign-key-constraint';
    expect(lines(id, 'ALTER TABLE orders ADD CONSTRAINT fk FOREIGN KEY (user_id) REFERENCES users NOT VALID;')).toEqual([]);
    const f = first(id, 'ALTER TABLE orders ADD FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE;');
    expect(f!.fix!.sql).toBe(
      'ALTER TABLE orders ADD CONSTRAINT orders_user_id_fkey FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE NOT VALID;\n' +
        '-- In a separate migration:\nALTER TABLE orders VALIDATE CONSTRAINT orders_user_id_fkey;',
    );
    expect(f!.lockMode).toBe('SHARE ROW EXCLUSIVE');
  });

  it('adding-required-field trusts evidence that the table is empty', () => {
    const id = 'adding-required-field';
    expect(lines(id, 'ALTER TABLE t ADD COLUMN x text NOT NULL;')).toEqual([1]);
    expect(lines(id, 'DELETE FROM t;\nALTER TABLE t ADD COLUMN x text NOT NULL;')).toEqual([]);
    expect(lines(id, 'TRUNCATE t CASCADE;\nALTER TABLE t ADD COLUMN x text NOT NULL;')).toEqual([]);
    // a NOT NULL column without a default that succeeded earlier proves the table empty
    expect(lines(id, 'ALTER TABLE t ADD COLUMN a int NOT NULL;\nALTER TABLE t ADD COLUMN b text NOT NULL;')).toEqual([1]);
    // the evidence ends with its transaction
    expect(lines(id, 'BEGIN;\nDELETE FROM t;\nCOMMIT;\nALTER TABLE t ADD COLUMN x text NOT NULL;', { transaction: 'none' })).toEqual([4]);
  });

  it('adding-foreign-key-constraint claims no scan for REFERENCES on a new column without a default', () => {
    const id = 'adding-foreign-key-constraint';
    // PostgreSQL skips validation: every new value is NULL
    expect(lines(id, 'ALTER TABLE orders ADD COLUMN shop_id bigint REFERENCES shops (id);')).toEqual([]);
    expect(lines(id, 'ALTER TABLE orders ADD COLUMN a int REFERENCES x, ADD COLUMN b int REFERENCES y;')).toEqual([]);
    // a default on any column added by the statement makes PostgreSQL validate
    expect(lines(id, 'ALTER TABLE orders ADD COLUMN shop_id bigint DEFAULT 1 REFERENCES shops (id);')).toEqual([1]);
    expect(lines(id, 'ALTER TABLE orders ADD COLUMN shop_id bigint REFERENCES shops (id), ADD COLUMN n int DEFAULT 0;')).toEqual([1]);
  });

  it('require-index-for-foreign-key judges only columns it can see', () => {
    const id = 'require-index-for-foreign-key';
    // an old column of an old table may well be indexed already
    expect(lines(id, 'ALTER TABLE orders ADD CONSTRAINT fk FOREIGN KEY (user_id) REFERENCES users (id) NOT VALID;')).toEqual([]);
    expect(lines(id, 'ALTER TABLE orders ADD COLUMN shop_id bigint REFERENCES shops (id);')).toEqual([1]);
    // a composite primary key with the column first covers it
    expect(lines(id, 'CREATE TABLE tags (post_id bigint REFERENCES posts, tag text, PRIMARY KEY (post_id, tag));')).toEqual([]);
    expect(lines(id, 'CREATE TABLE tags (post_id bigint REFERENCES posts, tag text, PRIMARY KEY (tag, post_id));')).toEqual([1]);
  });
});

describe('data modelling', () => {
  it('redundant-index ignores unique and partial indexes', () => {
    const id = 'redundant-index';
    expect(lines(id, 'CREATE INDEX a_b ON t (a, b);\nCREATE UNIQUE INDEX a_u ON t (a);')).toEqual([]);
    expect(lines(id, 'CREATE INDEX a_b ON t (a, b);\nCREATE INDEX a_p ON t (a) WHERE deleted_at IS NULL;')).toEqual([]);
    expect(lines(id, 'CREATE INDEX a_b ON t (a, b);\nCREATE INDEX b_only ON t (b);')).toEqual([]);
    expect(lines(id, 'CREATE INDEX x1 ON t (a);\nCREATE INDEX x2 ON t (a);')).toEqual([2]);
  });
  it('type rules point at the column type inside a long statement', () => {
    const sql = 'SELECT 1;\nCREATE TABLE e (\n  id bigint PRIMARY KEY,\n\tat   timestamp NOT NULL,\n  payload json\n);';
    expect(first('prefer-timestamptz', sql)).toMatchObject({ line: 4, column: 7, endLine: 4, endColumn: 16 });
    expect(first('prefer-jsonb', sql)).toMatchObject({ line: 5, column: 11, endLine: 5, endColumn: 15 });
    expect(first('prefer-jsonb', 'ALTER TABLE t ADD COLUMN p json;')).toMatchObject({ line: 1, column: 28, endColumn: 32 });
  });
  it('prefer-timestamptz fixes every column of the statement at once', () => {
    const f = first('prefer-timestamptz', 'CREATE TABLE e (id bigint PRIMARY KEY, a timestamp, b timestamp(3) without time zone);');
    expect(f!.fix!.sql).toBe('CREATE TABLE e (id bigint PRIMARY KEY, a timestamptz, b timestamptz(3));');
    expect(lines('prefer-timestamptz', 'CREATE TABLE e (a timestamp with time zone, b timestamptz);')).toEqual([]);
  });
  it('require-primary-key accepts a key added later in the file and skips partitions', () => {
    const id = 'require-primary-key';
    expect(lines(id, 'CREATE TABLE t (id bigint);\nALTER TABLE t ADD PRIMARY KEY (id);')).toEqual([]);
    expect(lines(id, "CREATE TABLE m_2024 PARTITION OF m FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');")).toEqual([]);
    expect(lines(id, 'CREATE TEMP TABLE scratch (a int);')).toEqual([]);
  });
  it('prefer-bigint-primary-key ignores bigint and composite keys', () => {
    const id = 'prefer-bigint-primary-key';
    expect(lines(id, 'CREATE TABLE t (id bigint PRIMARY KEY);')).toEqual([]);
    expect(lines(id, 'CREATE TABLE t (a int, b int, PRIMARY KEY (a, b));')).toEqual([]);
  });
});

describe('security', () => {
  it('security-definer-without-search-path accepts a pinned path and SECURITY INVOKER', () => {
    const id = 'security-definer-without-search-path';
    expect(lines(id, "CREATE FUNCTION f() RETURNS int LANGUAGE sql SECURITY DEFINER SET search_path = public AS 'select 1';")).toEqual([]);
    expect(lines(id, "CREATE FUNCTION f() RETURNS int LANGUAGE sql SECURITY INVOKER AS 'select 1';")).toEqual([]);
  });
  it('grant-to-public ignores REVOKE and named roles', () => {
    const id = 'grant-to-public';
    expect(lines(id, 'REVOKE ALL ON t FROM PUBLIC;\nGRANT SELECT ON t TO app;')).toEqual([]);
    expect(first(id, 'GRANT EXECUTE ON FUNCTION f() TO public;')!.message).toBe('GRANT EXECUTE on function TO PUBLIC gives it to every role.');
  });
  it('role-password-literal accepts SCRAM verifiers and NULL', () => {
    const id = 'role-password-literal';
    expect(lines(id, "ALTER ROLE app PASSWORD 'SCRAM-SHA-256$4096:abc$def:ghi';\nCREATE USER u PASSWORD NULL;")).toEqual([]);
    expect(lines(id, "SELECT 1;\nALTER USER app WITH PASSWORD 'secret';")).toEqual([2]);
  });
  it('disable-row-level-security flags NO FORCE too', () => {
    expect(lines('disable-row-level-security', 'ALTER TABLE docs NO FORCE ROW LEVEL SECURITY;')).toEqual([1]);
    expect(lines('disable-row-level-security', 'ALTER TABLE docs ENABLE ROW LEVEL SECURITY;')).toEqual([]);
  });
});

describe('operations', () => {
  it('ban-lock-table ignores weak lock modes', () => {
    expect(lines('ban-lock-table', 'LOCK TABLE users IN ACCESS SHARE MODE;')).toEqual([]);
    expect(lines('ban-lock-table', 'LOCK TABLE users IN SHARE MODE;')).toEqual([1]);
  });
  it('ban-vacuum-full ignores plain VACUUM and FULL false', () => {
    expect(lines('ban-vacuum-full', 'VACUUM (FULL false) users;\nVACUUM users;', { transaction: 'none' })).toEqual([]);
    expect(lines('ban-vacuum-full', 'VACUUM (FULL, ANALYZE) users;', { transaction: 'none' })).toEqual([1]);
  });
  it('attach-partition-without-check accepts a validated check on the partition', () => {
    const sql = [
      "ALTER TABLE m_2024 ADD CONSTRAINT b CHECK (d >= '2024-01-01' AND d < '2025-01-01');",
      "ALTER TABLE m ATTACH PARTITION m_2024 FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');",
    ].join('\n');
    expect(lines('attach-partition-without-check', sql)).toEqual([]);
    expect(lines('attach-partition-without-check', 'ALTER TABLE m ATTACH PARTITION m_def DEFAULT;')).toEqual([]);
  });
  it('identifier-too-long sees quoted identifiers and ignores string literals', () => {
    const long = 'x'.repeat(64);
    expect(lines('identifier-too-long', `ALTER TABLE t ADD COLUMN "${long}" text;`)).toEqual([1]);
    expect(lines('identifier-too-long', `INSERT INTO t (a) VALUES ('${long}');`)).toEqual([]);
    expect(lines('identifier-too-long', `SELECT 1;\nCREATE INDEX ${long} ON t (a);`)).toEqual([2]);
    expect(lines('identifier-too-long', `-- ${long}\nCREATE FUNCTION f() RETURNS int AS $b$ SELECT 1 AS ${long} $b$ LANGUAGE sql;`)).toEqual([]);
  });
  it('identifier-too-long finds long names its quick pre-check must not skip', () => {
    const spaced = Array.from({ length: 13 }, () => 'word').join(' ');
    // Quoted with spaces, after a stray quote in a string literal; a doubled quote inside a name.
    expect(lines('identifier-too-long', `SELECT 1;\nALTER TABLE t ADD COLUMN c text DEFAULT 'a "quote', ADD COLUMN "${spaced}" text;`)).toEqual([2]);
    expect(lines('identifier-too-long', `ALTER TABLE t ADD COLUMN "${'a'.repeat(40)}""${'b'.repeat(30)}" text;`)).toEqual([1]);
    // 22 three-byte characters: 66 bytes in 22 characters, quoted or not.
    expect(lines('identifier-too-long', `ALTER TABLE t ADD COLUMN ${'€'.repeat(22)} text;`)).toEqual([1]);
    expect(lines('identifier-too-long', `ALTER TABLE t ADD COLUMN "${'€'.repeat(22)}" text;`)).toEqual([1]);
    // Short quoted and multi-byte names stay quiet.
    expect(lines('identifier-too-long', `ALTER TABLE "t" ADD COLUMN "${'€'.repeat(21)}" text, ADD COLUMN "a b" int;`)).toEqual([]);
  });
});

describe('ban-multiple-foreign-keys', () => {
  const id = 'ban-multiple-foreign-keys';
  it('counts foreign keys per transaction on existing tables only', () => {
    const two = 'ALTER TABLE a ADD FOREIGN KEY (x) REFERENCES b;\nALTER TABLE c ADD COLUMN y bigint REFERENCES d;\nALTER TABLE e ADD FOREIGN KEY (z) REFERENCES f;';
    expect(lines(id, two)).toEqual([2]);
    const split = 'BEGIN;\nALTER TABLE a ADD FOREIGN KEY (x) REFERENCES b;\nCOMMIT;\nBEGIN;\nALTER TABLE c ADD FOREIGN KEY (y) REFERENCES d;\nCOMMIT;';
    expect(lines(id, split, { transaction: 'none' })).toEqual([]);
    const fresh = 'CREATE TABLE a (x bigint, y bigint);\nALTER TABLE a ADD FOREIGN KEY (x) REFERENCES b;\nALTER TABLE a ADD FOREIGN KEY (y) REFERENCES c;';
    expect(lines(id, fresh)).toEqual([]);
  });
});
