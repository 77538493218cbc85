import { replaceStatement, stmtText } from '../src/rules/fixes.js';
import { nonTransactionalKind } from '../src/pg/statement.js';
import { createRule } from '../src/rules/create.js';

export default createRule({
  meta: {
    id: 'non-transactional-statement-in-transaction',
    description: 'A statement that PostgreSQL refuses inside a transaction block runs in one: the migration fails.',
    category: 'locking',
    defaultSeverity: 'error',
    severityReason: 'fails-at-runtime',
    hazard:
      'VACUUM, CREATE/DROP DATABASE, CREATE/DROP TABLESPACE, ALTER SYSTEM, REINDEX SCHEMA/DATABASE/SYSTEM and ' +
      '(before PostgreSQL 12) `ALTER TYPE … ADD VALUE` cannot run inside a transaction block. A migration that ' +
      'wraps them in a transaction fails at deploy time.',
    messages: {
      inTransaction: '{kind} cannot run inside a transaction block; this migration will fail.',
    },
    examples: [
      {
        bad: 'BEGIN;\nVACUUM ANALYZE users;\nCOMMIT;',
        good: 'VACUUM ANALYZE users;',
        transaction: 'none',
        note: 'Run it in a migration without a transaction.',
      },
    ],
  },
  check(stmt, ctx) {
    if (!stmt.inTransaction) return [];
    const kind = nonTransactionalKind(stmt);
    if (!kind) return [];
    return [
      {
        messageId: 'inTransaction',
        data: { kind },
        fix: replaceStatement(
          stmt,
          'Run this statement in its own migration with the transaction disabled.',
          `${stmtText(stmt)};`,
          true,
        ),
      },
    ];
  },
});
