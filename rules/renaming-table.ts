import { as, isNew, qualifyRv } from '../src/rules/ast.js';
import { createRule } from '../src/rules/create.js';

export default createRule({
  meta: {
    id: 'renaming-table',
    description: 'Renaming a table breaks the application code that is running during the deploy.',
    category: 'backward-compatibility',
    nodes: ['RenameStmt'],
    defaultSeverity: 'warning',
    hazard:
      'The rename is instant, but every query of the running application that names the old table fails ' +
      'until all instances run the new code. Rename, and create a view with the old name for the transition ' +
      '(simple views are updatable), or create the new table and migrate in steps.',
    squawk: ['renaming-table'],
    messages: { rename: 'Renaming {relation} to {to} breaks queries that still use the old name.' },
    examples: [
      {
        bad: 'ALTER TABLE customers RENAME TO clients;',
        good: 'CREATE TABLE clients (id bigint PRIMARY KEY);',
        note: 'Or rename and `CREATE VIEW customers AS SELECT * FROM clients;` until the old code is gone.',
      },
    ],
  },
  check(stmt, ctx) {
    const r = as(stmt.stmt.ast, 'RenameStmt');
    if (r?.renameType !== 'OBJECT_TABLE' || !r.relation) return [];
    const relation = qualifyRv(ctx, r.relation, stmt.stmt.index);
    if (isNew(ctx, stmt, relation)) return [];
    return [{ messageId: 'rename', data: { relation, to: r.newname ?? '?' }, relation }];
  },
});
