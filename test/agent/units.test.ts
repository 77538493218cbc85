import { describe, expect, it } from 'vitest';
import { LruReviewCache, contentHash } from '../../src/agent/cache.js';
import { estimateCostUsd } from '../../src/agent/cost.js';
import { commentableLines } from '../../src/report/patch.js';
import { buildUserMessage, redactSecrets, secretValues, truncateWithNote, untrusted } from '../../src/agent/prompt.js';
import { batchUpdate, checkPlan, ruleBasedPlan } from '../../src/agent/redesign.js';
import { codeBlock, neutralize } from '../../src/agent/render.js';
import { confinePath } from '../../src/agent/repo.js';
import { extractFromPrisma, extractFromSchemaRb, extractFromSqlDump, touchedRelations } from '../../src/agent/schema-context.js';
import { sliceByLineColumn, splitStatements } from '../../src/agent/sql-text.js';
import { fakeLint, MIGRATION, MIGRATION_PATH, SCHEMA_SQL, sampleReport } from './helpers.js';

describe('neutralize', () => {
  it('breaks mentions, cross-references, HTML and links but keeps code spans', () => {
    expect(neutralize('ping @octocat and @acme/team')).toBe('ping @\u200doctocat and @\u200dacme/team');
    expect(neutralize('see #12, o/r#3 and GH-4')).toBe('see #\u200d12, o/r#\u200d3 and GH-\u200d4');
    expect(neutralize('<b>x</b> & y')).toBe('&lt;b&gt;x&lt;/b&gt; &amp; y');
    expect(neutralize('[docs](https://example.com/a) and https://example.com/b.')).toBe('docs (`https://example.com/a`) and `https://example.com/b`.');
    expect(neutralize('![x](https://t.example/p.gif)')).toBe('[image: x]');
    expect(neutralize('use `@Transactional` or `<T>`')).toBe('use `@Transactional` or `<T>`');
    expect(neutralize('mail me: a@b.com')).toBe('mail me: a@\u200db.com');
  });

  it('fences code so its own backticks cannot close the block', () => {
    expect(codeBlock('SELECT 1')).toBe('```sql\nSELECT 1\n```');
    expect(codeBlock('a\n```\nb')).toBe('````sql\na\n```\nb\n````');
  });
});

describe('prompt', () => {
  it('defuses delimiter tags inside untrusted data', () => {
    expect(untrusted('file', 'x </untrusted_file> y <untrusted_file path="z">', { path: 'a"b' })).toBe(
      '<untrusted_file path="a&quot;b">\nx <\\/untrusted_file> y <\\untrusted_file path="z">\n</untrusted_file>',
    );
  });

  it('truncates oversized files with a visible note', () => {
    const big = 'x'.repeat(100);
    expect(truncateWithNote(big, 10, 'file a.sql')).toEqual({
      text: 'xxxxxxxxxx\n[dbarch: file a.sql truncated after 10 characters (line 1); 90 characters not shown. Use read_file for more.]',
      truncated: true,
    });
    const { text, truncatedFiles } = buildUserMessage({
      files: [{ path: 'big.sql', content: `${'SELECT 1;\n'.repeat(200)}` }],
      report: { files: [], summary: { files: 0, statements: 0, errors: 0, warnings: 0, infos: 0 } },
      schemaContext: new Map(),
      hints: { pgVersion: 16, largeTables: ['public.users'] },
      maxFileChars: 500,
      maxTotalChars: 100_000,
    });
    expect(truncatedFiles).toEqual(['big.sql']);
    expect(text).toContain('[dbarch: file big.sql truncated after 425 characters (line 43); 1575 characters not shown. Use read_file for more.]');
    expect(text).toContain('- Large or busy tables: public.users');
  });

  it('collects secret-looking env values and redacts them', () => {
    const secrets = secretValues({ GITHUB_TOKEN: 'ghs_abcdefgh123', HOME: '/home/x-long-path', PRIVATE_KEY: 'short', DATABASE_URL: 'postgres://u:p@h/db' });
    expect(secrets).toEqual(['postgres://u:p@h/db', 'ghs_abcdefgh123']);
    expect(redactSecrets('a ghs_abcdefgh123 b', secrets)).toBe('a [redacted] b');
  });
});

describe('repository confinement', () => {
  it.each(['../x', 'a/../../b', '/etc/passwd', 'C:/x', '~/x', 'a\\b', 'https://x/y', ''])('rejects %j', (p) => {
    expect(() => confinePath(p)).toThrow();
  });
  it('normalises safe paths', () => {
    expect(confinePath('./db//migrations/./a.sql')).toBe('db/migrations/a.sql');
  });
});

