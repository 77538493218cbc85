// A file named on the command line keeps its framework's transaction mode and its directory
// context; a file no runner claims follows psql's semantics. Real analyzer, built-in engine.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';

let root: string;

const INDEX = 'CREATE INDEX CONCURRENTLY users_email_idx ON users (email);\n';
const FILES: Record<string, string> = {
  'migrations/2024-01-01-000000_email_idx/up.sql': INDEX,
  'migrations/2024-01-01-000000_email_idx/metadata.toml': 'run_in_transaction = false\n',
  'migrations/2024-01-02-000000_name_idx/up.sql': 'CREATE INDEX CONCURRENTLY users_name_idx ON users (name);\n',
  'db/changes/20240101_idx.sql': `-- migrate:up transaction:false\n${INDEX}\n-- migrate:down\nDROP INDEX users_email_idx;\n`,
  'sql/V2__email_idx.sql': INDEX,
  'sql/V2__email_idx.sql.conf': 'executeInTransaction=false\n',
  'scripts/add_index.sql': `SELECT 1;\n${INDEX}`,
  'scripts/wrapped.sql': `BEGIN;\n${INDEX}COMMIT;\n`,
};

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'dbarch-cli-context-'));
  for (const [path, text] of Object.entries(FILES)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  }
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

type JsonFile = {
  path: string;
  framework: string;
  direction: string;
  transaction: string;
  statements: { line: number; inTransaction: boolean }[];
  findings: { rule: string; severity: string; line: number }[];
};

async function lint(args: string[], config?: string): Promise<JsonFile[]> {
  let stdout = '';
  let stderr = '';
  const extra: string[] = [];
  if (config !== undefined) {
    writeFileSync(join(root, 'dbarch.yml'), config);
    extra.push('--config', 'dbarch.yml');
  }
  try {
    await main(['lint', ...args, ...extra, '--format', 'json', '--engines', 'builtin'], {
      cwd: root,
      color: false,
      stdout: (t) => void (stdout += t),
      stderr: (t) => void (stderr += t),
    });
  } finally {
    if (config !== undefined) rmSync(join(root, 'dbarch.yml'));
  }
  expect(stderr).toBe('');
  return (JSON.parse(stdout) as { files: JsonFile[] }).files;
}
const failsAtRuntime = (f: JsonFile) =>
  f.findings.filter((x) => x.severity === 'error' && /transaction/.test(x.rule)).map((x) => `${x.line}:${x.rule}`);

describe('a file named on the command line keeps its context', () => {
  it('diesel: metadata.toml run_in_transaction = false is read beside up.sql', async () => {
    const [file] = await lint(['migrations/2024-01-01-000000_email_idx/up.sql']);
    expect(file).toMatchObject({ framework: 'diesel', transaction: 'none' });
    expect(file!.statements.map((s) => s.inTransaction)).toEqual([false]);
    expect(failsAtRuntime(file!)).toEqual([]);
  });

  it('diesel without metadata.toml runs in a transaction: CONCURRENTLY fails there', async () => {
    const [file] = await lint(['migrations/2024-01-02-000000_name_idx/up.sql']);
    expect(file).toMatchObject({ framework: 'diesel', transaction: 'transaction' });
    expect(failsAtRuntime(file!)).toEqual(['1:ban-concurrent-index-creation-in-transaction']);
  });

  it('dbmate markers decide the runner outside a migrations folder', async () => {
    const files = await lint(['db/changes/20240101_idx.sql']);
    const up = files.find((f) => f.direction === 'up')!;
    expect(up).toMatchObject({ framework: 'dbmate', transaction: 'none' });
    expect(failsAtRuntime(up)).toEqual([]);
  });

  it('Flyway: the script config file executeInTransaction=false', async () => {
    const [file] = await lint(['sql/V2__email_idx.sql']);
    expect(file).toMatchObject({ framework: 'flyway', transaction: 'none' });
    expect(failsAtRuntime(file!)).toEqual([]);
  });

  it("the config's migration sets apply to a file named alone", async () => {
    const config = 'migrations:\n  - include: ["scripts/**"]\n    framework: flyway\n    transaction: transaction\n';
    const [file] = await lint(['scripts/add_index.sql'], config);
    expect(file).toMatchObject({ framework: 'flyway', transaction: 'transaction' });
    expect(failsAtRuntime(file!)).toEqual(['2:ban-concurrent-index-creation-in-transaction']);
  });
});

describe('a plain .sql file follows psql semantics', () => {
  it('each statement commits on its own: CREATE INDEX CONCURRENTLY does not fail', async () => {
    const [file] = await lint(['scripts/add_index.sql']);
    expect(file).toMatchObject({ framework: 'sql', transaction: 'none' });
    expect(file!.statements.map((s) => s.inTransaction)).toEqual([false, false]);
    expect(failsAtRuntime(file!)).toEqual([]);
  });

  it('a file that opens BEGIN runs in that transaction', async () => {
    const [file] = await lint(['scripts/wrapped.sql']);
    expect(file!.statements.map((s) => s.inTransaction)).toEqual([true, true, true]);
    expect(failsAtRuntime(file!)).toEqual(['2:ban-concurrent-index-creation-in-transaction']);
  });

  it('`transaction:` in the config overrides', async () => {
    const [file] = await lint(['scripts/add_index.sql'], 'transaction: transaction\n');
    expect(file).toMatchObject({ transaction: 'transaction' });
    expect(failsAtRuntime(file!)).toEqual(['2:ban-concurrent-index-creation-in-transaction']);
    const [diesel] = await lint(['migrations/2024-01-02-000000_name_idx/up.sql'], 'transaction: none\n');
    expect(diesel).toMatchObject({ transaction: 'none' });
    expect(failsAtRuntime(diesel!)).toEqual([]);
  });
});
