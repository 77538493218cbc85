import { columnDef, existingAlter } from '../src/rules/ast.js';
import { quoteIdent, renderType } from '../src/rules/fixes.js';
import type { Violation } from '../src/rules/types.js';
import { createRule } from '../src/rules/create.js';

export default createRule({
  meta: {
    id: 'changing-column-type',
    description: 'ALTER COLUMN … TYPE that rewrites the table under an ACCESS EXCLUSIVE lock.',
    category: 'rewrite',
    nodes: ['AlterTableStmt'],
    defaultSeverity: 'error',
    severityReason: 'blocks-existing-table',
    hazard:
      'Most type changes rewrite the whole table and rebuild its indexes while holding an ACCESS EXCLUSIVE lock: ' +
      'no reads or writes until it finishes. Only binary-compatible widenings are instant (`varchar(n)` to a ' +
      'longer `varchar` or `text`, a larger `numeric` precision). Otherwise add a new column, keep it in sync ' +
      '(trigger), backfill in batches, switch the application, then drop the old column.',
    lock: 'ACCESS EXCLUSIVE',
    squawk: ['changing-column-type'],
    messages: {
      rewrite:
        'Changing the type of {relation}.{column} to {type} rewrites the whole table under an ACCESS EXCLUSIVE lock.',
    },
    examples: [
      {
        bad: 'ALTER TABLE orders ALTER COLUMN id TYPE bigint;',
        good:
          'ALTER TABLE orders ADD COLUMN id_new bigint;\n' +
          '-- sync with a trigger, backfill in batches, then swap the columns in a later migration',
      },
      {
        bad: "ALTER TABLE users ALTER COLUMN active TYPE boolean USING active = 'yes';",
        good: 'ALTER TABLE users ADD COLUMN active_flag boolean;\n-- backfill from active in batches, then switch the reads over',
        note: 'Widening varchar to text (or a longer varchar) needs no rewrite when the history shows the old type; with the old type unknown, the change counts as a rewrite.',
      },
    ],
  },
  check(stmt, ctx) {
    const at = existingAlter(stmt, ctx);
    if (!at || !stmt.rewrites.includes(at.qualified)) return [];
    const out: Violation<'rewrite'>[] = [];
    for (const cmd of at.cmds) {
      const col = columnDef(cmd.def);
      if (cmd.subtype !== 'AT_AlterColumnType' || !cmd.name || !col) continue;
      out.push({
        messageId: 'rewrite',
        data: { relation: at.qualified, column: quoteIdent(cmd.name), type: renderType(col.typeName) },
        relation: at.qualified,
        lockMode: 'ACCESS EXCLUSIVE',
      });
    }
    return out;
  },
});
