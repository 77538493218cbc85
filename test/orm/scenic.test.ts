// Scenic views in Rails migrations: the SQL the scenic gem's PostgreSQL adapter runs, with the
// body read from db/views/<name>_vNN.sql (or sql_definition:), and what is reviewed when the
// body's file is not there.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { analyze } from '../../src/analyze.js';
import { main } from '../../src/cli/main.js';
import { configSchema } from '../../src/config/schema.js';
import { companionPaths, ModelHistory, ormUnits, prepareOrm } from '../../src/orm/index.js';
import type { MigrationFile } from '../../src/migrations/types.js';
import type { Report } from '../../src/types.js';

const root = join(import.meta.dirname, '../../fixtures/projects/rails-scenic');
const config = configSchema.parse({ engines: ['builtin'] });
const migrations = readdirSync(join(root, 'db/migrate'))
  .sort()
  .map((f) => `db/migrate/${f}`);
const read = (p: string) => {
  try {
    return readFileSync(join(root, p), 'utf8');
  } catch {
    return undefined;
  }
};

function rails(path: string): MigrationFile {
  return { path, framework: 'rails', direction: 'up', transaction: 'transaction', orderKey: path, set: 'db', language: 'ruby', kind: 'migration' };
}

function translate(source: string, files: Record<string, string> = {}) {
  const up = ormUnits(rails('db/migrate/1_x.rb'), source, new ModelHistory(), { readFile: (p) => files[p] })!.find((u) => u.direction === 'up')!;
  return { sql: up.orm.entries.map((e) => [e.stmt.span.line, e.stmt.sql]), notices: up.orm.notices.map((n) => [n.line, n.message]) };
}

function statements(report: Report, path: string) {
  const f = report.files.find((x) => x.path === path && x.direction === 'up')!;
  return f.statements.map((s) => [s.line, s.kind]);
}

beforeAll(async () => {
  await prepareOrm(['x.rb']);
});

describe('Scenic translation', () => {
  it('create_view reads version 1 by default; line comments of the file do not swallow the body', () => {
    const t = translate('class X < ActiveRecord::Migration[7.1]\n  def change\n    create_view :active\n  end\nend\n', {
      'db/views/active_v01.sql': '-- recent\nSELECT id -- key\nFROM users;\n',
    });
    expect(t.sql).toEqual([[3, 'CREATE VIEW "active" AS SELECT id  FROM users']]);
    expect(t.notices).toEqual([]);
  });

  it('update_view drops and creates; materialized with no_data; side_by_side creates under a temporary name, drops, renames', () => {
    const t = translate(
      [
        'class X < ActiveRecord::Migration[7.1]',
        '  def change',
        '    update_view :a, version: 2, revert_to_version: 1',
        '    update_view :m, version: 3, materialized: { no_data: true }',
        '    update_view :s, version: 2, materialized: { side_by_side: true }',
        '    replace_view :a, version: 3',
        '    drop_view :a, revert_to_version: 3',
        '    drop_view :m, materialized: true',
        '  end',
        'end',
        '',
      ].join('\n'),
      { 'db/views/a_v02.sql': 'SELECT 2', 'db/views/m_v03.sql': 'SELECT 3;', 'db/views/s_v02.sql': 'SELECT 4', 'db/views/a_v03.sql': 'SELECT 5' },
    );
    expect(t.sql).toEqual([
      [3, 'DROP VIEW "a"'],
      [3, 'CREATE VIEW "a" AS SELECT 2'],
      [4, 'DROP MATERIALIZED VIEW "m"'],
      [4, 'CREATE MATERIALIZED VIEW "m" AS SELECT 3 WITH NO DATA'],
      [5, 'CREATE MATERIALIZED VIEW "_scenic_sbs_a0f1490a20d0211c997b44bc357e1972deab8ae3" AS SELECT 4'],
      [5, 'DROP MATERIALIZED VIEW "s"'],
      [5, 'ALTER MATERIALIZED VIEW "_scenic_sbs_a0f1490a20d0211c997b44bc357e1972deab8ae3" RENAME TO "s"'],
      [6, 'CREATE OR REPLACE VIEW "a" AS SELECT 5'],
      [7, 'DROP VIEW "a"'],
      [8, 'DROP MATERIALIZED VIEW "m"'],
    ]);
    expect(t.notices).toEqual([]);
  });

  it('sql_definition: a heredoc body is used as written; an interpolated one is reported', () => {
    const t = translate(
      'class X < ActiveRecord::Migration[7.1]\n  def change\n    create_view :c, sql_definition: <<~SQL\n      SELECT 1 AS one\n    SQL\n    update_view :d, sql_definition: "SELECT #{cols}"\n  end\nend\n',
    );
    expect(t.sql).toEqual([
      [3, 'CREATE VIEW "c" AS SELECT 1 AS one'],
      [6, 'DROP VIEW "d"'],
    ]);
    expect(t.notices).toEqual([[6, 'not analysed: the body of Scenic `update_view :d` (its `DROP VIEW` is reviewed): its `sql_definition:` is only known at run time']]);
  });

  it('a missing view file: update_view still reviews its DROP, create_view reviews nothing; both name the file', () => {
    const t = translate('class X < ActiveRecord::Migration[7.1]\n  def change\n    create_view :v, version: 3\n    update_view :w, version: 12, materialized: true\n  end\nend\n');
    expect(t.sql).toEqual([[4, 'DROP MATERIALIZED VIEW "w"']]);
    expect(t.notices).toEqual([
      [3, 'not analysed: the body of Scenic `create_view :v`: its SQL is in db/views/v_v03.sql, which is not among the files dbarch was given'],
      [4, 'not analysed: the body of Scenic `update_view :w` (its `DROP MATERIALIZED VIEW` is reviewed): its SQL is in db/views/w_v12.sql, which is not among the files dbarch was given'],
    ]);
  });

  it('remove_index without a table is reported as the ArgumentError Rails raises', () => {
    const t = translate('class X < ActiveRecord::Migration[7.1]\n  def down\n    remove_index name: :idx_a, algorithm: :concurrently\n  end\nend\n');
    expect(t.sql).toEqual([]);
    const down = ormUnits(rails('db/migrate/1_x.rb'), 'class X < ActiveRecord::Migration[7.1]\n  def down\n    remove_index name: :idx_a\n  end\nend\n', new ModelHistory())!;
    expect(down.flatMap((u) => u.orm.notices.map((n) => [n.line, n.message]))).toEqual([
      [3, 'not analysed: `remove_index` without a table raises ArgumentError in Rails (the table is its first argument), so this rollback fails before it drops the index'],
    ]);
  });
});

