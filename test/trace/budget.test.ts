// The trace of one review is bounded: a total deadline, cancellation that reaches the
// running statement, and fix checks that start from a copy instead of replaying the change.
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { initParser, parseSql } from '../../src/sql/index.js';
import { traceFiles, type TraceTarget } from '../../src/trace/index.js';
import * as replay from '../../src/trace/replay.js';
import type { Fix } from '../../src/types.js';

vi.mock('../../src/trace/replay.js', async (importOriginal) => {
  const mod = await importOriginal<typeof import('../../src/trace/replay.js')>();
  return { ...mod, applyQuietly: vi.fn(mod.applyQuietly) };
});

const options = { timeoutMs: 60_000, memoryMb: 256, pgVersion: 18 };
const history = [{ path: 'db/001.sql', transaction: 'transaction' as const, source: 'CREATE TABLE users (id bigint PRIMARY KEY, email text);' }];

function target(path: string, source: string, extra: Partial<TraceTarget> = {}): TraceTarget {
  return { path, source, parsed: parseSql(source, { path }), transaction: 'transaction', direction: 'up', ...extra };
}

beforeAll(async () => {
  await initParser();
});

describe('trace budget', () => {
  it('stops at the review deadline: files not reached are reported as not traced', async () => {
    const files = [1, 2, 3, 4].map((n) => target(`db/00${n + 1}_sleep.sql`, 'SELECT pg_sleep(2);'));
    const r = await traceFiles({ targets: files, history, options: { ...options, totalMs: 3_000 } });
    const last = r.findings.get('db/005_sleep.sql');
    expect(last?.map((f) => [f.rule, f.severity, f.message])).toEqual([
      ['trace-unavailable', 'info', 'not traced: the trace of this review reached its total limit of 3 s (trace.totalSeconds)'],
    ]);
    expect(r.perStatement.has('db/005_sleep.sql')).toBe(false);
    // the first file ran whole
    expect(r.findings.get('db/002_sleep.sql')).toBeUndefined();
  }, 120_000);

  it('a cancelled review stops the statement that is running', async () => {
    const controller = new AbortController();
    const started = performance.now();
    setTimeout(() => controller.abort(new Error('superseded by a newer push')), 1_500);
    const run = traceFiles({ targets: [target('db/002_long.sql', 'SELECT pg_sleep(50);')], history, options: { ...options, signal: controller.signal } });
    await expect(run).rejects.toThrow('superseded by a newer push');
    // far from the 50 s the statement would take
    expect(performance.now() - started).toBeLessThan(30_000);
  }, 120_000);

  it('verifies fixes from a copy of the schema, without replaying the earlier files of the change', async () => {
    const slow = target('db/002_slow.sql', 'CREATE TABLE orders (id bigint, total numeric);\nSELECT pg_sleep(1);');
    const idx = (n: number) => target(`db/00${n}_idx.sql`, `CREATE INDEX orders_${n}_idx ON orders (total);`);
    const targets = [slow, idx(3), idx(4), idx(5)];
    const fixes = targets.slice(1).map((t, i) => ({
      path: t.path,
      statementIndex: 0,
      fix: { description: 'concurrently', sql: `CREATE INDEX CONCURRENTLY orders_${i + 3}_idx ON orders (total);`, outsideTransaction: true } satisfies Fix,
    }));
    const spy = vi.mocked(replay.applyQuietly);
    spy.mockClear();
    const r = await traceFiles({ targets, history, fixes, options });
    expect(r.fixVerdicts.map((v) => v.verdict)).toEqual(
      fixes.map(() => ({ ok: true, note: 'verified: takes SHARE UPDATE EXCLUSIVE on public.orders (documented mode: cannot be observed in one session), no rewrite' })),
    );
    // no fix check replayed db/002_slow.sql (nor any other target)
    expect(spy.mock.calls.map((c) => c[1].path).filter((p) => targets.some((t) => t.path === p))).toEqual([]);
  }, 180_000);
});
