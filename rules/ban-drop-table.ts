import { as, isNew, qualifyList } from '../src/rules/ast.js';
import { createRule } from '../src/rules/create.js';

export default createRule({
  meta: {
    id: 'ban-drop-table',
    description: 'Dropping a table breaks running code and loses data.',
    category: 'backward-compatibility',
    nodes: ['DropStmt'],
    defaultSeverity: 'warning',
    hazard:
      'Queries of the running application against the table fail as soon as it is dropped, and its data is ' +
      'gone for good (restoring means a backup). Remove all uses in the code first, deploy, then drop it; ' +
      'consider renaming it aside for a release.',
    squawk: ['ban-drop-table'],
    messages: { drop: 'Dropping table {relation} breaks code that still uses it and loses its data.' },
    examples: [
      {
        bad: 'DROP TABLE legacy_events;',
        good: "COMMENT ON TABLE legacy_events IS 'deprecated: drop after the code stops using it';",
      },
    ],
  },
  check(stmt, ctx) {
    const drop = as(stmt.stmt.ast, 'DropStmt');
    if (drop?.removeType !== 'OBJECT_TABLE') return [];
    return (drop.objects ?? [])
      .map((o) => qualifyList(ctx, as(o, 'List')?.items, stmt.stmt.index))
      .filter((relation) => !isNew(ctx, stmt, relation))
      .map((relation) => ({ messageId: 'drop', data: { relation }, relation }));
  },
});
