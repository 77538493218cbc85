// Fast tests of the trace's pure parts (no PGlite).
import { beforeAll, describe, expect, it } from 'vitest';
import { buildFacts } from '../../src/pg/index.js';
import { initParser, parseSql } from '../../src/sql/index.js';
import { diffRelations, diffSchemas, lockModeFromPg, resolveLocks, type RelationSnapshot } from '../../src/trace/catalog.js';
import { compareWithStatic, mismatchFindings } from '../../src/trace/compare.js';
import { describeVerified } from '../../src/trace/index.js';
import { cleanSchemaDump, collectRequirements, createRolesSql, historyKey, needsSupabaseStub, partitionExtensions } from '../../src/trace/replay.js';
import type { StatementTrace } from '../../src/trace/run.js';

beforeAll(async () => {
  await initParser();
});

function trace(partial: Partial<StatementTrace>): StatementTrace {
  return { locks: [], rewrote: [], durationMs: 1, observed: true, otherLocks: [], heldBefore: [], created: [], dropped: [], ...partial };
}

describe('catalog helpers', () => {
  it('maps pg_locks modes to the contract', () => {
    expect(lockModeFromPg('AccessExclusiveLock')).toBe('ACCESS EXCLUSIVE');
    expect(lockModeFromPg('ShareUpdateExclusiveLock')).toBe('SHARE UPDATE EXCLUSIVE');
    expect(lockModeFromPg('RowShareLock')).toBe('ROW SHARE');
    expect(lockModeFromPg('ShareLock')).toBe('SHARE');
    expect(lockModeFromPg('SIReadLock')).toBeUndefined();
  });

  it('resolves locks through the snapshots (dropped relations too) and splits tables from indexes', () => {
    const before: RelationSnapshot = new Map([
      ['10', { oid: '10', schema: 'public', name: 't', kind: 'r', filenode: '10' }],
      ['11', { oid: '11', schema: 'public', name: 't_idx', kind: 'i', filenode: '11' }],
      ['12', { oid: '12', schema: 'public', name: 'gone', kind: 'r', filenode: '12' }],
    ]);
    const after: RelationSnapshot = new Map([
      ['10', { oid: '10', schema: 'public', name: 't', kind: 'r', filenode: '99' }],
      ['11', { oid: '11', schema: 'public', name: 't_idx', kind: 'i', filenode: '98' }],
      ['13', { oid: '13', schema: 'public', name: 'new', kind: 'r', filenode: '13' }],
    ]);
    const raw = [
      { oid: '10', mode: 'AccessExclusiveLock' },
      { oid: '11', mode: 'AccessExclusiveLock' },
      { oid: '12', mode: 'AccessExclusiveLock' },
      { oid: '1259', mode: 'AccessShareLock' }, // pg_class: not a user relation
    ];
    expect(resolveLocks(raw, before, after)).toEqual({
      tables: [
        { relation: 'public.t', mode: 'ACCESS EXCLUSIVE' },
        { relation: 'public.gone', mode: 'ACCESS EXCLUSIVE' },
      ],
      others: [{ relation: 'public.t_idx', mode: 'ACCESS EXCLUSIVE' }],
    });
    // an index rebuild is not a table rewrite
    expect(diffRelations(before, after)).toEqual({ created: ['public.new'], dropped: ['public.gone'], rewrote: ['public.t'] });
  });

  it('names schema differences', () => {
    const a = new Map([
      ['table public.t', 'table'],
      ['column public.t.a', 'integer'],
    ]);
    const b = new Map([
      ['table public.t', 'table'],
      ['column public.t.a', 'bigint'],
      ['index public.t_a', 'CREATE INDEX t_a ON public.t USING btree (a)'],
    ]);
    expect(diffSchemas(a, b)).toEqual(['column public.t.a is `bigint` instead of `integer`', 'index public.t_a is left over']);
    expect(diffSchemas(b, a)).toEqual(['column public.t.a is `integer` instead of `bigint`', 'index public.t_a is missing']);
  });
});