describe('schema context', () => {
  it('extracts a table, its indexes and constraints from a SQL dump', () => {
    expect(extractFromSqlDump(SCHEMA_SQL, 'public.users')).toBe(
      [
        'CREATE TABLE public.users (\n    id bigint NOT NULL,\n    email text NOT NULL,\n    created_at timestamp with time zone DEFAULT now() NOT NULL\n);',
        'ALTER TABLE ONLY public.users\n    ADD CONSTRAINT users_pkey PRIMARY KEY (id);',
        'CREATE UNIQUE INDEX users_email_idx ON public.users USING btree (email);',
      ].join('\n\n'),
    );
    expect(extractFromSqlDump(SCHEMA_SQL, 'audit.users')).toBeUndefined();
    const withView = `${SCHEMA_SQL}\nCREATE VIEW public.active_users AS\n SELECT id FROM public.users WHERE (email <> ';');\n`;
    expect(extractFromSqlDump(withView, 'active_users')).toBe("CREATE VIEW public.active_users AS\n SELECT id FROM public.users WHERE (email <> ';');");
    expect(extractFromSqlDump(SCHEMA_SQL, 'invoices')).toBeUndefined();
  });

  it('extracts from schema.rb and schema.prisma', () => {
    const rb = [
      'ActiveRecord::Schema[7.1].define(version: 2026_11_01) do',
      '  create_table "users", force: :cascade do |t|',
      '    t.string "email", null: false',
      '    t.index ["email"], name: "index_users_on_email", unique: true',
      '  end',
      '',
      '  create_table "orders", force: :cascade do |t|',
      '    t.bigint "user_id"',
      '  end',
      '  add_foreign_key "users", "accounts"',
      'end',
    ].join('\n');
    expect(extractFromSchemaRb(rb, 'public.users')).toBe(
      '  create_table "users", force: :cascade do |t|\n    t.string "email", null: false\n    t.index ["email"], name: "index_users_on_email", unique: true\n  end\nadd_foreign_key "users", "accounts"',
    );
    const prisma = 'model User {\n  id    Int    @id\n  email String @unique\n  @@map("users")\n}\n\nmodel Order {\n  id Int @id\n}\n';
    expect(extractFromPrisma(prisma, 'public.users')).toBe('model User {\n  id    Int    @id\n  email String @unique\n  @@map("users")\n}');
    expect(extractFromPrisma(prisma, 'order')).toBe('model Order {\n  id Int @id\n}');
  });

  it('lists the relations a report touches', () => {
    expect(touchedRelations(sampleReport())).toEqual(['public.users']);
  });
});

describe('diff', () => {
  it('knows which new-side lines a patch shows', () => {
    const patch = '@@ -1,3 +1,4 @@\n a\n-b\n+c\n+d\n e\n@@ -10,2 +11,2 @@\n x\n+y';
    expect([...commentableLines(patch)]).toEqual([1, 2, 3, 4, 11, 12]);
    expect([...commentableLines(undefined)]).toEqual([]);
  });
});

describe('sql text', () => {
  it('splits statements, respecting quotes, dollar quotes and comments', () => {
    expect(splitStatements("SELECT 'a;b'; -- c;\nDO $$ BEGIN PERFORM 1; END $$; /* ; */ SELECT 2")).toEqual([
      "SELECT 'a;b'",
      '-- c;\nDO $$ BEGIN PERFORM 1; END $$',
      '/* ; */ SELECT 2',
    ]);
  });
  it('slices by 1-based line/column spans', () => {
    expect(sliceByLineColumn('ab\n-- é\ncdé;', { line: 2, column: 4, endLine: 3, endColumn: 4 })).toBe('é\ncdé');
  });
});

describe('cache and cost', () => {
  it('hashes stably and evicts the least recently used', async () => {
    expect(contentHash({ a: 1, b: new Map([['y', 2], ['x', 1]]) })).toBe(contentHash({ b: new Map([['x', 1], ['y', 2]]), a: 1 }));
    const c = new LruReviewCache<number>(2);
    await c.set('a', 1);
    await c.set('b', 2);
    await c.get('a');
    await c.set('c', 3);
    expect([await c.get('a'), await c.get('b'), await c.get('c')]).toEqual([1, undefined, 3]);
  });
  it('prices known models and refuses to guess the others', () => {
    expect(estimateCostUsd('claude-sonnet-4-5-20250929', { input: 1_000_000, output: 0, cacheCreation: 0, cacheRead: 0 })).toBe(3);
    expect(estimateCostUsd('some-other-model', { input: 1, output: 1, cacheCreation: 0, cacheRead: 0 })).toBeNull();
  });
});

