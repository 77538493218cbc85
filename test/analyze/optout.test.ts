// Fixes that must run outside a transaction carry the framework's own opt-out, in the file
// where that framework reads it, so following the fix as written works.
import { describe, expect, it } from 'vitest';
import { analyze } from '../../src/analyze.js';
import { configSchema } from '../../src/config/schema.js';
import { transactionOptOut } from '../../src/rules/optout.js';
import type { Finding } from '../../src/types.js';

const config = configSchema.parse({ engines: ['builtin'] });
const index = 'CREATE INDEX idx_users_email ON users (email);\n';

async function fixOf(path: string, content: string, rule = 'require-concurrent-index-creation'): Promise<NonNullable<Finding['fix']>> {
  const report = await analyze({ files: [{ path, content }], config });
  const [file] = report.files;
  const f = file!.findings.find((x) => x.rule === rule);
  expect(f, `${path}: ${file!.framework} ${file!.transaction}: ${file!.findings.map((x) => x.rule).join(', ')}`).toBeDefined();
  return f!.fix!;
}

describe('framework opt-outs in fixes', () => {
  it('Flyway: a script configuration file named after the migration', async () => {
    const fix = await fixOf('db/migration/V2__idx.sql', index);
    expect(fix.optOut).toEqual({ file: 'db/migration/V2__idx.sql.conf', action: 'create', text: 'executeInTransaction=false' });
    expect(fix.description).toContain('Create db/migration/V2__idx.sql.conf');
    expect(fix.sql).toBe('CREATE INDEX CONCURRENTLY idx_users_email ON users (email);');
  });

  it('diesel: metadata.toml beside up.sql', async () => {
    const fix = await fixOf('migrations/2024-01-01-000000_idx/up.sql', index);
    expect(fix.optOut).toEqual({ file: 'migrations/2024-01-01-000000_idx/metadata.toml', action: 'create', text: 'run_in_transaction = false' });
  });

  it('dbmate: the section marker in the migration itself', async () => {
    const fix = await fixOf('db/migrations/20240101000000_idx.sql', `-- migrate:up\n${index}\n-- migrate:down\nDROP INDEX idx_users_email;\n`);
    expect(fix.optOut).toEqual({ file: 'db/migrations/20240101000000_idx.sql', action: 'edit', text: '-- migrate:up transaction:false' });
  });

  it('Prisma: a migration of its own holding the one statement', async () => {
    const fix = await fixOf('prisma/migrations/20240101000000_add_idx/migration.sql', `ALTER TABLE users ADD COLUMN nick text;\n${index}`);
    expect(fix.optOut).toEqual({ file: 'prisma/migrations/<timestamp>_add_idx_concurrently/migration.sql', action: 'create', text: '' });
    expect(fix.description).toContain('Prisma sends a migration file as one query');
    // alone in its file, the statement already runs outside a transaction
    expect((await fixOf('prisma/migrations/20240101000000_add_idx/migration.sql', index)).optOut).toBeUndefined();
  });

  it('Knex: exports.config in the migration, ESM syntax for TypeScript', () => {
    expect(transactionOptOut('knex', 'migrations/20240101_idx.js', 'transaction')).toMatchObject({ action: 'edit', text: 'exports.config = { transaction: false };' });
    expect(transactionOptOut('knex', 'migrations/20240101_idx.ts', 'transaction')).toMatchObject({ text: 'export const config = { transaction: false };' });
  });

  it('Rails, Django, Alembic, Ecto name their own switch when the fix stays SQL', () => {
    expect(transactionOptOut('rails', 'db/migrate/1_x.rb', 'transaction')?.text).toBe('disable_ddl_transaction!');
    expect(transactionOptOut('django', 'app/migrations/0002_x.py', 'transaction')?.text).toBe('atomic = False');
    expect(transactionOptOut('alembic', 'alembic/versions/abc_x.py', 'transaction')?.text).toContain('with op.get_context().autocommit_block():');
    expect(transactionOptOut('ecto', 'priv/repo/migrations/1_x.exs', 'transaction')?.text).toBe('@disable_ddl_transaction true\n@disable_migration_lock true');
  });

  it('adds nothing where the migration already runs without a transaction', async () => {
    const fix = await fixOf('db/migrations/001_idx.up.sql', index);
    expect(fix.optOut).toBeUndefined();
    expect(transactionOptOut('flyway', 'V1__x.sql', 'none')).toBeUndefined();
  });

  it('also for statements PostgreSQL refuses in a transaction', async () => {
    const fix = await fixOf('db/migration/V3__vac.sql', 'VACUUM users;\n', 'non-transactional-statement-in-transaction');
    expect(fix.optOut?.file).toBe('db/migration/V3__vac.sql.conf');
  });
});