describe('replay helpers', () => {
  it('strips psql meta-commands and COPY data from a pg_dump script, keeping the line layout', () => {
    const dump = ['\\restrict abc', 'SET x = 1;', 'COPY public.t (a) FROM stdin;', '1', '2', '\\.', 'CREATE INDEX i ON t (a);', '\\unrestrict abc'].join('\n');
    expect(cleanSchemaDump(dump)).toBe(['', 'SET x = 1;', '', '', '', '', 'CREATE INDEX i ON t (a);', ''].join('\n'));
  });

  it('collects extensions and roles, and splits what PGlite can load', () => {
    const parsed = parseSql(
      `CREATE EXTENSION IF NOT EXISTS "uuid-ossp";\nCREATE EXTENSION postgis;\nCREATE EXTENSION plpgsql;\nGRANT SELECT ON t TO app_reader;\nALTER TABLE t OWNER TO app_owner;\nCREATE ROLE made_here;\nGRANT made_here TO app_owner;`,
      { path: 'x.sql' },
    );
    const req = collectRequirements(parsed);
    expect([...req.extensions].sort()).toEqual(['plpgsql', 'postgis', 'uuid-ossp']);
    expect([...req.roles].sort()).toEqual(['app_owner', 'app_reader']);
    expect(partitionExtensions(req.extensions)).toEqual({ load: ['uuid-ossp'], unavailable: ['postgis'] });
    expect(createRolesSql(['a"b', 'postgres'])).toBe(
      `DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'a"b') THEN CREATE ROLE "a""b"; END IF; END $$;`,
    );
  });

  it('keys the replay cache by the history content, mode and order', () => {
    const a = { path: 'a.sql', source: 'CREATE TABLE a (id int);', transaction: 'transaction' as const };
    const b = { path: 'b.sql', source: 'CREATE TABLE b (id int);', transaction: 'transaction' as const };
    const k = historyKey({ history: [a, b] });
    expect(historyKey({ history: [a, b] })).toBe(k);
    expect(historyKey({ history: [b, a] })).not.toBe(k);
    expect(historyKey({ history: [a, { ...b, transaction: 'none' }] })).not.toBe(k);
    expect(historyKey({ history: [a, { ...b, source: b.source + ' ' }] })).not.toBe(k);
    // down files are not replayed, so they do not change the key
    expect(historyKey({ history: [a, b, { ...a, path: 'a.down.sql', direction: 'down' }] })).toBe(k);
  });

  it('recognises Supabase platform references', () => {
    expect(needsSupabaseStub(['create table p (id uuid references auth.users on delete cascade);'])).toBe(true);
    expect(needsSupabaseStub(['select auth.uid()'])).toBe(true);
    expect(needsSupabaseStub(['create table oauth.users (id int);'])).toBe(false);
  });
});

describe('static vs traced', () => {
  it('turns a disagreement into an info finding at the statement', () => {
    const parsed = parseSql('SELECT 1;\nALTER TABLE orders ADD COLUMN x int;', { path: 'm.sql' });
    const facts = buildFacts(parsed, { transaction: 'transaction', pgVersion: 18 });
    const traced = new Map<number, StatementTrace>([
      [0, trace({})],
      [1, trace({ locks: [{ relation: 'public.orders', mode: 'SHARE' }, { relation: 'public.other', mode: 'ROW SHARE' }] })],
    ]);
    const mismatches = compareWithStatic(facts, traced);
    expect(mismatches).toEqual([
      { statementIndex: 1, relation: 'public.orders', predicted: 'ACCESS EXCLUSIVE', observed: 'SHARE' },
      { statementIndex: 1, relation: 'public.other', predicted: undefined, observed: 'ROW SHARE' },
    ]);
    const findings = mismatchFindings(facts, mismatches);
    expect(findings[0]).toMatchObject({
      rule: 'trace-lock-mismatch',
      severity: 'info',
      engine: 'trace',
      line: 2,
      column: 1,
      statementIndex: 1,
      relation: 'public.orders',
      lockMode: 'SHARE',
      message: 'lock model predicts ACCESS EXCLUSIVE on public.orders, the trace observed SHARE (traced on the base schema; the observed mode is what PostgreSQL took).',
    });
  });

  it('counts a mode already held by the transaction as observed, and skips unobserved statements', () => {
    const parsed = parseSql('ALTER TABLE orders ADD COLUMN x int;', { path: 'm.sql' });
    const facts = buildFacts(parsed, { transaction: 'transaction', pgVersion: 18 });
    const held = new Map([[0, trace({ heldBefore: [{ relation: 'public.orders', mode: 'ACCESS EXCLUSIVE' }] })]]);
    expect(compareWithStatic(facts, held)).toEqual([]);
    const unobserved = new Map([[0, trace({ observed: false })]]);
    expect(compareWithStatic(facts, unobserved)).toEqual([]);
  });

  it('describes a verified fix', () => {
    expect(describeVerified([trace({ locks: [{ relation: 'public.orders', mode: 'SHARE UPDATE EXCLUSIVE' }] })])).toBe(
      'verified: takes SHARE UPDATE EXCLUSIVE on public.orders, no rewrite',
    );
    expect(describeVerified([trace({ locks: [], rewrote: ['public.t'] }), trace({ locks: [{ relation: 'public.t', mode: 'ACCESS EXCLUSIVE' }] })])).toBe(
      'verified: 1) takes no table lock; 2) takes ACCESS EXCLUSIVE on public.t, rewrites public.t',
    );
  });
});
