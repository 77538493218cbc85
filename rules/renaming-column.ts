import { as, isNew, qualifyRv } from '../src/rules/ast.js';
import { createRule } from '../src/rules/create.js';

export default createRule({
  meta: {
    id: 'renaming-column',
    description: 'Renaming a column breaks the application code that is running during the deploy.',
    category: 'backward-compatibility',
    nodes: ['RenameStmt'],
    defaultSeverity: 'warning',
    hazard:
      'The rename is instant, but the running application still uses the old name until every instance is ' +
      'redeployed: its queries fail in between, and ORMs that cache columns fail until restarted. Add the new ' +
      'column, write to both, backfill, move reads, then drop the old one (or rename behind a view).',
    squawk: ['renaming-column'],
    messages: { rename: 'Renaming {relation}.{from} to {to} breaks queries that still use {from}.' },
    examples: [
      {
        bad: 'ALTER TABLE users RENAME COLUMN name TO full_name;',
        good: 'ALTER TABLE users ADD COLUMN full_name text;',
        note: 'Write to both columns, backfill, switch reads, then drop `name` in a later release.',
      },
    ],
  },
  check(stmt, ctx) {
    const r = as(stmt.stmt.ast, 'RenameStmt');
    if (r?.renameType !== 'OBJECT_COLUMN' || !r.relation) return [];
    if (r.relationType && r.relationType !== 'OBJECT_TABLE') return [];
    const relation = qualifyRv(ctx, r.relation, stmt.stmt.index);
    if (isNew(ctx, stmt, relation)) return [];
    return [{ messageId: 'rename', data: { relation, from: r.subname ?? '?', to: r.newname ?? '?' }, relation }];
  },
});
