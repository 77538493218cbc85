import { describe, expect, it } from 'vitest';
import { project } from './helpers.js';
import { configSchema } from '../../src/config/schema.js';
import { discover } from '../../src/migrations/index.js';
import type { MigrationFile } from '../../src/migrations/index.js';

/** [path, direction, transaction] in apply order. */
type Row = [string, 'up' | 'down', 'transaction' | 'none'];

function rows(files: MigrationFile[]): Row[] {
  return files.map((f) => [f.path, f.direction, f.transaction]);
}

function single(name: string, framework: string) {
  const result = project(name);
  const sets = [...new Set(result.migrations.map((m) => m.set))];
  expect(sets).toHaveLength(1);
  expect(new Set(result.migrations.map((m) => m.framework))).toEqual(new Set([framework]));
  return result;
}

describe('flyway', () => {
  const dir = 'src/main/resources/db/migration';
  const result = single('flyway', 'flyway');
  it('orders versions numerically, repeatables after versioned, undo last', () => {
    expect(rows(result.migrations)).toEqual<Row[]>([
      [`${dir}/V1__create_accounts.sql`, 'up', 'transaction'],
      [`${dir}/V1_1__index_accounts_email.sql`, 'up', 'transaction'],
      [`${dir}/V2__add_accounts_plan.sql`, 'up', 'transaction'],
      [`${dir}/V9__concurrent_index_in_transaction.sql`, 'up', 'transaction'],
      [`${dir}/V10__concurrent_index.sql`, 'up', 'none'],
      [`${dir}/V11__concurrent_unique.sql`, 'up', 'none'],
      [`${dir}/R__accounts_view.sql`, 'up', 'transaction'],
      [`${dir}/U2__drop_accounts_plan.sql`, 'down', 'transaction'],
    ]);
  });
  it('reads versions, kinds and the reason for no transaction', () => {
    const byName = new Map(result.migrations.map((m) => [m.path.split('/').pop(), m]));
    expect(byName.get('V1_1__index_accounts_email.sql')!.version).toBe('1.1');
    expect(byName.get('R__accounts_view.sql')!.kind).toBe('repeatable');
    expect(byName.get('V10__concurrent_index.sql')!.transactionReason).toBe('flyway:executeInTransaction=false');
    expect(byName.get('V11__concurrent_unique.sql')!.transactionReason).toBe('V11__concurrent_unique.sql.conf: executeInTransaction=false');
    expect(result.migrations[0]!.set).toBe(dir);
    expect(result.migrations.every((m) => m.language === 'sql')).toBe(true);
  });
});

describe('prisma', () => {
  const result = single('prisma', 'prisma');
  it('orders by folder, sends each file as one query without BEGIN', () => {
    expect(rows(result.migrations)).toEqual<Row[]>([
      ['prisma/migrations/20240105093000_init/migration.sql', 'up', 'none'],
      ['prisma/migrations/20240212101500_user_email_index/migration.sql', 'up', 'none'],
      ['prisma/migrations/20240301120000_add_user_status/migration.sql', 'up', 'none'],
    ]);
    expect(result.migrations.every((m) => m.singleQuery === true)).toBe(true);
    expect(result.migrations[1]!).toMatchObject({ set: 'prisma/migrations', version: '20240212101500', name: 'user_email_index' });
    expect(result.schemas).toEqual(['prisma/schema.prisma']);
  });
});

describe('golang-migrate', () => {
  const result = single('golang-migrate', 'golang-migrate');
  it('orders by numeric version (2 before 10), downs newest first, no implicit transaction', () => {
    expect(rows(result.migrations)).toEqual<Row[]>([
      ['db/migrations/1_create_events.up.sql', 'up', 'none'],
      ['db/migrations/2_index_events_kind.up.sql', 'up', 'none'],
      ['db/migrations/10_events_source.up.sql', 'up', 'none'],
      ['db/migrations/10_events_source.down.sql', 'down', 'none'],
      ['db/migrations/2_index_events_kind.down.sql', 'down', 'none'],
      ['db/migrations/1_create_events.down.sql', 'down', 'none'],
    ]);
  });
});

describe('diesel', () => {
  const result = single('diesel', 'diesel');
  it('orders by folder, in a transaction unless metadata.toml says run_in_transaction = false', () => {
    expect(rows(result.migrations)).toEqual<Row[]>([
      ['migrations/00000000000000_diesel_initial_setup/up.sql', 'up', 'transaction'],
      ['migrations/2024-01-10-120000_create_posts/up.sql', 'up', 'transaction'],
      ['migrations/2024-02-20-083000_index_posts_published/up.sql', 'up', 'none'],
      ['migrations/2024-02-20-083000_index_posts_published/down.sql', 'down', 'none'],
      ['migrations/2024-01-10-120000_create_posts/down.sql', 'down', 'transaction'],
      ['migrations/00000000000000_diesel_initial_setup/down.sql', 'down', 'transaction'],
    ]);
  });
});

