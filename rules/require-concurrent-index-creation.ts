import { as, isNew, qualifyRv } from '../src/rules/ast.js';
import { insertAfterWords, replaceStatement, stmtText } from '../src/rules/fixes.js';
import { createRule } from '../src/rules/create.js';

export default createRule({
  meta: {
    id: 'require-concurrent-index-creation',
    description: 'CREATE INDEX on an existing table without CONCURRENTLY blocks writes while the index builds.',
    category: 'locking',
    nodes: ['IndexStmt'],
    defaultSeverity: 'error',
    severityReason: 'blocks-existing-table',
    hazard:
      'A plain `CREATE INDEX` takes a SHARE lock on the table for the whole build: reads continue, but every ' +
      'INSERT, UPDATE and DELETE waits until the index is built, which takes minutes on a large table. ' +
      '`CREATE INDEX CONCURRENTLY` builds it without blocking writes.',
    lock: 'SHARE',
    squawk: ['require-concurrent-index-creation'],
    messages: {
      plain: 'CREATE INDEX on {relation} without CONCURRENTLY blocks writes to the table while the index builds.',
    },
    examples: [
      {
        bad: 'CREATE INDEX users_email_idx ON users (email);',
        good: 'CREATE INDEX CONCURRENTLY users_email_idx ON users (email);',
        note: 'CONCURRENTLY cannot run inside a transaction block: run it in a migration without a transaction. If it fails it leaves an INVALID index: drop it and retry.',
      },
    ],
  },
  check(stmt, ctx) {
    const idx = as(stmt.stmt.ast, 'IndexStmt');
    if (!idx || idx.concurrent || !idx.relation) return [];
    const relation = qualifyRv(ctx, idx.relation, stmt.stmt.index);
    if (isNew(ctx, stmt, relation)) return [];
    const fixed = insertAfterWords(stmtText(stmt), ['INDEX'], 'CONCURRENTLY');
    return [
      {
        messageId: 'plain',
        data: { relation },
        relation,
        lockMode: 'SHARE',
        fix: stmt.stmt.nested || fixed === undefined
          ? undefined
          : replaceStatement(stmt, 'Build the index concurrently (outside a transaction).', `${fixed};`, true),
      },
    ];
  },
});
