// A fix that must run outside a transaction only works once the framework stops wrapping the
// migration in one: each framework's own opt-out, in the file where that framework reads it.
import type { Fix, Framework, TransactionMode } from '../types.js';

export interface TransactionOptOut {
  /** Repository path of the file to change. */
  file: string;
  /** `create`: a new file (or add the line when it exists); `edit`: the migration itself. */
  action: 'create' | 'edit';
  /** What to write there. */
  text: string;
  /** One sentence for the fix description. */
  description: string;
}

const dir = (path: string) => (path.includes('/') ? path.slice(0, path.lastIndexOf('/')) : '.');
const base = (path: string) => path.slice(path.lastIndexOf('/') + 1);

/** Effects on the rest of the file: every statement in it loses the transaction, not just this one. */
const REST = 'The other statements of this migration then run without a transaction too: move those that must be atomic to a migration of their own.';

/**
 * The opt-out for a migration of `framework` at `path` that runs in a transaction; undefined
 * when the file already runs without one, or the framework has no per-migration opt-out.
 */
export function transactionOptOut(framework: Framework, path: string, transaction: TransactionMode): TransactionOptOut | undefined {
  if (transaction !== 'transaction') return undefined;
  switch (framework) {
    case 'rails':
      return { file: path, action: 'edit', text: 'disable_ddl_transaction!', description: `Add \`disable_ddl_transaction!\` to the migration class in ${path}. ${REST}` };
    case 'django':
      return { file: path, action: 'edit', text: 'atomic = False', description: `Set \`atomic = False\` on the Migration class in ${path}. ${REST}` };
    case 'alembic':
      return {
        file: path,
        action: 'edit',
        text: 'with op.get_context().autocommit_block():\n    op.execute(...)',
        description: `In ${path}, run the statement inside \`with op.get_context().autocommit_block():\` (Alembic commits the migration's transaction before the block and opens a new one after it).`,
      };
    case 'ecto':
      return {
        file: path,
        action: 'edit',
        text: '@disable_ddl_transaction true\n@disable_migration_lock true',
        description: `Set \`@disable_ddl_transaction true\` and \`@disable_migration_lock true\` in the migration module in ${path}. ${REST}`,
      };
    case 'diesel': {
      const file = `${dir(path)}/metadata.toml`;
      return { file, action: 'create', text: 'run_in_transaction = false', description: `Create ${file} with \`run_in_transaction = false\` (diesel reads it beside up.sql / down.sql). ${REST}` };
    }
    case 'dbmate':
      return {
        file: path,
        action: 'edit',
        text: '-- migrate:up transaction:false',
        description: `In ${path}, change the section marker to \`-- migrate:up transaction:false\`. ${REST}`,
      };
    case 'flyway': {
      const file = `${path}.conf`;
      return {
        file,
        action: 'create',
        text: 'executeInTransaction=false',
        description: `Create ${file} (Flyway's script configuration, named after the migration) with \`executeInTransaction=false\`. ${REST}`,
      };
    }
    case 'knex': {
      const esm = /\.(ts|mjs|mts)$/.test(path);
      const text = esm ? 'export const config = { transaction: false };' : 'exports.config = { transaction: false };';
      return { file: path, action: 'edit', text, description: `Add \`${text}\` to ${path}. ${REST}` };
    }
    case 'typeorm':
      return { file: path, action: 'edit', text: 'transaction = false as const;', description: `Add \`transaction = false as const;\` to the migration class in ${path} (TypeORM 0.3+). ${REST}` };
    case 'prisma': {
      // Prisma sends migration.sql as one query: only a file with this statement alone runs outside a transaction
      const migrations = dir(dir(path));
      const name = base(dir(path)).replace(/^\d+_/, '');
      const file = `${migrations}/<timestamp>_${name}_concurrently/migration.sql`;
      return {
        file,
        action: 'create',
        text: '',
        description: `Move this statement to a migration of its own, ${file} (create it with \`prisma migrate dev --create-only\`), holding only this statement: Prisma sends a migration file as one query, which PostgreSQL runs in an implicit transaction when it has several statements.`,
      };
    }
    default:
      return undefined;
  }
}

/** The fix with the framework's opt-out, when it must run outside the transaction the framework opens. */
export function withOptOut(fix: Fix, framework: Framework, path: string, transaction: TransactionMode): Fix {
  // a fix in the framework's language (Rails, Django, Alembic, Ecto) already carries its opt-out
  if (!fix.outsideTransaction || fix.optOut || fix.dsl) return fix;
  const optOut = transactionOptOut(framework, path, transaction);
  if (!optOut) return fix;
  return { ...fix, description: `${fix.description.replace(/\s*$/, '')} ${optOut.description}`, optOut: { file: optOut.file, action: optOut.action, text: optOut.text } };
}