describe('Scenic fixture project (fixtures/projects/rails-scenic)', () => {
  it('analyze() reads the view files through readFile and reviews their SQL at the call', async () => {
    const report = await analyze({ files: migrations.map((p) => ({ path: p, content: read(p)! })), config, readFile: read });
    expect(statements(report, migrations[0]!)).toEqual([
      [3, 'CREATE TABLE'],
      [7, 'CREATE VIEW'],
      [8, 'CREATE VIEW'],
    ]);
    expect(statements(report, migrations[1]!)).toEqual([
      [3, 'DROP VIEW'],
      [3, 'CREATE VIEW'],
      [4, 'CREATE MATERIALIZED VIEW'],
    ]);
    expect(statements(report, migrations[2]!)).toEqual([
      [3, 'CREATE MATERIALIZED VIEW'],
      [3, 'DROP MATERIALIZED VIEW'],
      [3, 'ALTER MATERIALIZED VIEW RENAME'],
      [4, 'DROP VIEW'],
    ]);
    const notices = report.files.flatMap((f) => f.findings.filter((x) => x.rule === 'orm-not-analysed').map((x) => [f.path, x.line, x.message]));
    expect(notices).toEqual([
      [migrations[2], 4, 'not analysed: the body of Scenic `update_view :signups` (its `DROP VIEW` is reviewed): its SQL is in db/views/signups_v04.sql, which is not among the files dbarch was given'],
    ]);
    // The views' DROP takes ACCESS EXCLUSIVE on the view: reported at the update_view line.
    const up1 = report.files.find((f) => f.path === migrations[1] && f.direction === 'up')!;
    expect(up1.findings.filter((x) => x.rule === 'require-timeout-settings').map((x) => x.line)).toEqual([3]);
  });

  it('without the view files every body is reported, naming its file', async () => {
    const report = await analyze({ files: migrations.map((p) => ({ path: p, content: read(p)! })), config });
    const notices = report.files.flatMap((f) => f.findings.filter((x) => x.rule === 'orm-not-analysed').map((x) => `${f.path}:${x.line} ${/db\/views\/\w+\.sql/.exec(x.message)?.[0]}`));
    expect(notices).toEqual([
      `${migrations[0]}:7 db/views/active_users_v01.sql`,
      `${migrations[1]}:3 db/views/active_users_v02.sql`,
      `${migrations[2]}:3 db/views/user_counts_v02.sql`,
      `${migrations[2]}:4 db/views/signups_v04.sql`,
    ]);
  });

  it('dbarch lint reads the view files from the checkout, also for a migration named alone', async () => {
    for (const args of [['.'], [migrations[1]!]]) {
      let out = '';
      let err = '';
      const code = await main(['lint', ...args, '--format', 'json', '--engines', 'builtin'], { cwd: root, stdout: (s: string) => void (out += s), stderr: (s: string) => void (err += s) });
      expect(err).toBe('');
      expect([0, 1]).toContain(code);
      const report = JSON.parse(out) as Report;
      expect(report.files.some((f) => f.path.startsWith('db/views/'))).toBe(false);
      expect(statements(report, migrations[1]!)).toEqual([
        [3, 'DROP VIEW'],
        [3, 'CREATE VIEW'],
        [4, 'CREATE MATERIALIZED VIEW'],
      ]);
    }
  });

  it('companionPaths lists the view files a pull request fetcher must add', async () => {
    expect(await companionPaths(migrations.map((p) => ({ path: p, content: read(p)! })), config)).toEqual([
      'db/views/active_users_v01.sql',
      'db/views/active_users_v02.sql',
      'db/views/signups_v04.sql',
      'db/views/user_counts_v02.sql',
    ]);
  });
});
