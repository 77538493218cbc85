import { existingAlter } from '../src/rules/ast.js';
import { createRule } from '../src/rules/create.js';
import type { Violation } from '../src/rules/types.js';

export default createRule({
  meta: {
    id: 'ban-disable-triggers',
    description: 'ALTER TABLE … DISABLE TRIGGER ALL / USER switches off foreign keys or application triggers.',
    category: 'integrity',
    nodes: ['AlterTableStmt'],
    defaultSeverity: 'warning',
    hazard:
      '`DISABLE TRIGGER ALL` also disables the internal triggers that enforce foreign keys: rows written meanwhile ' +
      '(by the migration or by the application) are never checked, and re-enabling does not check them either. ' +
      '`DISABLE TRIGGER USER` switches off every application trigger (auditing, denormalised counters). Both take a ' +
      'SHARE ROW EXCLUSIVE lock, which blocks writes until the transaction ends. Disable the one trigger you mean, ' +
      'by name, and enable it again in the same transaction.',
    lock: 'SHARE ROW EXCLUSIVE',
    messages: {
      all: 'DISABLE TRIGGER ALL on {relation} also stops foreign-key enforcement; rows written until it is enabled again are never checked.',
      user: 'DISABLE TRIGGER USER on {relation} stops every application trigger on it until it is enabled again.',
    },
    examples: [
      {
        bad: 'ALTER TABLE orders DISABLE TRIGGER ALL;\nUPDATE orders SET total = 0 WHERE id = 1;\nALTER TABLE orders ENABLE TRIGGER ALL;',
        good:
          'ALTER TABLE orders DISABLE TRIGGER orders_audit;\nUPDATE orders SET total = 0 WHERE id = 1;\nALTER TABLE orders ENABLE TRIGGER orders_audit;',
      },
    ],
  },
  check(stmt, ctx) {
    const at = existingAlter(stmt, ctx);
    if (!at) return [];
    const out: Violation<'all' | 'user'>[] = [];
    for (const cmd of at.cmds) {
      if (cmd.subtype !== 'AT_DisableTrigAll' && cmd.subtype !== 'AT_DisableTrigUser') continue;
      out.push({
        messageId: cmd.subtype === 'AT_DisableTrigAll' ? 'all' : 'user',
        data: { relation: at.qualified },
        relation: at.qualified,
        lockMode: 'SHARE ROW EXCLUSIVE',
      });
    }
    return out;
  },
});