describe('dbmate', () => {
  const result = single('dbmate', 'dbmate');
  it('finds sectioned files, transaction:false per section, schema dump apart', () => {
    expect(rows(result.migrations)).toEqual<Row[]>([
      ['db/migrations/20240101100000_create_orders.sql', 'up', 'transaction'],
      ['db/migrations/20240115100000_index_orders_customer.sql', 'up', 'none'],
      ['db/migrations/20240201100000_orders_status.sql', 'up', 'transaction'],
    ]);
    expect(result.migrations[1]!.downTransaction).toBeUndefined(); // same as up: none
    expect(result.schemas).toEqual(['db/schema.sql']);
  });
});

describe('sqitch', () => {
  const result = single('sqitch', 'sqitch');
  it('orders by sqitch.plan (not by name), verify after deploy, reverts newest first', () => {
    expect(result.migrations.map((m) => [m.path, m.direction, m.kind])).toEqual([
      ['deploy/appschema.sql', 'up', 'migration'],
      ['verify/appschema.sql', 'up', 'verify'],
      ['deploy/users.sql', 'up', 'migration'],
      ['verify/users.sql', 'up', 'verify'],
      ['deploy/flips.sql', 'up', 'migration'],
      ['verify/flips.sql', 'up', 'verify'],
      ['deploy/users_email_idx.sql', 'up', 'migration'],
      ['verify/users_email_idx.sql', 'up', 'verify'],
      ['revert/users_email_idx.sql', 'down', 'migration'],
      ['revert/flips.sql', 'down', 'migration'],
      ['revert/users.sql', 'down', 'migration'],
      ['revert/appschema.sql', 'down', 'migration'],
    ]);
    expect(result.migrations.every((m) => m.transaction === 'none' && m.set === '.')).toBe(true);
  });
});

describe('supabase', () => {
  const result = single('supabase', 'supabase');
  it('orders by timestamp, one transaction per file, seed.sql is not a migration', () => {
    expect(rows(result.migrations)).toEqual<Row[]>([
      ['supabase/migrations/20240110090000_create_profiles.sql', 'up', 'transaction'],
      ['supabase/migrations/20240220090000_profiles_username_idx.sql', 'up', 'transaction'],
      ['supabase/migrations/20240305090000_profiles_website.sql', 'up', 'transaction'],
    ]);
  });
});

describe('generic', () => {
  const result = project('generic');
  it('finds migrations/ folders and *.up.sql / *.down.sql anywhere', () => {
    expect(result.migrations.map((m) => [m.set, m.path, m.direction, m.framework])).toEqual([
      ['sql/migrations', 'sql/migrations/001_init.sql', 'up', 'generic'],
      ['sql/migrations', 'sql/migrations/002_customers_email.sql', 'up', 'generic'],
      ['sql/migrations', 'sql/migrations/010_customers_email_not_null.sql', 'up', 'generic'],
      ['tools', 'tools/seed.up.sql', 'up', 'generic'],
      ['tools', 'tools/seed.down.sql', 'down', 'generic'],
    ]);
    // no known runner: psql semantics
    expect(result.migrations.every((m) => m.transaction === 'none')).toBe(true);
  });
  it('a script without a known runner runs as psql runs it, BEGIN or not', () => {
    const files: Record<string, string> = { 'migrations/1_a.sql': '-- x\nBEGIN;\nCREATE TABLE a (id int);\nCOMMIT;\n', 'migrations/2_b.sql': 'CREATE TABLE b (id int);\n', 'migrations/3_fn.sql': 'CREATE FUNCTION f() RETURNS void AS $$\nBEGIN\n  PERFORM 1;\nEND;\n$$ LANGUAGE plpgsql;\n', 'migrations/4_start.sql': 'start transaction isolation level serializable;\nSELECT 1;\ncommit;\n' };
    const r = discover({ paths: Object.keys(files), config: configSchema.parse({}), readFile: (p) => files[p] });
    expect(r.migrations.map((m) => [m.path, m.transaction])).toEqual([
      ['migrations/1_a.sql', 'none'],
      ['migrations/2_b.sql', 'none'],
      ['migrations/3_fn.sql', 'none'],
      ['migrations/4_start.sql', 'none'],
    ]);
  });
});

