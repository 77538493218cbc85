import { as, isNew, qualifyRv } from '../src/rules/ast.js';
import { createRule } from '../src/rules/create.js';

export default createRule({
  meta: {
    id: 'ban-cluster',
    description: 'CLUSTER rewrites the table under an ACCESS EXCLUSIVE lock.',
    category: 'rewrite',
    nodes: ['ClusterStmt'],
    defaultSeverity: 'error',
    severityReason: 'blocks-existing-table',
    hazard:
      '`CLUSTER` rewrites the whole table in index order and rebuilds its indexes while holding an ACCESS ' +
      'EXCLUSIVE lock: no reads or writes until it finishes. Use `pg_repack --order-by` to do it online.',
    lock: 'ACCESS EXCLUSIVE',
    squawk: ['prefer-repack'],
    messages: { cluster: 'CLUSTER {relation} rewrites the table under an ACCESS EXCLUSIVE lock.' },
    examples: [
      {
        bad: 'CLUSTER events USING events_created_at_idx;',
        good: 'ALTER TABLE events CLUSTER ON events_created_at_idx;',
        note: 'Marks the index for future CLUSTER runs without rewriting now; reorder online with pg_repack.',
      },
    ],
  },
  check(stmt, ctx) {
    const c = as(stmt.stmt.ast, 'ClusterStmt');
    if (!c) return [];
    if (!c.relation) return [{ messageId: 'cluster', data: { relation: 'every clustered table' }, lockMode: 'ACCESS EXCLUSIVE' }];
    const relation = qualifyRv(ctx, c.relation, stmt.stmt.index);
    if (isNew(ctx, stmt, relation)) return [];
    return [{ messageId: 'cluster', data: { relation }, relation, lockMode: 'ACCESS EXCLUSIVE' }];
  },
});
