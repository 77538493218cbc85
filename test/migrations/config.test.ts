import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { configSchema, type DbarchConfigInput } from '../../src/config/schema.js';
import { discover, splitByChanged } from '../../src/migrations/index.js';
import { PROJECTS, fsReader, project, walk } from './helpers.js';

function inMemory(files: Record<string, string>, config: DbarchConfigInput = {}) {
  return discover({ paths: Object.keys(files), config: configSchema.parse(config), readFile: (p) => files[p] });
}

const SQL = 'SELECT 1;\n';

describe('config overrides', () => {
  it('exclude globs drop migrations into ignored', () => {
    const r = project('flyway', { exclude: ['**/V9__*.sql'] });
    expect(r.migrations.map((m) => m.path)).not.toContain('src/main/resources/db/migration/V9__concurrent_index_in_transaction.sql');
    expect(r.ignored).toEqual(['src/main/resources/db/migration/V9__concurrent_index_in_transaction.sql']);
  });

  it('include globs add files discovery would not find', () => {
    const files = { 'db/changes/001_a.sql': SQL, 'db/changes/002_b.sql': SQL, 'docs/example.sql': SQL };
    expect(inMemory(files).migrations).toEqual([]);
    const r = inMemory(files, { include: ['db/changes/*.sql'] });
    expect(r.migrations.map((m) => [m.path, m.framework, m.set, m.transaction])).toEqual([
      ['db/changes/001_a.sql', 'sql', 'db/changes', 'none'],
      ['db/changes/002_b.sql', 'sql', 'db/changes', 'none'],
    ]);
  });

  it('frameworks: a glob forces the framework (and its transaction model)', () => {
    const files = { 'sql/migrations/001_a.sql': SQL, 'database/changes/1_init.up.sql': SQL };
    const r = inMemory(files, { frameworks: { 'sql/migrations/**': 'supabase', 'database/changes/*.sql': 'golang-migrate' } });
    expect(r.migrations.map((m) => [m.path, m.framework, m.transaction])).toEqual([
      ['database/changes/1_init.up.sql', 'golang-migrate', 'none'],
      ['sql/migrations/001_a.sql', 'supabase', 'transaction'],
    ]);
  });

  it('transaction: none / transaction overrides the framework', () => {
    const none = project('rails', { transaction: 'none' });
    expect(new Set(none.migrations.map((m) => m.transaction))).toEqual(new Set(['none']));
    expect(none.migrations[0]!.transactionReason).toBe('configured transaction: none');
    const tx = project('golang-migrate', { transaction: 'transaction' });
    expect(new Set(tx.migrations.map((m) => m.transaction))).toEqual(new Set(['transaction']));
  });

  it('migration sets from dbarch.yml: only declared sets, each with framework, pgVersion and rules', () => {
    const root = join(PROJECTS, 'monorepo');
    const raw = parseYaml(readFileSync(join(root, 'dbarch.yml'), 'utf8')) as DbarchConfigInput;
    const r = discover({ paths: [...walk(root), 'tools/scratch/migrations/1_x.up.sql'], config: configSchema.parse(raw), readFile: fsReader(root) });
    expect(r.migrations.map((m) => [m.set, m.path.split('/').pop(), m.framework, m.pgVersion])).toEqual([
      ['billing', '000001_invoices.up.sql', 'golang-migrate', 14],
      ['billing', '000002_invoices_account_idx.up.sql', 'golang-migrate', 14],
      ['billing', '000002_invoices_account_idx.down.sql', 'golang-migrate', 14],
      ['billing', '000001_invoices.down.sql', 'golang-migrate', 14],
      ['web', '20240105100000_create_accounts.rb', 'rails', 16],
      ['web', '20240206100000_index_accounts_name.rb', 'rails', 16],
    ]);
    expect(r.migrations[0]!.rules).toEqual({ 'require-concurrent-index-creation': 'warning' });
    expect(r.migrations.at(-1)!.rules).toBeUndefined();
    expect(r.ignored).toContain('tools/scratch/migrations/1_x.up.sql');
  });

  it('a set can force the transaction mode and exclude files', () => {
    const files = { 'db/a/1_x.up.sql': SQL, 'db/a/2_y.up.sql': SQL, 'db/a/3_skip.up.sql': SQL };
    const r = inMemory(files, { migrations: [{ name: 'a', include: ['db/a/*.sql'], exclude: ['**/3_*'], transaction: 'transaction' }] });
    expect(r.migrations.map((m) => [m.path, m.framework, m.transaction])).toEqual([
      ['db/a/1_x.up.sql', 'golang-migrate', 'transaction'],
      ['db/a/2_y.up.sql', 'golang-migrate', 'transaction'],
    ]);
  });
});