describe('rails', () => {
  const result = single('rails', 'rails');
  it('orders by version; disable_ddl_transaction! turns the transaction off', () => {
    expect(rows(result.migrations)).toEqual<Row[]>([
      ['db/migrate/20240102120000_create_users.rb', 'up', 'transaction'],
      ['db/migrate/20240215093000_index_users_email.rb', 'up', 'none'],
      ['db/migrate/20240301080000_add_status_to_users.rb', 'up', 'transaction'],
      ['db/migrate/20240410101500_backfill_user_names.rb', 'up', 'transaction'],
      ['db/migrate/20240415000000_create_accounts.rb', 'up', 'transaction'],
      ['db/migrate/20240501090000_dsl_hazards.rb', 'up', 'transaction'],
      ['db/migrate/20240502090000_dsl_safe_index.rb', 'up', 'none'],
      ['db/migrate/20240503090000_dsl_concurrent_in_transaction.rb', 'up', 'transaction'],
    ]);
    expect(result.migrations[1]!.transactionReason).toBe('disable_ddl_transaction!');
    expect(result.migrations.every((m) => m.language === 'ruby')).toBe(true);
    expect(result.schemas).toEqual(['db/schema.rb']);
  });
});

describe('ecto', () => {
  const result = single('ecto', 'ecto');
  it('orders by timestamp; @disable_ddl_transaction true turns the transaction off', () => {
    expect(rows(result.migrations)).toEqual<Row[]>([
      ['priv/repo/migrations/20240101000000_create_users.exs', 'up', 'transaction'],
      ['priv/repo/migrations/20240201000000_add_hazards.exs', 'up', 'transaction'],
      ['priv/repo/migrations/20240301000000_concurrent_index.exs', 'up', 'none'],
    ]);
    expect(result.migrations[2]!.transactionReason).toBe('@disable_ddl_transaction true');
    expect(result.migrations.every((m) => m.language === 'elixir')).toBe(true);
  });
});

describe('django', () => {
  const result = single('django', 'django');
  it('orders by number; atomic = False turns the transaction off; __init__.py is not a migration', () => {
    expect(rows(result.migrations)).toEqual<Row[]>([
      ['shop/migrations/0001_initial.py', 'up', 'transaction'],
      ['shop/migrations/0002_order_created_idx.py', 'up', 'none'],
      ['shop/migrations/0003_order_note.py', 'up', 'transaction'],
      ['shop/migrations/0004_dsl_hazards.py', 'up', 'transaction'],
      ['shop/migrations/0005_concurrent_in_transaction.py', 'up', 'transaction'],
      ['shop/migrations/0006_safe_index.py', 'up', 'none'],
    ]);
    // One history per Django project: dependencies cross apps.
    expect(result.migrations[0]!.set).toBe('.');
  });
});

describe('alembic', () => {
  const result = single('alembic', 'alembic');
  it('orders by the down_revision chain, not by the file names', () => {
    expect(result.migrations.map((m) => [m.path, m.version, m.transaction])).toEqual([
      ['alembic/versions/e4c1d2a9b7f0_create_account.py', 'e4c1d2a9b7f0', 'transaction'],
      ['alembic/versions/3f9a10c2d4e1_add_account_status.py', '3f9a10c2d4e1', 'transaction'],
      // every execute() sits in autocommit_block()
      ['alembic/versions/a77b02e5f6d3_account_name_idx.py', 'a77b02e5f6d3', 'none'],
      // op.* calls outside autocommit_block() keep the transaction
      ['alembic/versions/b5d0e1f2a3c4_dsl_hazards.py', 'b5d0e1f2a3c4', 'transaction'],
    ]);
  });
});

describe('knex', () => {
  const result = single('knex', 'knex');
  it('detects knex by content; exports.config = { transaction: false }', () => {
    expect(rows(result.migrations)).toEqual<Row[]>([
      ['migrations/20240103090000_create_users.js', 'up', 'transaction'],
      ['migrations/20240210090000_users_email_idx.js', 'up', 'none'],
      ['migrations/20240305090000_users_age.js', 'up', 'transaction'],
    ]);
    expect(result.migrations[0]!.language).toBe('javascript');
  });
});

describe('typeorm', () => {
  const result = single('typeorm', 'typeorm');
  it('detects MigrationInterface; transaction = false', () => {
    expect(rows(result.migrations)).toEqual<Row[]>([
      ['src/migrations/1704100000000-CreatePost.ts', 'up', 'transaction'],
      ['src/migrations/1706800000000-PostPublishedIndex.ts', 'up', 'none'],
    ]);
    expect(result.migrations[0]!.language).toBe('typescript');
  });
});

