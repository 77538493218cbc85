import { beforeAll, describe, expect, it } from 'vitest';
import { initParser, parseSql } from '../../src/sql/index.js';
import { traceFiles, type TraceTarget } from '../../src/trace/index.js';

const history = [{ path: 'db/001.sql', transaction: 'transaction' as const, source: 'CREATE TABLE t (id int PRIMARY KEY, v text);' }];

function target(path: string, source: string): TraceTarget {
  return { path, source, parsed: parseSql(source, { path }), transaction: 'transaction', direction: 'up' };
}

beforeAll(async () => {
  await initParser();
});

describe('trace sandbox', () => {
  it('stops pg_sleep and an endless recursive CTE at the wall-clock limit, then traces the next file on a fresh worker', async () => {
    const sleepy = target('db/002_sleep.sql', 'ALTER TABLE t ADD COLUMN a int;\nSELECT pg_sleep(1e6);');
    const endless = target('db/003_cte.sql', 'WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r) SELECT count(*) FROM r;');
    const after = target('db/004_after.sql', 'ALTER TABLE t ADD COLUMN b int;');
    const started = Date.now();
    const r = await traceFiles({ targets: [sleepy, endless, after], history, options: { timeoutMs: 8_000, memoryMb: 512, pgVersion: 18 } });
    expect(r.findings.get('db/002_sleep.sql')).toEqual([
      expect.objectContaining({ rule: 'trace-timeout', severity: 'warning', message: 'trace stopped after 8 s', line: 2, statementIndex: 1, engine: 'trace' }),
    ]);
    expect(r.findings.get('db/003_cte.sql')?.map((f) => [f.rule, f.message])).toEqual([['trace-timeout', 'trace stopped after 8 s']]);
    // the killed files were not applied: 004 runs on a fresh copy of the base where column a does not exist
    expect(r.findings.get('db/004_after.sql')).toBeUndefined();
    expect(r.perStatement.get('db/004_after.sql')?.get(0)?.locks).toEqual([{ relation: 'public.t', mode: 'ACCESS EXCLUSIVE' }]);
    // two 8 s limits plus startups: far below the 1e6 s the SQL asked for
    expect(Date.now() - started).toBeLessThan(170_000);
  }, 180_000);

  it('ends a memory hog as trace-memory, and the worker survives for the next statement', async () => {
    const hog = target('db/005_hog.sql', "SELECT length(string_agg(repeat('x', 1000), '')) FROM generate_series(1, 2000000);");
    const next = target('db/006_next.sql', 'CREATE INDEX t_v_idx ON t (v);');
    const r = await traceFiles({ targets: [hog, next], history, options: { timeoutMs: 150_000, memoryMb: 300, pgVersion: 18 } });
    const f = r.findings.get('db/005_hog.sql')!;
    expect(f.map((x) => [x.rule, x.severity])).toEqual([['trace-memory', 'warning']]);
    expect(f[0]!.message).toBe('trace stopped: the statement exceeded the memory limit of 300 MB (out of memory)');
    expect(r.perStatement.get('db/006_next.sql')?.get(0)?.locks).toEqual([{ relation: 'public.t', mode: 'SHARE' }]);
  }, 180_000);

  it('reaches no host file: COPY, pg_read_file and COPY FROM PROGRAM see only the in-memory filesystem', async () => {
    const copy = target('db/007_copy.sql', "CREATE TABLE leak (line text);\nCOPY leak FROM '/etc/passwd';");
    const read = target('db/008_read.sql', "SELECT pg_read_file('/etc/hostname');");
    const program = target('db/009_program.sql', "CREATE TABLE leak2 (line text);\nCOPY leak2 FROM PROGRAM 'cat /etc/passwd';");
    const r = await traceFiles({ targets: [copy, read, program], history, options: { timeoutMs: 60_000, memoryMb: 512, pgVersion: 18 } });
    expect(r.findings.get('db/007_copy.sql')?.map((f) => [f.rule, f.line, f.message])).toEqual([
      ['trace-failed', 2, 'migration fails on the base schema: could not open file "/etc/passwd" for reading: No such file or directory'],
    ]);
    expect(r.findings.get('db/008_read.sql')?.map((f) => f.message)).toEqual([
      'migration fails on the base schema: could not open file "/etc/hostname" for reading: No such file or directory',
    ]);
    // PGlite has no processes to spawn; the trace does not even try
    expect(r.findings.get('db/009_program.sql')?.map((f) => [f.rule, f.severity, f.line, f.message])).toEqual([
      ['trace-unavailable', 'info', 2, 'not traced: COPY … PROGRAM runs a command on the database host; the trace does not run it'],
    ]);
  }, 180_000);
});
