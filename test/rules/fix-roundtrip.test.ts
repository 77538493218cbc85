// Fixes that work as written: the rewritten SQL runs on PGlite against a table with rows,
// and the rewritten schema behaves like the original intent.
import { PGlite } from '@electric-sql/pglite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getRule, RULES } from '../../src/rules/registry.js';
import type { Rule, RuleExample } from '../../src/rules/types.js';
import { initParser, parseSql } from '../../src/sql/index.js';
import { applyFixes, runRule } from './support.js';

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

/**
 * The schema (with rows) each documented example runs against, when the example carries no
 * `schema` of its own. Every example whose bad SQL gets a fix must be here, in `schema`, or in
 * NOT_RUNNABLE with the reason.
 */
const BASE: Record<string, string> = {
  'adding-auto-increment-column#1': "CREATE TABLE events (name text); INSERT INTO events VALUES ('a'), ('b');",
  'adding-column-with-check#1': 'CREATE TABLE items (id bigint PRIMARY KEY); INSERT INTO items VALUES (1), (2);',
  'adding-field-with-default#1': "CREATE TABLE users (id bigint PRIMARY KEY, email text); INSERT INTO users VALUES (1, 'a@x'), (2, 'b@x');",
  'adding-foreign-key-constraint#1':
    'CREATE TABLE users (id bigint PRIMARY KEY); CREATE TABLE orders (id bigint PRIMARY KEY, user_id bigint); INSERT INTO users VALUES (1), (2); INSERT INTO orders VALUES (10, 1), (11, 2), (12, NULL);',
  'adding-foreign-key-constraint#2': 'CREATE TABLE users (id bigint PRIMARY KEY); CREATE TABLE orders (id bigint PRIMARY KEY); INSERT INTO users VALUES (0), (1); INSERT INTO orders VALUES (10), (11);',
  'adding-not-nullable-field#1': "CREATE TABLE users (id bigint PRIMARY KEY, email text); INSERT INTO users VALUES (1, 'a@x'), (2, 'b@x');",
  'adding-primary-key-constraint#1': 'CREATE TABLE items (id bigint NOT NULL, name text); INSERT INTO items VALUES (1, \'a\'), (2, \'b\');',
  'adding-required-field#1': 'CREATE TABLE users (id bigint PRIMARY KEY); INSERT INTO users VALUES (1), (2);',
  'adding-serial-primary-key-field#1': "CREATE TABLE events (name text); INSERT INTO events VALUES ('a'), ('b');",
  'attach-partition-without-check#1': "CREATE TABLE measurements_2024 (id bigint, logdate date NOT NULL); INSERT INTO measurements_2024 VALUES (1, '2024-03-01'), (2, '2024-12-31');",
  'ban-alter-domain-with-add-constraint#1': "CREATE DOMAIN email AS text; CREATE TABLE users (id bigint PRIMARY KEY, email email); INSERT INTO users VALUES (1, 'a@x');",
  'ban-char-field#1': '',
  'ban-concurrent-index-creation-in-transaction#1': "CREATE TABLE users (id bigint PRIMARY KEY, email text); INSERT INTO users VALUES (1, 'a@x');",
  'ban-drop-cascade#1': "CREATE TABLE users (id bigint PRIMARY KEY, active boolean); CREATE VIEW active_users AS SELECT id FROM users WHERE active; INSERT INTO users VALUES (1, true);",
  'ban-drop-cascade#2': 'CREATE TABLE users (id bigint PRIMARY KEY, legacy_id bigint); INSERT INTO users VALUES (1, 7);',
  'ban-money-type#1': 'CREATE TABLE orders (id bigint PRIMARY KEY); INSERT INTO orders VALUES (1);',
  'ban-truncate-cascade#1': 'CREATE TABLE sessions (id bigint PRIMARY KEY); INSERT INTO sessions VALUES (1), (2);',
  'concurrent-index-if-not-exists#1': "CREATE TABLE users (id bigint PRIMARY KEY, email text); INSERT INTO users VALUES (1, 'a@x'), (2, 'b@x');",
  'constraint-missing-not-valid#1': 'CREATE TABLE orders (id bigint PRIMARY KEY, total numeric); INSERT INTO orders VALUES (1, 0), (2, 9.5);',
  'disallowed-unique-constraint#1': "CREATE TABLE users (id bigint PRIMARY KEY, email text); INSERT INTO users VALUES (1, 'a@x'), (2, 'b@x');",
  'non-transactional-statement-in-transaction#1': 'CREATE TABLE users (id bigint PRIMARY KEY); INSERT INTO users VALUES (1);',
  'prefer-bigint-over-int#1': 'CREATE TABLE orders (id bigint PRIMARY KEY); INSERT INTO orders VALUES (1);',
  'prefer-bigint-over-smallint#1': 'CREATE TABLE orders (id bigint PRIMARY KEY); INSERT INTO orders VALUES (1);',
  'prefer-bigint-primary-key#1': '',
  'prefer-bigint-primary-key#2': '',
  'prefer-identity#1': '',
  'prefer-jsonb#1': 'CREATE TABLE users (id bigint PRIMARY KEY); INSERT INTO users VALUES (1);',
  'prefer-robust-stmts#1': "CREATE TABLE users (id bigint PRIMARY KEY, email text); INSERT INTO users VALUES (1, 'a@x');",
  'prefer-text-field#1': '',
  'prefer-timestamptz#1': '',
  'require-concurrent-index-creation#1': "CREATE TABLE users (id bigint PRIMARY KEY, email text); INSERT INTO users VALUES (1, 'a@x');",
  'require-concurrent-index-deletion#1': "CREATE TABLE users (id bigint PRIMARY KEY, email text); CREATE INDEX users_email_idx ON users (email); INSERT INTO users VALUES (1, 'a@x');",
  'require-concurrent-partition-detach#1':
    "CREATE TABLE measurements (id bigint, logdate date NOT NULL) PARTITION BY RANGE (logdate); CREATE TABLE measurements_2020 PARTITION OF measurements FOR VALUES FROM ('2020-01-01') TO ('2021-01-01'); INSERT INTO measurements VALUES (1, '2020-05-05');",
  'require-concurrent-refresh#1':
    "CREATE TABLE orders (id bigint PRIMARY KEY, placed_on date, total numeric); INSERT INTO orders VALUES (1, '2024-01-05', 3); CREATE MATERIALIZED VIEW monthly_totals AS SELECT date_trunc('month', placed_on) AS month, sum(total) AS total FROM orders GROUP BY 1; CREATE UNIQUE INDEX monthly_totals_month ON monthly_totals (month);",
  'require-concurrent-reindex#1': "CREATE TABLE users (id bigint PRIMARY KEY, email text); CREATE INDEX users_email_idx ON users (email); INSERT INTO users VALUES (1, 'a@x');",
  'require-index-for-foreign-key#1': 'CREATE TABLE users (id bigint PRIMARY KEY); INSERT INTO users VALUES (1);',
  'require-statement-timeout#1': 'CREATE TABLE users (id bigint PRIMARY KEY); INSERT INTO users VALUES (1);',
  'require-timeout-settings#1': 'CREATE TABLE users (id bigint PRIMARY KEY); INSERT INTO users VALUES (1);',
  'security-definer-without-search-path#1': 'CREATE SCHEMA app; CREATE TABLE app.users (id bigint PRIMARY KEY); INSERT INTO app.users VALUES (1);',
  'unbatched-data-migration#1': "CREATE TABLE users (id bigint PRIMARY KEY, plan text); INSERT INTO users SELECT g, CASE WHEN g % 2 = 0 THEN 'pro' END FROM generate_series(1, 2500) g;",
};

