// The CLI over the bundled examples with the real analyzer, in-process and as a process.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';

const repo = join(__dirname, '../..');

async function cli(argv: string[]) {
  let stdout = '';
  let stderr = '';
  const code = await main(argv, { cwd: repo, color: false, stdout: (t) => void (stdout += t), stderr: (t) => void (stderr += t) });
  return { code, stdout, stderr };
}

type JsonFinding = { rule: string; severity: string; line: number; engines: string[]; fix: { sql: string } | null };
type JsonFile = { path: string; framework: string; direction: string; transaction: string; findings: JsonFinding[] };

describe('dbarch lint fixtures/examples', () => {
  it('finds the hazards of the examples, with fixes, and exits 1', async () => {
    const r = await cli(['lint', 'fixtures/examples', '--format', 'json', '--engines', 'builtin']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(1);
    const report = JSON.parse(r.stdout) as { files: JsonFile[]; summary: { files: number; errors: number } };
    expect(report.summary.files).toBe(13);
    expect(report.files.map((f) => f.path)).toContain('fixtures/examples/000002_add_account_plan.up.sql');
    const file = (name: string) => report.files.find((f) => f.path === `fixtures/examples/${name}`)!;
    expect(file('000002_add_account_plan.up.sql')).toMatchObject({ framework: 'golang-migrate', direction: 'up', transaction: 'none' });
    expect(file('000002_add_account_plan.down.sql').direction).toBe('down');
    const errors = (name: string) => file(name).findings.filter((f) => f.severity === 'error').map((f) => f.line);
    // Volatile default (3), SET NOT NULL (5), NOT NULL without default (7).
    expect(errors('000002_add_account_plan.up.sql')).toEqual(expect.arrayContaining([3, 5, 7]));
    // CREATE INDEX (2), CHECK without NOT VALID (4), UNIQUE constraint (6).
    expect(errors('000003_index_orders_status.up.sql')).toEqual(expect.arrayContaining([2, 4, 6]));
    const index = file('000003_index_orders_status.up.sql').findings.find((f) => f.rule === 'require-concurrent-index-creation')!;
    expect(index.fix!.sql).toContain('CREATE INDEX CONCURRENTLY orders_status_idx ON orders (status)');
    // New tables are not hazards.
    expect(errors('000001_create_accounts.up.sql')).toEqual([]);
  });

  it('the safe-pattern examples are clean even at --fail-on warning', async () => {
    const safe = ['000005_safe_patterns.up.sql', '000006_validate_orders_status.up.sql', '000007_orders_created_at_idx.up.sql'];
    const r = await cli(['lint', ...safe.map((f) => `fixtures/examples/${f}`), '--engines', 'builtin', '--fail-on', 'warning']);
    expect(r.stdout).toMatch(/✔ 3 files, \d+ statements: 0 errors, 0 warnings, \d+ infos?\n$/);
    expect(r.code).toBe(0);
  });

  it('both engines report a shared hazard once, naming both', async () => {
    const r = await cli(['lint', 'fixtures/examples/000002_add_account_plan.up.sql', '--format', 'json']);
    const findings = (JSON.parse(r.stdout) as { files: JsonFile[] }).files[0]!.findings;
    const line7 = findings.filter((f) => f.line === 7 && f.severity === 'error');
    expect(line7).toHaveLength(1);
    expect(line7[0]!.rule).toBe('adding-required-field');
    expect(line7[0]!.engines).toEqual(['builtin', 'squawk']);
  });
});

describe.skipIf(!existsSync(join(repo, 'dist/src/cli/main.js')))('bin/dbarch.js as a process (needs a build)', () => {
  const run = (args: string[]) =>
    spawnSync(process.execPath, [join(repo, 'bin/dbarch.js'), ...args], { cwd: repo, encoding: 'utf8', timeout: 120_000 });

  it('lints and exits 1 on errors', () => {
    const r = run(['lint', 'fixtures/examples/000003_index_orders_status.up.sql', '--format', 'json', '--engines', 'builtin']);
    expect(r.status).toBe(1);
    expect(JSON.parse(r.stdout).summary.errors).toBeGreaterThan(0);
  });

  it('exits 2 on a usage error with one line on stderr', () => {
    const r = run(['lint', '--bogus']);
    expect(r.status).toBe(2);
    expect(r.stderr).toBe('dbarch: unknown option --bogus (see dbarch --help)\n');
  });
});