describe('sequelize', () => {
  const result = single('sequelize', 'sequelize');
  it('detects queryInterface; Sequelize opens no transaction', () => {
    expect(rows(result.migrations)).toEqual<Row[]>([
      ['migrations/20240104100000-create-product.js', 'up', 'none'],
      ['migrations/20240220100000-product-price.js', 'up', 'none'],
    ]);
  });
});

describe('knex and sequelize DSL projects (knexfile.js, .sequelizerc, db/migrations)', () => {
  it('finds the JavaScript and TypeScript migrations in order, not the config files', () => {
    const knex = single('knex-dsl', 'knex');
    expect(rows(knex.migrations)).toEqual<Row[]>([
      ['db/migrations/20240101090000_create_accounts.js', 'up', 'transaction'],
      ['db/migrations/20240201090000_dsl_hazards.js', 'up', 'transaction'],
      ['db/migrations/20240301090000_raw_index.js', 'up', 'transaction'],
      ['db/migrations/20240401090000_safe_index.ts', 'up', 'none'],
    ]);
    expect(knex.migrations.map((m) => m.language)).toEqual(['javascript', 'javascript', 'javascript', 'typescript']);
    const sequelize = single('sequelize-dsl', 'sequelize');
    expect(rows(sequelize.migrations)).toEqual<Row[]>([
      ['db/migrations/20240101090000-create-accounts.js', 'up', 'none'],
      ['db/migrations/20240201090000-dsl-hazards.js', 'up', 'none'],
      ['db/migrations/20240301090000-index-in-transaction.js', 'up', 'none'],
      ['db/migrations/20240401090000-safe-index.ts', 'up', 'none'],
    ]);
    for (const r of [knex, sequelize]) expect(r.migrations.some((m) => /knexfile|sequelizerc/.test(m.path))).toBe(false);
  });
});

describe('migration folders named by a knexfile or a .sequelizerc', () => {
  it('finds migrations in folders not named like one, and nothing else', () => {
    const files: Record<string, string> = {
      'api/knexfile.ts': "export default { development: { client: 'pg', migrations: { directory: './db/schema_changes', extension: 'ts' } }, production: { migrations: { directory: path.join(__dirname, 'db', 'prod_changes') } } };",
      'api/db/schema_changes/20240101_users.ts': "export async function up(k) { await k.schema.createTable('users', (t) => { t.increments(); }); }",
      'api/db/prod_changes/20240102_orgs.js': "exports.up = (k) => k.schema.createTable('orgs', (t) => { t.increments(); });",
      'api/db/helpers.ts': "export function up() {}",
      'web/.sequelizerc': "const path = require('path');\nmodule.exports = { 'migrations-path': path.resolve('database', 'changes'), 'models-path': path.resolve('models') };",
      'web/database/changes/20240103000000-add-plan.js': "module.exports = { async up(queryInterface) { await queryInterface.removeColumn('a', 'b'); } };",
      'web/models/user.js': 'module.exports = (sequelize) => sequelize.define("User", {});',
    };
    const result = discover({ paths: Object.keys(files), config: configSchema.parse({}), readFile: (p) => files[p] });
    expect(result.migrations.map((m) => [m.path, m.framework, m.transaction])).toEqual([
      ['api/db/prod_changes/20240102_orgs.js', 'knex', 'transaction'],
      ['api/db/schema_changes/20240101_users.ts', 'knex', 'transaction'],
      ['web/database/changes/20240103000000-add-plan.js', 'sequelize', 'none'],
    ]);
  });
});

describe('monorepo without config', () => {
  const result = project('monorepo');
  it('finds two sets with different frameworks', () => {
    const sets = new Map<string, Set<string>>();
    for (const m of result.migrations) sets.set(m.set, (sets.get(m.set) ?? new Set()).add(m.framework));
    expect(Object.fromEntries([...sets].map(([k, v]) => [k, [...v]]))).toEqual({
      'apps/web/db/migrate': ['rails'],
      'services/billing/migrations': ['golang-migrate'],
    });
    expect(rows(result.migrations)).toEqual<Row[]>([
      ['apps/web/db/migrate/20240105100000_create_accounts.rb', 'up', 'transaction'],
      ['apps/web/db/migrate/20240206100000_index_accounts_name.rb', 'up', 'transaction'],
      ['services/billing/migrations/000001_invoices.up.sql', 'up', 'none'],
      ['services/billing/migrations/000002_invoices_account_idx.up.sql', 'up', 'none'],
      ['services/billing/migrations/000002_invoices_account_idx.down.sql', 'down', 'none'],
      ['services/billing/migrations/000001_invoices.down.sql', 'down', 'none'],
    ]);
  });
});
