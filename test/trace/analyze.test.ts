// The trace through the one entry point, analyze({ trace: true }).
import { beforeAll, describe, expect, it } from 'vitest';
import { analyze } from '../../src/analyze.js';
import { parseConfig } from '../../src/config/schema.js';
import { initParser } from '../../src/sql/index.js';

beforeAll(async () => {
  await initParser();
});

describe('analyze with the trace', () => {
  it('adds per-statement traces, trace findings and verified fixes to the report', async () => {
    const config = parseConfig({ engines: ['builtin'], pgVersion: 18 });
    const report = await analyze({
      config,
      trace: true,
      history: [{ path: 'db/migrations/001_init.sql', content: 'CREATE TABLE orders (id bigint PRIMARY KEY, customer_id bigint, note text);' }],
      files: [
        {
          path: 'db/migrations/002_idx.sql',
          content: 'CREATE INDEX orders_customer_idx ON orders (customer_id);\nALTER TABLE orders ADD COLUMN note text;\n',
        },
      ],
    });
    const file = report.files[0]!;
    expect(file.statements[0]!.trace).toEqual({ locks: [{ relation: 'public.orders', mode: 'SHARE' }], rewrote: [], durationMs: expect.any(Number) });
    expect(file.statements[1]!.trace?.error).toBe('column "note" of relation "orders" already exists');
    const failed = file.findings.filter((f) => f.rule === 'trace-failed');
    expect(failed.map((f) => [f.line, f.severity, f.message])).toEqual([
      [2, 'error', 'migration fails on the base schema: column "note" of relation "orders" already exists'],
    ]);
    const withFix = file.findings.filter((f) => f.statementIndex === 0 && f.fix);
    console.log(withFix.map((f) => `${f.rule}: ${f.fix!.sql} → ${JSON.stringify(f.fix!.verified)}`).join('\n'));
    const concurrent = withFix.find((f) => f.rule === 'require-concurrent-index-creation');
    expect(concurrent?.fix?.verified).toEqual({
      ok: true,
      note: 'verified: takes SHARE UPDATE EXCLUSIVE on public.orders (documented mode: cannot be observed in one session), no rewrite',
    });
    // every suggested fix went through the trace
    for (const f of withFix) expect(f.fix!.verified?.ok).toBe(true);
  }, 300_000);

  it('replays only the files before the change, in framework order', async () => {
    const config = parseConfig({ engines: ['builtin'], pgVersion: 18 });
    const report = await analyze({
      config,
      trace: true,
      history: [
        // given out of order, and one file that comes after the change: not replayed
        { path: 'db/migrations/003_drop.sql', content: 'DROP TABLE accounts;' },
        { path: 'db/migrations/001_init.sql', content: 'CREATE TABLE accounts (id bigint PRIMARY KEY);' },
      ],
      files: [{ path: 'db/migrations/002_email.sql', content: 'ALTER TABLE accounts ADD COLUMN email text;' }],
    });
    const file = report.files[0]!;
    expect(file.findings.filter((f) => f.engine === 'trace')).toEqual([]);
    expect(file.statements[0]!.trace?.locks).toEqual([{ relation: 'public.accounts', mode: 'ACCESS EXCLUSIVE' }]);
  }, 300_000);
});
