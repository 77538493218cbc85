// Hazards written in the Rails and Ecto DSLs are found at the DSL call's line, with the fix in
// the framework's language.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { analyze } from '../../src/analyze.js';
import { configSchema } from '../../src/config/schema.js';
import type { FileReport } from '../../src/types.js';

const root = join(import.meta.dirname, '../../fixtures/projects');

async function lint(project: string, paths: string[]): Promise<Map<string, FileReport>> {
  const files = paths.map((p) => ({ path: p, content: readFileSync(join(root, project, p), 'utf8') }));
  const report = await analyze({ files, config: configSchema.parse({ engines: ['builtin'] }) });
  return new Map(report.files.filter((f) => f.direction === 'up').map((f) => [f.path, f]));
}

function hazards(file: FileReport | undefined) {
  return (file?.findings ?? [])
    .filter((f) => f.severity !== 'info' && f.rule !== 'require-timeout-settings')
    .map((f) => ({ line: f.line, rule: f.rule, severity: f.severity, dsl: f.fix?.dsl?.code, replacesLine: f.fix?.replaces?.line }));
}

describe('Rails DSL', () => {
  const paths = [
    'db/migrate/20240102120000_create_users.rb',
    'db/migrate/20240301080000_add_status_to_users.rb',
    'db/migrate/20240415000000_create_accounts.rb',
    'db/migrate/20240501090000_dsl_hazards.rb',
    'db/migrate/20240502090000_dsl_safe_index.rb',
    'db/migrate/20240503090000_dsl_concurrent_in_transaction.rb',
  ];

  it('reports each hazard at its DSL line with the safe call in Ruby', async () => {
    const files = await lint('rails', paths);
    expect(hazards(files.get(paths[3]!))).toEqual([
      { line: 3, rule: 'require-concurrent-index-creation', severity: 'error', dsl: 'add_index :users, [:status, :created_at], algorithm: :concurrently', replacesLine: 3 },
      { line: 4, rule: 'adding-foreign-key-constraint', severity: 'error', dsl: 'add_foreign_key :users, :accounts, column: :account_id, validate: false', replacesLine: 4 },
      {
        line: 5,
        rule: 'adding-not-nullable-field',
        severity: 'error',
        dsl: 'add_check_constraint :users, "status IS NOT NULL", name: "users_status_not_null", validate: false',
        replacesLine: 5,
      },
      {
        line: 6,
        rule: 'constraint-missing-not-valid',
        severity: 'error',
        dsl: 'add_check_constraint :users, "char_length(email) < 320", name: "users_email_length", validate: false',
        replacesLine: 6,
      },
      // No DSL rewrite for a volatile default: the SQL fix stays, without a one-click suggestion.
      { line: 7, rule: 'adding-field-with-default', severity: 'error', dsl: undefined, replacesLine: undefined },
      { line: 8, rule: 'require-concurrent-index-deletion', severity: 'warning', dsl: 'remove_index :users, :email, algorithm: :concurrently', replacesLine: 8 },
      { line: 9, rule: 'renaming-column', severity: 'warning', dsl: undefined, replacesLine: undefined },
    ]);
  });

  it('keeps the SQL form beside the DSL fix, and says what else the migration needs', async () => {
    const files = await lint('rails', paths);
    const index = files.get(paths[3]!)!.findings.find((f) => f.rule === 'require-concurrent-index-creation')!;
    expect(index.fix!.sql).toContain('CREATE INDEX CONCURRENTLY "index_users_on_status_and_created_at" ON "users" ("status", "created_at")');
    expect(index.fix!.description).toContain('disable_ddl_transaction!');
    const fk = files.get(paths[3]!)!.findings.find((f) => f.rule === 'adding-foreign-key-constraint')!;
    expect(fk.fix!.description).toMatch(/validate_foreign_key :users, name: "fk_rails_[0-9a-f]{10}"` in a later migration/);
  });

  it('reports data changes in Ruby as not analysed, at their line', async () => {
    const files = await lint('rails', paths);
    const notes = files.get(paths[3]!)!.findings.filter((f) => f.rule === 'orm-not-analysed');
    expect(notes.map((n) => [n.line, n.severity])).toEqual([[10, 'info']]);
    expect(notes[0]!.message).toContain('User.where(state: nil).update_all');
  });

  it('honours disable_ddl_transaction! and safety_assured, and reports the directive', async () => {
    const files = await lint('rails', paths);
    const safe = files.get(paths[4]!)!;
    expect(safe.transaction).toBe('none');
    expect(safe.statements.map((s) => [s.line, s.kind])).toEqual([
      [5, 'CREATE INDEX CONCURRENTLY'],
      [6, 'ALTER TABLE'],
    ]);
    expect(safe.findings.map((f) => [f.line, f.rule])).toEqual([[6, 'ignore-directive']]);
    const inTx = files.get(paths[5]!)!;
    expect(inTx.findings.map((f) => [f.line, f.rule, f.fix?.dsl?.code, f.fix?.replaces])).toEqual([
      [3, 'ban-concurrent-index-creation-in-transaction', 'disable_ddl_transaction!', undefined],
    ]);
  });
});

describe('Ecto DSL', () => {
  const paths = [
    'priv/repo/migrations/20240101000000_create_users.exs',
    'priv/repo/migrations/20240201000000_add_hazards.exs',
    'priv/repo/migrations/20240301000000_concurrent_index.exs',
  ];

  it('reports each hazard at its DSL line with the safe call in Elixir', async () => {
    const files = await lint('ecto', paths);
    expect(hazards(files.get(paths[1]!))).toEqual([
      { line: 5, rule: 'require-concurrent-index-creation', severity: 'error', dsl: 'create index(:users, [:inserted_at], concurrently: true)', replacesLine: 5 },
      // references() on a new column without a default: PostgreSQL skips the validation scan
      { line: 8, rule: 'require-index-for-foreign-key', severity: 'warning', dsl: undefined, replacesLine: undefined },
      { line: 9, rule: 'adding-not-nullable-field', severity: 'error', dsl: undefined, replacesLine: undefined },
      // the earlier migration created `name` as varchar(255): varchar → text is binary-coercible, no rewrite
      {
        line: 12,
        rule: 'constraint-missing-not-valid',
        severity: 'error',
        dsl: 'create constraint(:users, :email_length, check: "char_length(email) < 320", validate: false)',
        replacesLine: 12,
      },
      { line: 13, rule: 'require-concurrent-index-deletion', severity: 'warning', dsl: 'drop index(:users, [:email], concurrently: true)', replacesLine: 13 },
      // the earlier migration created that index on users: DROP INDEX locks users ACCESS EXCLUSIVE until the migration commits
      { line: 14, rule: 'hold-access-exclusive-lock', severity: 'error', dsl: undefined, replacesLine: undefined },
      { line: 14, rule: 'unbatched-data-migration', severity: 'warning', dsl: undefined, replacesLine: undefined },
    ]);
  });

  it('translates with ecto_sql types and names; @disable_ddl_transaction runs CONCURRENTLY outside a transaction', async () => {
    const files = await lint('ecto', paths);
    const create = files.get(paths[0]!)!;
    expect(create.statements.map((s) => [s.line, s.endLine, s.kind])).toEqual([
      [5, 9, 'CREATE TABLE'],
      [11, 11, 'CREATE INDEX'],
      [13, 15, 'CREATE TABLE'],
    ]);
    const concurrent = files.get(paths[2]!)!;
    expect(concurrent.transaction).toBe('none');
    expect(concurrent.statements.map((s) => [s.line, s.kind, s.inTransaction])).toEqual([[7, 'CREATE INDEX CONCURRENTLY', false]]);
    expect(concurrent.findings.filter((f) => f.severity !== 'info')).toEqual([]);
  });
});

describe('Django operations', () => {
  const dir = 'shop/migrations';
  const paths = ['0001_initial', '0002_order_created_idx', '0003_order_note', '0004_dsl_hazards', '0005_concurrent_in_transaction', '0006_safe_index'].map((n) => `${dir}/${n}.py`);

  it('reports each hazard at its operation with the safe operation in Python', async () => {
    const files = await lint('django', paths);
    expect(hazards(files.get(paths[3]!))).toEqual([
      {
        line: 14,
        rule: 'require-concurrent-index-creation',
        severity: 'error',
        dsl: 'AddIndexConcurrently(model_name="order", index=models.Index(fields=["created_at"], name="shop_order_created_at_idx"))',
        replacesLine: 14,
      },
      {
        line: 16,
        rule: 'constraint-missing-not-valid',
        severity: 'error',
        dsl: 'AddConstraintNotValid(\n            model_name="order", constraint=models.CheckConstraint(check=models.Q(total__gte=0), name="shop_order_total_positive")\n        )',
        replacesLine: 16,
      },
      // A ForeignKey field: the FK and its index have no safe form in Django's DSL, the SQL fix stays as advice.
      { line: 20, rule: 'adding-foreign-key-constraint', severity: 'error', dsl: undefined, replacesLine: undefined },
      { line: 20, rule: 'require-concurrent-index-creation', severity: 'error', dsl: undefined, replacesLine: undefined },
      { line: 25, rule: 'changing-column-type', severity: 'error', dsl: undefined, replacesLine: undefined },
      { line: 26, rule: 'require-concurrent-index-deletion', severity: 'warning', dsl: 'RemoveIndexConcurrently(model_name="order", name="shop_order_created_idx")', replacesLine: 26 },
      { line: 28, rule: 'unbatched-data-migration', severity: 'warning', dsl: undefined, replacesLine: undefined },
    ]);
  });

  it('translates as Django does: AddField with a default adds it then drops it; ForeignKey is bigint + deferrable FK + index', async () => {
    const files = await lint('django', paths);
    const f = files.get(paths[3]!)!;
    expect(f.statements.filter((s) => s.line === 15).map((s) => s.kind)).toEqual(['ALTER TABLE', 'ALTER TABLE']);
    expect(f.statements.filter((s) => s.line === 20).map((s) => s.kind)).toEqual(['ALTER TABLE', 'ALTER TABLE', 'CREATE INDEX']);
    const index = f.findings.find((x) => x.rule === 'require-concurrent-index-creation' && x.line === 14)!;
    expect(index.fix!.sql).toContain('CREATE INDEX CONCURRENTLY "shop_order_created_at_idx" ON "shop_order" ("created_at")');
    expect(index.fix!.description).toContain('atomic = False');
    const check = f.findings.find((x) => x.rule === 'constraint-missing-not-valid')!;
    expect(check.fix!.description).toContain('ValidateConstraint(model_name="order", name="shop_order_total_positive")');
  });

  it('atomic = False runs AddIndexConcurrently outside the transaction; without it the fix is atomic = False', async () => {
    const files = await lint('django', paths);
    expect(files.get(paths[4]!)!.findings.filter((f) => f.severity !== 'info').map((f) => [f.line, f.rule, f.fix?.dsl?.code, f.fix?.replaces])).toEqual([
      [9, 'ban-concurrent-index-creation-in-transaction', 'atomic = False', undefined],
    ]);
    const safe = files.get(paths[5]!)!;
    expect(safe.transaction).toBe('none');
    expect(safe.statements.map((s) => [s.line, s.kind, s.inTransaction])).toEqual([[11, 'CREATE INDEX CONCURRENTLY', false]]);
    expect(safe.findings.filter((f) => f.severity !== 'info')).toEqual([]);
  });
});

describe('Alembic operations', () => {
  const dir = 'alembic/versions';
  const paths = ['e4c1d2a9b7f0_create_account', '3f9a10c2d4e1_add_account_status', 'a77b02e5f6d3_account_name_idx', 'b5d0e1f2a3c4_dsl_hazards'].map((n) => `${dir}/${n}.py`);

  it('reports each hazard at its op call with the safe call in Python', async () => {
    const files = await lint('alembic', paths);
    expect(hazards(files.get(paths[3]!))).toEqual([
      {
        line: 15,
        rule: 'require-concurrent-index-creation',
        severity: 'error',
        dsl: 'with op.get_context().autocommit_block():\n        op.create_index("account_email_idx", "account", ["email"], unique=True, postgresql_concurrently=True)',
        replacesLine: 15,
      },
      { line: 16, rule: 'constraint-missing-not-valid', severity: 'error', dsl: 'op.create_check_constraint("account_name_len", "account", "char_length(name) < 100", postgresql_not_valid=True)', replacesLine: 16 },
      { line: 17, rule: 'prefer-bigint-primary-key', severity: 'warning', dsl: undefined, replacesLine: undefined },
      { line: 19, rule: 'adding-foreign-key-constraint', severity: 'error', dsl: 'op.create_foreign_key("account_team_fk", "account", "team", ["team_id"], ["id"], postgresql_not_valid=True)', replacesLine: 19 },
      { line: 20, rule: 'changing-column-type', severity: 'error', dsl: undefined, replacesLine: undefined },
      { line: 21, rule: 'adding-not-nullable-field', severity: 'error', dsl: undefined, replacesLine: undefined },
      {
        line: 22,
        rule: 'require-concurrent-index-deletion',
        severity: 'warning',
        dsl: 'with op.get_context().autocommit_block():\n        op.drop_index("account_name_idx", table_name="account", postgresql_concurrently=True)',
        replacesLine: 22,
      },
    ]);
  });

  it('autocommit_block(): its body runs outside the migration transaction (COMMIT before, BEGIN after, as Alembic does)', async () => {
    const files = await lint('alembic', paths);
    const f = files.get(paths[3]!)!;
    expect(f.transaction).toBe('transaction');
    expect(f.statements.filter((s) => s.line >= 23).map((s) => [s.line, s.kind, s.inTransaction])).toEqual([
      [23, 'COMMIT', true],
      [24, 'CREATE INDEX CONCURRENTLY', false],
      [24, 'BEGIN', true],
    ]);
    expect(f.findings.filter((x) => x.line >= 23 && x.severity !== 'info')).toEqual([]);
  });
});

describe('Knex schema builder', () => {
  const dir = 'db/migrations';
  const paths = ['20240101090000_create_accounts.js', '20240201090000_dsl_hazards.js', '20240301090000_raw_index.js', '20240401090000_safe_index.ts'].map((n) => `${dir}/${n}`);

  it('reports each hazard at its builder line with the safe version in JavaScript', async () => {
    const files = await lint('knex-dsl', paths);
    expect(hazards(files.get(paths[1]!))).toEqual([
      // The callback holds only this line: the suggestion replaces the whole alterTable call (lines 2-4).
      { line: 3, rule: 'require-concurrent-index-creation', severity: 'error', dsl: `knex.raw('create index CONCURRENTLY "users_status_created_at_index" on "users" ("status", "created_at")')`, replacesLine: 2 },
      // Inside a callback with other lines: the raw call is advice, to run after the callback.
      { line: 7, rule: 'adding-foreign-key-constraint', severity: 'error', dsl: `knex.raw('ALTER TABLE users ADD CONSTRAINT users_account_fk FOREIGN KEY (account_id) REFERENCES accounts (id) NOT VALID')`, replacesLine: undefined },
      // .alter() drops NOT NULL and sets it again: a scan, even when the column was NOT NULL before.
      { line: 8, rule: 'adding-not-nullable-field', severity: 'error', dsl: `knex.raw('ALTER TABLE users ADD CONSTRAINT users_status_not_null CHECK (status IS NOT NULL) NOT VALID')`, replacesLine: undefined },
      // `status` is varchar(255) since the first migration of the run: the same type, no rewrite
      { line: 9, rule: 'adding-field-with-default', severity: 'error', dsl: undefined, replacesLine: undefined },
      { line: 10, rule: 'require-concurrent-index-deletion', severity: 'warning', dsl: `knex.raw('drop index CONCURRENTLY "users_email_idx"')`, replacesLine: undefined },
      { line: 11, rule: 'renaming-column', severity: 'warning', dsl: undefined, replacesLine: undefined },
    ]);
    const notes = files.get(paths[1]!)!.findings.filter((f) => f.rule === 'orm-not-analysed');
    expect(notes.map((n) => [n.line, n.severity])).toEqual([[13, 'info']]);
  });

  it('keeps the SQL beside the JavaScript fix and says the module must leave the transaction', async () => {
    const files = await lint('knex-dsl', paths);
    const index = files.get(paths[1]!)!.findings.find((f) => f.rule === 'require-concurrent-index-creation')!;
    expect(index.fix!.sql).toContain('create index CONCURRENTLY "users_status_created_at_index" on "users" ("status", "created_at")');
    expect(index.fix!.description).toContain('exports.config = { transaction: false };');
    const fk = files.get(paths[1]!)!.findings.find((f) => f.rule === 'adding-foreign-key-constraint')!;
    expect(fk.fix!.description).toContain("in a later migration run `knex.raw('ALTER TABLE users VALIDATE CONSTRAINT users_account_fk')`");
  });

  it('knex.raw is SQL: a plain index gets a raw CONCURRENTLY in place; CONCURRENTLY in the transaction gets the config switch', async () => {
    const files = await lint('knex-dsl', paths);
    expect(hazards(files.get(paths[2]!))).toEqual([
      { line: 2, rule: 'require-concurrent-index-creation', severity: 'error', dsl: `knex.raw('CREATE INDEX CONCURRENTLY users_name_idx ON users (account_id)')`, replacesLine: 2 },
      { line: 3, rule: 'ban-concurrent-index-creation-in-transaction', severity: 'error', dsl: 'exports.config = { transaction: false };', replacesLine: undefined },
    ]);
  });

  it('export const config = { transaction: false } in TypeScript runs CONCURRENTLY outside a transaction; hasColumn is reported', async () => {
    const files = await lint('knex-dsl', paths);
    const safe = files.get(paths[3]!)!;
    expect(safe.transaction).toBe('none');
    expect(safe.statements.map((s) => [s.line, s.kind, s.inTransaction])).toEqual([
      [7, 'CREATE INDEX CONCURRENTLY', false],
      [10, 'ALTER TABLE', false],
    ]);
    expect(safe.findings.filter((f) => f.severity === 'error')).toEqual([]);
    expect(safe.findings.filter((f) => f.rule === 'orm-not-analysed').map((f) => f.line)).toEqual([8]);
    const create = files.get(paths[0]!)!;
    expect(create.statements.map((s) => [s.line, s.kind])).toEqual([
      [2, 'CREATE TABLE'],
      [7, 'CREATE TABLE'],
      [9, 'ALTER TABLE'],
      [10, 'ALTER TABLE'],
      [18, 'CREATE INDEX'],
    ]);
  });
});

describe('Sequelize queryInterface', () => {
  const dir = 'db/migrations';
  const paths = ['20240101090000-create-accounts.js', '20240201090000-dsl-hazards.js', '20240301090000-index-in-transaction.js', '20240401090000-safe-index.ts'].map((n) => `${dir}/${n}`);

  it('reports each hazard at its queryInterface call with the safe call in JavaScript', async () => {
    const files = await lint('sequelize-dsl', paths);
    expect(hazards(files.get(paths[1]!))).toEqual([
      { line: 5, rule: 'require-concurrent-index-creation', severity: 'error', dsl: "queryInterface.addIndex('users', ['status', 'createdAt'], { concurrently: true })", replacesLine: 5 },
      {
        line: 6,
        rule: 'adding-foreign-key-constraint',
        severity: 'error',
        dsl: `queryInterface.sequelize.query('ALTER TABLE users ADD CONSTRAINT users_account_fk FOREIGN KEY ("accountId") REFERENCES accounts (id) NOT VALID')`,
        replacesLine: 6,
      },
      { line: 7, rule: 'adding-not-nullable-field', severity: 'error', dsl: `queryInterface.sequelize.query('ALTER TABLE users ADD CONSTRAINT users_status_not_null CHECK (status IS NOT NULL) NOT VALID')`, replacesLine: undefined },
      {
        line: 8,
        rule: 'constraint-missing-not-valid',
        severity: 'error',
        dsl: `queryInterface.sequelize.query('ALTER TABLE users ADD CONSTRAINT users_email_length CHECK ("email" != \\'\\') NOT VALID')`,
        replacesLine: 8,
      },
      { line: 9, rule: 'adding-field-with-default', severity: 'error', dsl: undefined, replacesLine: undefined },
      { line: 10, rule: 'require-concurrent-index-deletion', severity: 'warning', dsl: "queryInterface.removeIndex('users', 'users_email', { concurrently: true })", replacesLine: 10 },
      { line: 11, rule: 'renaming-column', severity: 'warning', dsl: undefined, replacesLine: undefined },
    ]);
    const notes = files.get(paths[1]!)!.findings.filter((f) => f.rule === 'orm-not-analysed');
    expect(notes.map((n) => [n.line, n.message.slice(0, 40)])).toEqual([[12, 'not analysed: `bulkUpdate` changes rows;']]);
  });

  it('runs without a transaction unless the code opens one: CONCURRENTLY inside sequelize.transaction() fails, and the fix moves it out', async () => {
    const files = await lint('sequelize-dsl', paths);
    const inTx = files.get(paths[2]!)!;
    expect(inTx.transaction).toBe('none');
    expect(inTx.statements.map((s) => [s.line, s.kind, s.inTransaction])).toEqual([
      [5, 'BEGIN', true],
      [6, 'ALTER TABLE', true],
      [7, 'CREATE INDEX CONCURRENTLY', true],
      [8, 'COMMIT', true],
    ]);
    expect(inTx.findings.filter((f) => f.severity === 'error').map((f) => [f.line, f.rule, f.fix?.dsl?.code, f.fix?.replaces])).toEqual([
      [7, 'ban-concurrent-index-creation-in-transaction', "queryInterface.addIndex('accounts', ['plan'], { concurrently: true })", undefined],
    ]);
    const safe = files.get(paths[3]!)!;
    expect(safe.statements.map((s) => [s.line, s.kind, s.inTransaction])).toEqual([
      [6, 'ALTER TABLE', false],
      [7, 'CREATE INDEX CONCURRENTLY', false],
    ]);
    expect(safe.findings.filter((f) => f.severity === 'error')).toEqual([]);
  });
});