/**
 * What a person does where the fix says so in a comment (a backfill whose values only the
 * application knows): run in place of that comment line.
 */
const MANUAL_STEPS: Record<string, { at: RegExp; sql: string }> = {
  'adding-required-field#1': { at: /^-- Backfill tenant_id/, sql: 'UPDATE users SET tenant_id = 1;' },
};

/** Examples whose fix cannot run as a whole on PGlite, and why. */
const NOT_RUNNABLE: Record<string, string> = {};

/** Rules whose fix moves the statement into a migration of its own (run alone, outside a transaction). */
const MOVE_OUT = new Set(['ban-concurrent-index-creation-in-transaction', 'non-transactional-statement-in-transaction']);

interface Case {
  key: string;
  rule: Rule;
  example: RuleExample;
}

const CASES: Case[] = [];
beforeAll(() => {
  for (const rule of RULES)
    rule.meta.examples.forEach((example, i) => {
      const found = runRule(rule, example.bad, { transaction: example.transaction ?? 'transaction', ...(example.schema ? { history: example.schema } : {}) });
      if (found.some((f) => f.fix)) CASES.push({ key: `${rule.meta.id}#${i + 1}`, rule, example });
    });
});

/** The file after its fixes: replacing fixes in place, the others appended; a moved-out statement alone. */
function fixedFile(c: Case): { sql: string; outside: boolean } {
  const opts = { transaction: c.example.transaction ?? ('transaction' as const), ...(c.example.schema ? { history: c.example.schema } : {}) };
  const fixes = runRule(c.rule, c.example.bad, opts).filter((f) => f.fix);
  if (MOVE_OUT.has(c.rule.meta.id)) return { sql: fixes.map((f) => f.fix!.sql).join('\n'), outside: true };
  let sql = applyFixes(c.example.bad, fixes.filter((f) => f.fix!.replaces));
  for (const f of fixes) if (!f.fix!.replaces) sql += `\n${f.fix!.sql}`;
  return { sql, outside: c.example.transaction === 'none' || fixes.some((f) => f.fix!.outsideTransaction) };
}

