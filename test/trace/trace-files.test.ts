import { beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { initParser, parseSql } from '../../src/sql/index.js';
import { baseState, clearReplayCache, keepWarmInstance, traceFiles, verifyFix, type TraceFilesResult, type TraceTarget } from '../../src/trace/index.js';
import type { Fix } from '../../src/types.js';

const options = { timeoutMs: 60_000, memoryMb: 512, pgVersion: 18 };

const history = [
  {
    path: 'db/001_init.sql',
    transaction: 'transaction' as const,
    source: `CREATE TABLE customers (id bigint PRIMARY KEY, name text NOT NULL);
CREATE TABLE orders (id bigint PRIMARY KEY, customer_id bigint NOT NULL, total numeric(10,2), note text);
INSERT INTO customers VALUES (1, 'a');
INSERT INTO orders SELECT g, 1, g, 'x' FROM generate_series(1, 50) g;`,
  },
  // a history statement PGlite cannot run must not stop the replay
  { path: 'db/002_bad.sql', transaction: 'none' as const, source: `CREATE EXTENSION IF NOT EXISTS postgis;\nCREATE TABLE audit (id int);` },
  { path: 'db/002_bad.down.sql', transaction: 'none' as const, direction: 'down' as const, source: 'DROP TABLE orders;' },
];

function target(path: string, source: string, extra: Partial<TraceTarget> = {}): TraceTarget {
  return { path, source, parsed: parseSql(source, { path }), transaction: 'transaction', direction: 'up', ...extra };
}

beforeAll(async () => {
  await initParser();
  clearReplayCache();
});

describe('traceFiles', () => {
  it('replays the history, traces the targets in order, and reports failures at the failing statement', async () => {
    const a = target(
      'db/003_status.sql',
      `ALTER TABLE orders ADD COLUMN status text;\nALTER TABLE orders ALTER COLUMN note TYPE varchar(20);\n`,
    );
    // fails on the base: the column exists since 003 (the previous target)
    const b = target('db/004_again.sql', `CREATE INDEX orders_total_idx ON orders (total);\n\nALTER TABLE orders\n  ADD COLUMN status text;\n`);
    const r = await traceFiles({ targets: [a, b], history, options });
    expect(r.engine).toBe('pglite');
    expect(r.base.fromCache).toBe(false);
    expect(r.base.issues).toEqual([{ path: 'db/002_bad.sql', line: 1, message: 'extension "postgis" is not available' }]);
    expect(r.base.unavailableExtensions).toEqual(['postgis']);
    const sa = r.perStatement.get('db/003_status.sql')!;
    expect(sa.get(0)).toMatchObject({ locks: [{ relation: 'public.orders', mode: 'ACCESS EXCLUSIVE' }], rewrote: [] });
    // ACCESS EXCLUSIVE is already held since statement 0: pg_locks shows only the new SHARE (index rebuild)
    expect(sa.get(1)).toMatchObject({ locks: [{ relation: 'public.orders', mode: 'SHARE' }], rewrote: ['public.orders'] });
    expect(sa.get(1)?.heldBefore).toEqual([{ relation: 'public.orders', mode: 'ACCESS EXCLUSIVE' }]);
    const sb = r.perStatement.get('db/004_again.sql')!;
    expect(sb.get(0)?.locks).toEqual([{ relation: 'public.orders', mode: 'SHARE' }]);
    expect(sb.get(1)?.error).toBe('column "status" of relation "orders" already exists');
    // postgis is unavailable: the failure is reported as "could not trace", not as an error
    const fb = r.findings.get('db/004_again.sql')!;
    expect(fb.map((f) => f.rule)).toEqual(['trace-unavailable', 'trace-unavailable']);
    expect(fb[1]).toMatchObject({ severity: 'info', line: 3, column: 1, endLine: 4, statementIndex: 1, engine: 'trace' });
    expect(fb[1]!.message).toBe(
      'could not trace: extension postgis unavailable; the statement failed with: column "status" of relation "orders" already exists',
    );
  });

  it('reports a migration that fails on its base as an error finding, and caches the replay', async () => {
    const hist = history.filter((h) => !h.source.includes('postgis'));
    const bad = target('db/010_fk.sql', `ALTER TABLE orders ADD COLUMN kind text;\nUPDATE orders SET kind = nope;`);
    const r1 = await traceFiles({ targets: [bad], history: hist, options });
    expect(r1.base.fromCache).toBe(false);
    const f = r1.findings.get('db/010_fk.sql')!;
    expect(f).toHaveLength(1);
    expect(f[0]).toMatchObject({
      rule: 'trace-failed',
      severity: 'error',
      engine: 'trace',
      statementIndex: 1,
      line: 2,
      // Postgres points at "nope"
      column: 26,
      endColumn: 30,
      message: 'migration fails on the base schema: column "nope" does not exist',
    });
    const r2 = await traceFiles({ targets: [bad], history: hist, options });
    expect(r2.base.fromCache).toBe('memory');
    expect(r2.base.key).toBe(r1.base.key);
    expect(r2.findings.get('db/010_fk.sql')?.[0]?.message).toBe(f[0]!.message);
  });

  it('flags a down migration that does not reverse its up', async () => {
    const hist = history.filter((h) => !h.source.includes('postgis'));
    const up = target('db/020_up.sql', `CREATE TABLE tags (id int PRIMARY KEY, name text);\nALTER TABLE orders ADD COLUMN tag_id int;\nCREATE INDEX orders_tag_idx ON orders (tag_id);`);
    const down = target('db/020_down.sql', `DROP TABLE tags;`, { direction: 'down', downOf: 'db/020_up.sql' });
    const good = target('db/021_up.sql', `ALTER TABLE customers ADD COLUMN email text;`);
    const goodDown = target('db/021_down.sql', `ALTER TABLE customers DROP COLUMN email;`, { direction: 'down', downOf: 'db/021_up.sql' });
    const r = await traceFiles({ targets: [up, down, good, goodDown], history: hist, options });
    const f = r.findings.get('db/020_down.sql')!;
    expect(f.map((x) => [x.rule, x.severity])).toEqual([
      ['trace-not-reversible', 'warning'],
      ['trace-not-reversible', 'warning'],
    ]);
    expect(f[0]!.message).toBe(
      'the down migration does not restore the schema of before db/020_up.sql: column public.orders.tag_id is left over; index public.orders_tag_idx is left over',
    );
    expect(f[1]!.message).toBe('db/020_up.sql fails when re-applied after this down migration: column "tag_id" of relation "orders" already exists');
    expect(r.perStatement.get('db/020_down.sql')?.get(0)?.dropped).toEqual(['public.tags', 'public.tags_pkey']);
    expect(r.findings.get('db/021_down.sql')).toBeUndefined();
    expect(r.perStatement.get('db/021_down.sql')?.get(0)?.locks).toEqual([{ relation: 'public.customers', mode: 'ACCESS EXCLUSIVE' }]);
  });

  it('verifies fixes on the replayed schema, and flags a fix that fails', async () => {
    const hist = history.filter((h) => !h.source.includes('postgis'));
    const file = target(
      'db/030_idx.sql',
      `ALTER TABLE orders ADD COLUMN region text;\nCREATE INDEX orders_customer_idx ON orders (customer_id);\nALTER TABLE orders ADD CONSTRAINT orders_customer_fk FOREIGN KEY (customer_id) REFERENCES customers (id);`,
    );
    const concurrently: Fix = { description: 'build the index concurrently', sql: 'CREATE INDEX CONCURRENTLY orders_customer_idx ON orders (customer_id);', outsideTransaction: true };
    const notValid: Fix = {
      description: 'add the FK as NOT VALID, then validate',
      sql: 'ALTER TABLE orders ADD CONSTRAINT orders_customer_fk FOREIGN KEY (customer_id) REFERENCES customers (id) NOT VALID;\nALTER TABLE orders VALIDATE CONSTRAINT orders_customer_fk;',
    };
    // uses the column the migration adds in an earlier statement: verified on the state before statement 1
    const usesRegion: Fix = { description: 'index region', sql: 'CREATE INDEX CONCURRENTLY orders_region_idx ON orders (region);', outsideTransaction: true };
    const broken: Fix = { description: 'broken', sql: 'CREATE INDEX CONCURRENTLY orders_x_idx ON orders (no_such_column);', outsideTransaction: true };
    const r = await traceFiles({
      targets: [file],
      history: hist,
      fixes: [
        { path: file.path, statementIndex: 1, fix: concurrently },
        { path: file.path, statementIndex: 2, fix: notValid },
        { path: file.path, statementIndex: 1, fix: usesRegion },
        { path: file.path, statementIndex: 1, fix: broken },
      ],
      options,
    });
    expect(concurrently.verified).toEqual({
      ok: true,
      note: 'verified: takes SHARE UPDATE EXCLUSIVE on public.orders (documented mode: cannot be observed in one session), no rewrite',
    });
    expect(notValid.verified).toEqual({
      ok: true,
      note: 'verified: 1) takes SHARE ROW EXCLUSIVE on public.customers, SHARE ROW EXCLUSIVE on public.orders; 2) takes ROW SHARE on public.customers, SHARE UPDATE EXCLUSIVE on public.orders, no rewrite',
    });
    expect(usesRegion.verified?.ok).toBe(true);
    expect(broken.verified).toEqual({ ok: false, note: 'the fix fails on the base schema: column "no_such_column" does not exist' });
    expect(r.fixVerdicts.map((v) => v.verdict.ok)).toEqual([true, true, true, false]);
  });

  it('keeps the replayed state on disk, so a new process does not replay', async () => {
    const cacheDir = mkdtempSync(join(tmpdir(), 'dbarch-trace-test-'));
    try {
      const hist = [{ path: 'db/001.sql', transaction: 'transaction' as const, source: 'CREATE TABLE disk_cached (id int PRIMARY KEY);' }];
      const t = target('db/002.sql', 'ALTER TABLE disk_cached ADD COLUMN v text;');
      const first = await traceFiles({ targets: [t], history: hist, options: { ...options, cacheDir } });
      expect(first.base.fromCache).toBe(false);
      expect(readdirSync(cacheDir).filter((f) => f.startsWith('trace-')).sort()).toEqual([`trace-${first.base.key}.json`, `trace-${first.base.key}.tar`]);
      clearReplayCache(); // as in a new process
      const second = await traceFiles({ targets: [t], history: hist, options: { ...options, cacheDir } });
      expect(second.base.fromCache).toBe('disk');
      expect(second.perStatement.get('db/002.sql')?.get(0)?.locks).toEqual([{ relation: 'public.disk_cached', mode: 'ACCESS EXCLUSIVE' }]);
    } finally {
      rmSync(cacheDir, { recursive: true, force: true });
    }
  }, 300_000);

  it('gives the same locks, rewrites, failures and fix verdicts with and without the replay cache', async () => {
    const cacheDir = mkdtempSync(join(tmpdir(), 'dbarch-trace-test-'));
    const hist = [
      ...history.filter((h) => !h.source.includes('postgis')),
      {
        path: 'db/003_more.sql',
        transaction: 'transaction' as const,
        source: `CREATE INDEX orders_customer ON orders (customer_id);
ALTER TABLE orders ADD CONSTRAINT orders_customer_fk FOREIGN KEY (customer_id) REFERENCES customers (id);
CREATE VIEW big_orders AS SELECT id, total FROM orders WHERE total > 10;
CREATE ROLE reporting;
GRANT SELECT ON big_orders TO reporting;`,
      },
    ];
    const input = () => ({
      targets: [
        target('db/004_change.sql', `ALTER TABLE orders ADD COLUMN created timestamptz DEFAULT clock_timestamp();
ALTER TABLE customers ALTER COLUMN name TYPE int USING length(name);
CREATE INDEX orders_note ON orders (note);
ALTER TABLE orders DROP COLUMN total;`),
        target('db/005_next.sql', 'ALTER TABLE customers ADD COLUMN email text NOT NULL;', { transaction: 'none' }),
      ],
      history: hist,
      fixes: [
        {
          path: 'db/004_change.sql',
          statementIndex: 2,
          fix: { description: 'concurrently', sql: 'CREATE INDEX CONCURRENTLY orders_note ON orders (note);', outsideTransaction: true } as Fix,
        },
      ],
      options: { ...options, cacheDir },
    });
    // everything but timings
    const outcome = (r: TraceFilesResult) => ({
      statements: [...r.perStatement].map(([path, m]) => [path, [...m].map(([i, t]) => [i, { ...t, durationMs: 0 }])]),
      findings: [...r.findings],
      verdicts: r.fixVerdicts.map((v) => v.verdict),
      issues: r.base.issues,
      unavailable: r.base.unavailableExtensions,
    });
    try {
      clearReplayCache();
      const cold = await traceFiles(input());
      clearReplayCache(); // a new process: from the disk cache
      const disk = await traceFiles(input());
      const memory = await traceFiles(input());
      keepWarmInstance(true);
      await traceFiles(input()); // leaves an instance started on the base state
      const warm = await traceFiles(input());
      expect([cold, disk, memory, warm].map((r) => r.base.fromCache)).toEqual([false, 'disk', 'memory', 'memory']);
      const expected = outcome(cold);
      // the cold run did see what the comparison is about
      expect(cold.perStatement.get('db/004_change.sql')?.get(1)?.rewrote).toEqual(['public.customers']);
      expect(cold.findings.get('db/004_change.sql')?.map((f) => f.rule)).toContain('trace-failed');
      expect(cold.fixVerdicts.map((v) => v.verdict.ok)).toEqual([true]);
      for (const r of [disk, memory, warm]) expect(outcome(r)).toEqual(expected);
    } finally {
      keepWarmInstance(false);
      rmSync(cacheDir, { recursive: true, force: true });
    }
  }, 600_000);

  it('loads a pg_dump schema instead of replaying history', async () => {
    const dump = [
      'SET statement_timeout = 0;',
      "SELECT pg_catalog.set_config('search_path', '', false);",
      '\\restrict xyz',
      'CREATE TABLE public.accounts (id bigint NOT NULL, email text);',
      'COPY public.accounts (id, email) FROM stdin;',
      '1\ta@example.com',
      '\\.',
      'ALTER TABLE ONLY public.accounts ADD CONSTRAINT accounts_pkey PRIMARY KEY (id);',
      '\\unrestrict xyz',
    ].join('\n');
    const t = target('db/050.sql', 'ALTER TABLE accounts ADD CONSTRAINT accounts_email_key UNIQUE (email);');
    const r = await traceFiles({ targets: [t], history: [], schemaDump: { path: 'db/structure.sql', source: dump }, options });
    expect(r.base.issues).toEqual([]);
    expect(r.findings.get('db/050.sql')).toBeUndefined();
    expect(r.perStatement.get('db/050.sql')?.get(0)).toMatchObject({ locks: [{ relation: 'public.accounts', mode: 'ACCESS EXCLUSIVE' }], created: ['public.accounts_email_key'] });
  }, 300_000);

  it('verifies a fix on a saved schema state (the agent\'s redesign steps)', async () => {
    const hist = [{ path: 'db/001.sql', transaction: 'transaction' as const, source: 'CREATE TABLE big (id bigint PRIMARY KEY, a int);' }];
    const { state, worker } = await baseState({ history: hist }, { memoryMb: 512, timeoutMs: 60_000 });
    await worker?.close();
    const ok = await verifyFix({ description: 'check, not valid', sql: 'ALTER TABLE big ADD CONSTRAINT a_pos CHECK (a > 0) NOT VALID;' }, state, options);
    expect(ok).toEqual({ ok: true, note: 'verified: takes ACCESS EXCLUSIVE on public.big, no rewrite' });
    const bad = await verifyFix({ description: 'wrong table', sql: 'ALTER TABLE small ADD COLUMN b int;' }, state, options);
    expect(bad).toEqual({ ok: false, note: 'the fix fails on the base schema: relation "small" does not exist' });
  }, 300_000);
});
