import { as, qualifyRv } from '../src/rules/ast.js';
import { removeTrailingWord, replaceStatement, stmtText } from '../src/rules/fixes.js';
import { createRule } from '../src/rules/create.js';

export default createRule({
  meta: {
    id: 'ban-truncate-cascade',
    description: 'TRUNCATE … CASCADE also empties every table that references the truncated ones.',
    category: 'integrity',
    nodes: ['TruncateStmt'],
    defaultSeverity: 'warning',
    hazard:
      '`TRUNCATE … CASCADE` silently empties every table with a foreign key to the truncated tables, and the ' +
      'tables referencing those, recursively. Name the tables explicitly (it fails instead if one is missed).',
    squawk: ['ban-truncate-cascade'],
    messages: { cascade: 'TRUNCATE {relation} CASCADE also empties every table that references it.' },
    examples: [{ bad: 'TRUNCATE sessions CASCADE;', good: 'TRUNCATE sessions;' }],
  },
  check(stmt, ctx) {
    const t = as(stmt.stmt.ast, 'TruncateStmt');
    if (!t || t.behavior !== 'DROP_CASCADE') return [];
    const relation = qualifyRv(ctx, as(t.relations?.[0], 'RangeVar'), stmt.stmt.index);
    const fixed = removeTrailingWord(stmtText(stmt), 'CASCADE');
    return [
      {
        messageId: 'cascade',
        data: { relation },
        relation,
        fix: stmt.stmt.nested || fixed === undefined ? undefined : replaceStatement(stmt, 'Truncate only the named tables.', `${fixed};`),
      },
    ];
  },
});
