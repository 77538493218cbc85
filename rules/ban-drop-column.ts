import { existingAlter } from '../src/rules/ast.js';
import type { Violation } from '../src/rules/types.js';
import { createRule } from '../src/rules/create.js';

export default createRule({
  meta: {
    id: 'ban-drop-column',
    description: 'Dropping a column breaks running code and loses data.',
    category: 'backward-compatibility',
    nodes: ['AlterTableStmt'],
    defaultSeverity: 'warning',
    hazard:
      'The running application may still read or write the column until every instance is redeployed, and ORMs ' +
      'that cache the column list (Rails, Django) fail on it; the data is gone for good. Stop using the column ' +
      'in the code first (e.g. `ignored_columns`), deploy, then drop it in a later migration.',
    squawk: ['ban-drop-column'],
    messages: { drop: 'Dropping column {relation}.{column} breaks code that still uses it and loses its data.' },
    examples: [
      {
        bad: 'ALTER TABLE users DROP COLUMN legacy_flag;',
        good: "COMMENT ON COLUMN users.legacy_flag IS 'deprecated: drop after the code stops using it';",
      },
    ],
  },
  check(stmt, ctx) {
    const at = existingAlter(stmt, ctx);
    if (!at) return [];
    const out: Violation<'drop'>[] = [];
    for (const cmd of at.cmds) {
      if (cmd.subtype !== 'AT_DropColumn') continue;
      out.push({ messageId: 'drop', data: { relation: at.qualified, column: cmd.name ?? '?' }, relation: at.qualified });
    }
    return out;
  },
});