describe('JavaScript / TypeScript in a migrations folder', () => {
  it('helpers and a migration tool\'s own source are not migrations; generator-named files are', () => {
    const r = inMemory({
      'src/migrations/discover.ts': 'const re = /MigrationInterface|queryRunner/;\n',
      'db/migrations/helpers.js': 'module.exports.quote = (s) => `"${s}"`;\n',
      'db/migrations/20240101000000_init.js': 'exports.up = (knex) => knex.raw("SELECT 1");\n',
      'db/migrations/add-users.js': 'exports.up = (knex) => knex.raw("SELECT 1");\n',
    });
    expect(r.migrations.map((m) => [m.path, m.framework])).toEqual([
      ['db/migrations/20240101000000_init.js', 'knex'],
      ['db/migrations/add-users.js', 'knex'],
    ]);
    expect(r.ignored).toEqual(['db/migrations/helpers.js', 'src/migrations/discover.ts']);
  });
});

describe('layouts', () => {
  it('Flyway callbacks and helper scripts next to versioned files are not migrations', () => {
    const r = inMemory({
      'src/main/resources/db/migration/V1__init.sql': SQL,
      'src/main/resources/db/migration/afterMigrate.sql': SQL,
      'src/main/resources/db/migration/postgres/V2__more.sql': SQL,
    });
    expect(r.migrations.map((m) => [m.path, m.framework, m.set])).toEqual([
      ['src/main/resources/db/migration/V1__init.sql', 'flyway', 'src/main/resources/db/migration'],
      ['src/main/resources/db/migration/postgres/V2__more.sql', 'flyway', 'src/main/resources/db/migration'],
    ]);
    expect(r.ignored).toEqual(['src/main/resources/db/migration/afterMigrate.sql']);
  });
  it('release sub-folders of a migrations folder are one history, ordered by folder then file', () => {
    const r = inMemory({
      'db/migrations/v1.10/001_c.sql': SQL,
      'db/migrations/v1.2/002_b.sql': SQL,
      'db/migrations/v1.2/001_a.sql': SQL,
      'db/migrations/v1.2/10_d.sql': SQL,
    });
    expect(r.migrations.map((m) => [m.set, m.path])).toEqual([
      ['db/migrations', 'db/migrations/v1.2/001_a.sql'],
      ['db/migrations', 'db/migrations/v1.2/002_b.sql'],
      ['db/migrations', 'db/migrations/v1.2/10_d.sql'],
      ['db/migrations', 'db/migrations/v1.10/001_c.sql'],
    ]);
  });
});

describe('Rails multi-database folders', () => {
  it('db/<name>_migrate holds Rails migrations of a second database', () => {
    const r = inMemory({ 'db/animals_migrate/20240101000000_create_dogs.rb': 'class CreateDogs < ActiveRecord::Migration[7.1]; end\n', 'db/seeds.rb': '' });
    expect(r.migrations.map((m) => [m.path, m.framework, m.set])).toEqual([['db/animals_migrate/20240101000000_create_dogs.rb', 'rails', 'db/animals_migrate']]);
  });
});

describe('paths', () => {
  it('normalises ./ prefixes, backslashes and duplicates', () => {
    const r = inMemory({ './db/migrations/1_a.up.sql': SQL, 'db\\migrations\\2_b.up.sql': SQL, 'db/migrations/1_a.up.sql': SQL });
    expect(r.migrations.map((m) => m.path)).toEqual(['db/migrations/1_a.up.sql', 'db/migrations/2_b.up.sql']);
  });
});