async function resetDatabase(): Promise<void> {
  await db.exec(`DO $$ DECLARE p text; BEGIN FOR p IN SELECT pubname FROM pg_publication LOOP EXECUTE format('DROP PUBLICATION %I', p); END LOOP; END $$;
    DROP SCHEMA IF EXISTS app CASCADE; DROP SCHEMA public CASCADE; CREATE SCHEMA public;
    DO $$ DECLARE d text; BEGIN FOR d IN SELECT typname FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace WHERE n.nspname = 'public' AND t.typtype = 'd' LOOP EXECUTE format('DROP DOMAIN %I CASCADE', d); END LOOP; END $$;`);
}

describe('every documented fix runs as written on its example schema', () => {
  it('covers every example that has a fix', () => {
    const keys = CASES.map((c) => c.key);
    expect(keys.length).toBeGreaterThanOrEqual(40);
    for (const key of keys) {
      const c = CASES.find((x) => x.key === key)!;
      expect(c.example.schema !== undefined || key in BASE || key in NOT_RUNNABLE, `${key}: no base schema`).toBe(true);
    }
    // no stale entries
    for (const key of Object.keys(BASE)) expect(keys, key).toContain(key);
  });

  it('runs each fix on PGlite, and the rule no longer flags it', async () => {
    const failures: string[] = [];
    for (const c of CASES) {
      if (c.key in NOT_RUNNABLE) continue;
      await resetDatabase();
      const schema = c.example.schema ?? BASE[c.key] ?? '';
      if (schema) await db.exec(schema);
      const { sql, outside } = fixedFile(c);
      const manual = MANUAL_STEPS[c.key];
      const statements = parseSql(sql, { path: 'fix.sql' }).statements.filter((s) => !s.nested);
      try {
        // a migration in a transaction runs as one; outside, statement by statement
        if (!outside) await db.exec('BEGIN');
        let manualDone = false;
        for (const s of statements) {
          if (manual && !manualDone && sql.slice(0, sql.indexOf(s.text)).split('\n').some((l) => manual.at.test(l))) {
            await db.exec(manual.sql);
            manualDone = true;
          }
          await db.exec(s.text);
        }
        if (!outside) await db.exec('COMMIT');
      } catch (err) {
        if (!outside) await db.exec('ROLLBACK').catch(() => undefined);
        failures.push(`${c.key}: ${(err as Error).message}\n${sql}`);
        continue;
      }
      const again = runRule(c.rule, sql, { transaction: outside ? 'none' : 'transaction', ...(schema ? { history: schema } : {}) });
      if (again.length) failures.push(`${c.key}: still flagged: ${again.map((f) => f.message).join(' | ')}`);
    }
    expect(failures).toEqual([]);
  }, 120_000);
});
