// `dbarch lint --trace <file>`: a file named alone is traced on the schema the earlier
// migrations of its directory build, in apply order; with nothing to build a base from, a
// reference to an unseen object is "not traced" (info), never "fails on the base schema".
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main, type AnalyzeInput } from '../../src/cli/main.js';
import type { Report } from '../../src/types.js';

let root: string;
const FILES: Record<string, string> = {
  // golang-migrate: numeric prefixes, .up/.down
  'db/migrations/0001_users.up.sql': 'CREATE TABLE users (id bigint PRIMARY KEY);\n',
  'db/migrations/0001_users.down.sql': 'DROP TABLE users;\n',
  'db/migrations/0002_orders.up.sql': 'CREATE TABLE orders (id bigint PRIMARY KEY, user_id bigint REFERENCES users (id));\n',
  'db/migrations/0042_x.up.sql': 'CREATE INDEX orders_user_id_idx ON orders (user_id);\n',
  'db/migrations/0050_later.up.sql': 'DROP TABLE orders;\n',
  // diesel: one directory per migration
  'diesel/migrations/2024-01-01-000000_users/up.sql': 'CREATE TABLE users (id bigint PRIMARY KEY);\n',
  'diesel/migrations/2024-01-01-000000_users/down.sql': 'DROP TABLE users;\n',
  'diesel/migrations/2024-02-01-000000_email/up.sql': 'ALTER TABLE users ADD COLUMN email text;\n',
  'diesel/migrations/2024-02-01-000000_email/down.sql': 'ALTER TABLE users DROP COLUMN email;\n',
  'lonely/0001_x.sql': 'ALTER TABLE accounts ADD COLUMN note text;\n',
};

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'dbarch-cli-trace-'));
  for (const [path, text] of Object.entries(FILES)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  }
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

async function cli(argv: string[], analyze?: (input: AnalyzeInput) => Promise<Report>) {
  let stdout = '';
  let stderr = '';
  const code = await main(argv, { cwd: root, color: false, ...(analyze ? { analyze } : {}), stdout: (t) => void (stdout += t), stderr: (t) => void (stderr += t) });
  return { code, stdout, stderr };
}

function recorder() {
  const calls: AnalyzeInput[] = [];
  const analyze = async (input: AnalyzeInput): Promise<Report> => {
    calls.push(input);
    return { files: [], summary: { files: 0, statements: 0, errors: 0, warnings: 0, infos: 0 } };
  };
  return { calls, analyze };
}

describe('lint --trace of a file named alone', () => {
  it('passes the earlier up migrations of its directory as history, in apply order', async () => {
    const rec = recorder();
    await cli(['lint', '--trace', 'db/migrations/0042_x.up.sql'], rec.analyze);
    expect(rec.calls[0]!.files.map((f) => f.path)).toEqual(['db/migrations/0042_x.up.sql']);
    expect(rec.calls[0]!.history?.map((f) => f.path)).toEqual(['db/migrations/0001_users.up.sql', 'db/migrations/0002_orders.up.sql']);
  });

  it('takes the directory above for one-directory-per-migration frameworks', async () => {
    const rec = recorder();
    await cli(['lint', '--trace', 'diesel/migrations/2024-02-01-000000_email/up.sql'], rec.analyze);
    expect(rec.calls[0]!.history?.map((f) => f.path)).toEqual(['diesel/migrations/2024-01-01-000000_users/up.sql']);
  });

  it('passes no history without --trace', async () => {
    const rec = recorder();
    await cli(['lint', 'db/migrations/0042_x.up.sql'], rec.analyze);
    expect(rec.calls[0]!.history).toBeUndefined();
  });

  it('traces 0042 on the schema of 0001 and 0002: no trace failure, the index build traced on orders', async () => {
    const r = await cli(['lint', '--trace', '--engines', 'builtin', '--format', 'json', 'db/migrations/0042_x.up.sql']);
    const report = JSON.parse(r.stdout) as { files: { path: string; findings: { rule: string; severity: string }[]; statements: { trace?: { locks: { relation: string; mode: string }[] } }[] }[] };
    const file = report.files[0]!;
    expect(file.findings.filter((f) => f.rule.startsWith('trace-'))).toEqual([]);
    expect(file.statements[0]!.trace?.locks).toEqual([{ relation: 'public.orders', mode: 'SHARE' }]);
  }, 120_000);

  it('with no earlier migrations, an unseen table is "not traced" (info), not a failure', async () => {
    const r = await cli(['lint', '--trace', '--engines', 'builtin', '--format', 'json', 'lonely/0001_x.sql']);
    const report = JSON.parse(r.stdout) as { files: { findings: { rule: string; severity: string; message: string }[] }[] };
    const trace = report.files[0]!.findings.filter((f) => f.rule.startsWith('trace-'));
    expect(trace.map((f) => [f.rule, f.severity])).toEqual([['trace-unavailable', 'info']]);
    expect(trace[0]!.message).toContain('relation "accounts" does not exist');
    expect(trace[0]!.message).toContain('no earlier migrations or schema dump');
  }, 120_000);
});