describe('schema dumps', () => {
  it('schema.sql, structure.sql, schema.rb and schema.prisma are schema, wherever they are', () => {
    const r = inMemory({
      'db/structure.sql': SQL,
      'db/schema.rb': '',
      'prisma/schema.prisma': '',
      'db/migrations/schema.sql': SQL,
      'db/migrations/1_a.up.sql': SQL,
    });
    expect(r.schemas).toEqual(['db/migrations/schema.sql', 'db/schema.rb', 'db/structure.sql', 'prisma/schema.prisma']);
    expect(r.migrations.map((m) => m.path)).toEqual(['db/migrations/1_a.up.sql']);
  });
});

describe('pull-request mode (only the changed paths)', () => {
  function changedOnly(name: string, changed: string[]) {
    const root = join(PROJECTS, name);
    return discover({ paths: changed, config: configSchema.parse({}), readFile: fsReader(root) });
  }
  it('reads sqitch.plan, metadata.toml and .sql.conf through readFile', () => {
    expect(changedOnly('sqitch', ['deploy/flips.sql']).migrations[0]).toMatchObject({ framework: 'sqitch', orderKey: '1:00000002', set: '.' });
    expect(changedOnly('diesel', ['migrations/2024-02-20-083000_index_posts_published/up.sql']).migrations[0]).toMatchObject({ framework: 'diesel', transaction: 'none' });
    expect(changedOnly('flyway', ['src/main/resources/db/migration/V11__concurrent_unique.sql']).migrations[0]).toMatchObject({ framework: 'flyway', transaction: 'none' });
    expect(changedOnly('django', ['shop/migrations/0002_order_created_idx.py']).migrations[0]).toMatchObject({ framework: 'django', transaction: 'none' });
  });
  it('non-migration changes are not migrations', () => {
    const r = changedOnly('rails', ['app/models/user.rb', 'README.md', 'db/schema.rb']);
    expect(r.migrations).toEqual([]);
    expect(r.schemas).toEqual(['db/schema.rb']);
  });
});

describe('splitByChanged', () => {
  const all = project('flyway').migrations;
  const dir = 'src/main/resources/db/migration';
  it('history is the forward migrations of the set before the first target', () => {
    const { targets, history } = splitByChanged(all, [`${dir}/V10__concurrent_index.sql`, `${dir}/R__accounts_view.sql`]);
    expect(targets.map((t) => t.path.split('/').pop())).toEqual(['V10__concurrent_index.sql', 'R__accounts_view.sql']);
    expect(history.map((t) => t.path.split('/').pop())).toEqual([
      'V1__create_accounts.sql',
      'V1_1__index_accounts_email.sql',
      'V2__add_accounts_plan.sql',
      'V9__concurrent_index_in_transaction.sql',
    ]);
  });
  it('a changed rollback replays up to the version it undoes', () => {
    const { targets, history } = splitByChanged(all, [`${dir}/U2__drop_accounts_plan.sql`]);
    expect(targets).toHaveLength(1);
    expect(history.map((t) => t.version)).toEqual(['1', '1.1', '2']);
  });
  it('nothing changed: no targets, no history', () => {
    expect(splitByChanged(all, ['README.md'])).toEqual({ targets: [], history: [] });
  });
});

describe('path-only discovery (readFile returns nothing)', () => {
  const names = ['flyway', 'prisma', 'golang-migrate', 'diesel', 'dbmate', 'sqitch', 'supabase', 'generic', 'rails', 'django', 'alembic', 'knex', 'typeorm', 'sequelize', 'monorepo'];
  // The order of these two lives in file contents (sqitch.plan, down_revision).
  const orderFromContent = new Set(['sqitch', 'alembic']);
  it.each(names)('%s: the same files are migrations, in the same order', (name) => {
    const full = project(name);
    const paths = walk(join(PROJECTS, name));
    const pathOnly = discover({ paths, config: configSchema.parse({}), readFile: () => undefined });
    if (orderFromContent.has(name)) {
      expect(pathOnly.migrations.map((m) => m.path).sort()).toEqual(full.migrations.map((m) => m.path).sort());
      return;
    }
    expect(pathOnly.migrations.map((m) => m.path)).toEqual(full.migrations.map((m) => m.path));
    // Frameworks that need the content to be told apart fall back to a path-based guess.
    const expectedFrameworks = full.migrations.map((m) => (m.framework === 'dbmate' ? 'generic' : m.framework));
    expect(pathOnly.migrations.map((m) => m.framework)).toEqual(expectedFrameworks);
  });
});
