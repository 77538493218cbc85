// A hand-built report over a small multi-byte migration, shared by the formatter tests.
import type { Report } from '../../src/types.js';

export const SAMPLE_PATH = 'db/migrations/0002_add_email.up.sql';

export const SAMPLE_SOURCE = [
  '-- Ajoute la colonne « e-mail »',
  'SET lock_timeout = \'5s\';',
  'ALTER TABLE "üsers" ADD COLUMN email text NOT NULL;',
  '\tCREATE INDEX idx_users_email ON "üsers" (email);',
  'ALTER TABLE "üsers"',
  '  ADD CONSTRAINT fk_org FOREIGN KEY (org_id) REFERENCES orgs (id);',
  '',
].join('\n');

export function sampleReport(): Report {
  return {
    files: [
      {
        path: SAMPLE_PATH,
        framework: 'golang-migrate',
        direction: 'up',
        transaction: 'none',
        statements: [
          {
            line: 2, column: 1, endLine: 2, endColumn: 24, kind: 'SET',
            locks: [], rewritesTable: false, scansTable: false, inTransaction: false, transactional: true,
            blocks: { reads: false, writes: false, ddl: false },
          },
          {
            line: 3, column: 1, endLine: 3, endColumn: 51, kind: 'ALTER TABLE',
            locks: [{ relation: 'public.üsers', mode: 'ACCESS EXCLUSIVE' }], rewritesTable: false, scansTable: true,
            inTransaction: false, transactional: true, blocks: { reads: true, writes: true, ddl: true },
          },
          {
            line: 4, column: 2, endLine: 4, endColumn: 48, kind: 'CREATE INDEX',
            locks: [{ relation: 'public.üsers', mode: 'SHARE' }], rewritesTable: false, scansTable: true,
            inTransaction: false, transactional: true, blocks: { reads: false, writes: true, ddl: true },
          },
          {
            line: 5, column: 1, endLine: 6, endColumn: 66, kind: 'ALTER TABLE',
            locks: [
              { relation: 'public.orgs', mode: 'SHARE ROW EXCLUSIVE' },
              { relation: 'public.üsers', mode: 'SHARE ROW EXCLUSIVE' },
            ],
            rewritesTable: false, scansTable: true, inTransaction: false, transactional: true,
            blocks: { reads: false, writes: true, ddl: true },
          },
        ],
        findings: [
          {
            rule: 'adding-not-nullable-field', severity: 'error', category: 'backward-compatibility',
            line: 3, column: 21, endLine: 3, endColumn: 51,
            message: 'Adding NOT NULL column "email" without a default fails on a table with rows.',
            help: 'Existing rows would violate the constraint.',
            relation: 'public.üsers', lockMode: 'ACCESS EXCLUSIVE',
            fix: {
              description: 'Add the column nullable, backfill, then enforce NOT NULL with a validated CHECK.',
              sql: 'ALTER TABLE "üsers" ADD COLUMN email text;\n-- backfill in batches, then:\nALTER TABLE "üsers" ADD CONSTRAINT email_not_null CHECK (email IS NOT NULL) NOT VALID;',
              replaces: { line: 3, column: 1, endLine: 3, endColumn: 51, offset: 57, endOffset: 107 },
            },
            engine: 'builtin', engines: ['builtin', 'squawk'], statementIndex: 1,
          },
          {
            rule: 'require-concurrent-index-creation', severity: 'error', category: 'locking',
            line: 4, column: 2, endLine: 4, endColumn: 48,
            message: 'CREATE INDEX without CONCURRENTLY blocks writes to "public.üsers" while it builds.',
            relation: 'public.üsers', lockMode: 'SHARE',
            fix: {
              description: 'Build the index concurrently.',
              sql: 'CREATE INDEX CONCURRENTLY idx_users_email ON "üsers" (email);',
              outsideTransaction: true,
            },
            engine: 'builtin', statementIndex: 2,
          },
          {
            rule: 'adding-foreign-key-constraint', severity: 'warning', category: 'locking',
            line: 5, column: 1, endLine: 6, endColumn: 66,
            message: 'Adding a foreign key validates every row while both tables are locked.',
            relation: 'public.üsers', lockMode: 'SHARE ROW EXCLUSIVE',
            engine: 'builtin', statementIndex: 3,
          },
          {
            rule: 'prefer-robust-stmts', severity: 'info',
            line: 4, column: 2, endLine: 4, endColumn: 48,
            message: 'Missing `IF NOT EXISTS`, the migration can\'t be rerun if it fails part way through.',
            engine: 'squawk',
          },
        ],
      },
      {
        path: 'db/migrations/0001_init.up.sql',
        framework: 'golang-migrate',
        direction: 'up',
        transaction: 'none',
        statements: [],
        findings: [],
      },
    ],
    summary: { files: 2, statements: 4, errors: 2, warnings: 1, infos: 1 },
  };
}
