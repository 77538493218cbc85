import { as, isNew, qualifyRv } from '../src/rules/ast.js';
import { insertAfterWords, replaceStatement, stmtText } from '../src/rules/fixes.js';
import { createRule } from '../src/rules/create.js';

export default createRule({
  meta: {
    id: 'require-concurrent-refresh',
    description: 'REFRESH MATERIALIZED VIEW without CONCURRENTLY blocks reads of the view.',
    category: 'locking',
    nodes: ['RefreshMatViewStmt'],
    defaultSeverity: 'warning',
    escalateOnLargeTables: true,
    hazard:
      'A plain refresh takes an ACCESS EXCLUSIVE lock on the materialized view for the whole query: every ' +
      'reader waits. `REFRESH MATERIALIZED VIEW CONCURRENTLY` keeps it readable; it needs a unique index on the ' +
      'view.',
    lock: 'ACCESS EXCLUSIVE',
    messages: { plain: 'REFRESH MATERIALIZED VIEW {relation} without CONCURRENTLY blocks all reads of it until it finishes.' },
    examples: [
      {
        bad: 'REFRESH MATERIALIZED VIEW monthly_totals;',
        good: 'REFRESH MATERIALIZED VIEW CONCURRENTLY monthly_totals;',
        note: 'Requires a unique index on the materialized view.',
      },
    ],
  },
  check(stmt, ctx) {
    const r = as(stmt.stmt.ast, 'RefreshMatViewStmt');
    if (!r?.relation || r.concurrent || r.skipData) return [];
    const relation = qualifyRv(ctx, r.relation, stmt.stmt.index);
    if (isNew(ctx, stmt, relation)) return [];
    const fixed = insertAfterWords(stmtText(stmt), ['REFRESH', 'MATERIALIZED', 'VIEW'], 'CONCURRENTLY');
    return [
      {
        messageId: 'plain',
        data: { relation },
        relation,
        lockMode: 'ACCESS EXCLUSIVE',
        fix: stmt.stmt.nested || fixed === undefined ? undefined : replaceStatement(stmt, 'Refresh concurrently (needs a unique index).', `${fixed};`),
      },
    ];
  },
});
