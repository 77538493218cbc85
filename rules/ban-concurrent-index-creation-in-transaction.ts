import { replaceStatement, stmtText } from '../src/rules/fixes.js';
import { concurrentKind } from '../src/pg/statement.js';
import { createRule } from '../src/rules/create.js';

export default createRule({
  meta: {
    id: 'ban-concurrent-index-creation-in-transaction',
    description: 'CONCURRENTLY cannot run inside a transaction block: the migration fails.',
    category: 'locking',
    nodes: ['IndexStmt', 'DropStmt', 'ReindexStmt', 'AlterTableStmt'],
    defaultSeverity: 'error',
    severityReason: 'fails-at-runtime',
    hazard:
      '`CREATE INDEX CONCURRENTLY`, `DROP INDEX CONCURRENTLY`, `REINDEX … CONCURRENTLY` and ' +
      '`DETACH PARTITION … CONCURRENTLY` refuse to run inside a transaction block ' +
      '(`ERROR: … cannot run inside a transaction block`). Most migration tools wrap each file in a transaction, ' +
      'so the migration fails at deploy time. Disable the transaction for this migration (and keep the statement ' +
      'alone in it).',
    squawk: ['ban-concurrent-index-creation-in-transaction'],
    messages: {
      inTransaction: '{kind} cannot run inside a transaction block; this migration will fail.',
    },
    examples: [
      {
        bad: 'BEGIN;\nCREATE INDEX CONCURRENTLY users_email_idx ON users (email);\nCOMMIT;',
        good: 'CREATE INDEX CONCURRENTLY users_email_idx ON users (email);',
        transaction: 'none',
        note: 'Run the file without a transaction (e.g. `-- +goose NO TRANSACTION`, `disable_ddl_transaction!`, `atomic = False`, flyway `executeInTransaction=false`).',
      },
    ],
  },
  check(stmt) {
    const kind = concurrentKind(stmt);
    if (!kind || !stmt.inTransaction) return [];
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