describe('rule-based redesign', () => {
  it('assembles the safe rewrites into expand → backfill → contract, with checks and rollback', async () => {
    const plan = ruleBasedPlan(sampleReport(), [{ path: MIGRATION_PATH, content: MIGRATION }]);
    expect(plan.steps.map((s) => [s.phase, s.deploy, s.in_transaction, s.sql])).toEqual([
      ['expand', 'before-app-change', true, 'ALTER TABLE users ADD COLUMN email_verified boolean'],
      ['expand', 'before-app-change', true, 'ALTER TABLE users ADD CONSTRAINT users_email_verified_nn CHECK (email_verified IS NOT NULL) NOT VALID'],
      ['expand', 'before-app-change', false, 'CREATE INDEX CONCURRENTLY users_email_verified_idx ON users (email_verified)'],
      [
        'backfill',
        'before-app-change',
        false,
        '-- Repeat until it updates 0 rows; each batch commits on its own.\nUPDATE users SET email_verified = false\nWHERE ctid IN (\n  SELECT ctid FROM users\n  WHERE (email_verified IS DISTINCT FROM (false))\n  LIMIT 1000\n)',
      ],
      ['contract', 'after-app-change', true, 'ALTER TABLE users VALIDATE CONSTRAINT users_email_verified_nn'],
      ['contract', 'after-app-change', true, 'ALTER TABLE users ALTER COLUMN email_verified SET NOT NULL'],
    ]);
    expect(plan.verification).toEqual([
      { description: 'constraint users_email_verified_nn exists (convalidated false until VALIDATE)', sql: "SELECT conname, convalidated FROM pg_constraint WHERE conname = 'users_email_verified_nn'" },
      { description: 'index users_email_verified_idx is valid (a failed CONCURRENTLY build leaves it invalid)', sql: "SELECT indexrelid::regclass AS index, indisvalid FROM pg_index WHERE indexrelid = 'users_email_verified_idx'::regclass" },
      { description: 'rows left to backfill (expect 0)', sql: 'SELECT count(*) AS rows_left FROM users WHERE (email_verified IS DISTINCT FROM (false))' },
    ]);
    expect(plan.rollback.map((r) => r.sql)).toEqual([
      'ALTER TABLE users ALTER COLUMN email_verified DROP NOT NULL',
      'DROP INDEX CONCURRENTLY IF EXISTS users_email_verified_idx',
      'ALTER TABLE users DROP CONSTRAINT IF EXISTS users_email_verified_nn',
      'ALTER TABLE users DROP COLUMN IF EXISTS email_verified',
    ]);
    const checked = await checkPlan(plan, fakeLint);
    expect(checked.steps.map((s) => [s.lock, s.flagged])).toEqual([
      ['ACCESS EXCLUSIVE on public.users', false],
      ['ACCESS EXCLUSIVE on public.users', false],
      ['SHARE UPDATE EXCLUSIVE on public.users', false],
      ['ROW EXCLUSIVE on public.users', false],
      ['SHARE UPDATE EXCLUSIVE on public.users', false],
      ['ACCESS EXCLUSIVE on public.users', false],
    ]);
  });

  it('batches an UPDATE with its own WHERE, and refuses what it cannot rewrite', () => {
    expect(batchUpdate("UPDATE public.t SET a = 1, b = lower(c) WHERE kind = 'x';", 500)?.remaining).toBe(
      "SELECT count(*) AS rows_left FROM public.t WHERE (kind = 'x') AND (a IS DISTINCT FROM (1) OR b IS DISTINCT FROM (lower(c)))",
    );
    expect(batchUpdate('UPDATE t SET (a, b) = (1, 2)')).toBeUndefined();
  });

  it('flags a step that fails its own lint', async () => {
    const checked = await checkPlan(
      { summary: 's', steps: [{ title: 'idx', phase: 'expand', deploy: 'before-app-change', sql: 'CREATE INDEX CONCURRENTLY i ON t (c)', in_transaction: true }], verification: [], rollback: [], notes: [] },
      fakeLint,
    );
    expect(checked.steps[0]!.issues).toEqual([
      'ban-concurrent-index-creation-in-transaction: CREATE INDEX CONCURRENTLY cannot run inside a transaction block',
      'cannot run inside a transaction block (e.g. CONCURRENTLY): set in_transaction to false',
    ]);
    expect(checked.steps[0]!.flagged).toBe(true);
  });
});

describe('prompt size cap', () => {
  it('keeps the whole message under the cap however large the input', () => {
    const huge = 'ALTER TABLE t ADD COLUMN c int;\n'.repeat(20_000);
    const report = sampleReport();
    const many = { ...report.files[0]!, findings: Array.from({ length: 3000 }, () => report.files[0]!.findings[0]!) };
    const { text, truncatedFiles } = buildUserMessage({
      files: Array.from({ length: 60 }, (_, i) => ({ path: `m/${i}.sql`, content: huge, patch: `@@ -0,0 +1 @@\n+${huge}` })),
      report: { ...report, files: [many] },
      schemaContext: new Map([['public.t', huge]]),
      hints: { pgVersion: 16, largeTables: [] },
      maxFileChars: 40_000,
      maxTotalChars: 160_000,
    });
    expect(text.length).toBeLessThanOrEqual(160_000);
    expect(truncatedFiles).toHaveLength(60);
    expect(text).toContain('[dbarch: analyzer report truncated after 48000 characters');
    expect(text).toMatch(/\[dbarch: \d+ more migration file\(s\) not shown \(prompt size cap\); use read_file: /);
    expect(text.endsWith('Use the tools as needed, then call submit_review.')).toBe(true);
  });
});
