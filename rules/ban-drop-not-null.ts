import { existingAlter } from '../src/rules/ast.js';
import type { Violation } from '../src/rules/types.js';
import { createRule } from '../src/rules/create.js';

export default createRule({
  meta: {
    id: 'ban-drop-not-null',
    description: 'Dropping NOT NULL lets code that assumes a value receive NULLs.',
    category: 'backward-compatibility',
    nodes: ['AlterTableStmt'],
    defaultSeverity: 'info',
    hazard:
      'Once NOT NULL is dropped, new writers may store NULLs that running readers do not expect (crashes, wrong ' +
      'totals). The change itself is instant; make sure every reader handles NULL first.',
    squawk: ['ban-drop-not-null'],
    messages: { drop: 'Dropping NOT NULL on {relation}.{column}: readers must now handle NULL.' },
    examples: [
      {
        bad: 'ALTER TABLE users ALTER COLUMN email DROP NOT NULL;',
        good: "ALTER TABLE users ALTER COLUMN email SET DEFAULT '';",
      },
    ],
  },
  check(stmt, ctx) {
    const at = existingAlter(stmt, ctx);
    if (!at) return [];
    const out: Violation<'drop'>[] = [];
    for (const cmd of at.cmds) {
      if (cmd.subtype === 'AT_DropNotNull') {
        out.push({ messageId: 'drop', data: { relation: at.qualified, column: cmd.name ?? '?' }, relation: at.qualified });
      }
    }
    return out;
  },
});
