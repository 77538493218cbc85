import { alterTable, columnDef, constraintOf, existingAlter, findConstraint } from '../src/rules/ast.js';
import type { FileViolation, Rule, RuleContext } from '../src/rules/types.js';
import type { StatementFacts } from '../src/types.js';
import { createRule } from '../src/rules/create.js';

/** Foreign keys a statement adds to an existing table (NOT VALID ones included: they lock too). */
function foreignKeysAdded(stmt: StatementFacts, ctx: RuleContext): number {
  const at = existingAlter(stmt, ctx);
  if (!at) return 0;
  let n = 0;
  for (const cmd of at.cmds) {
    if (cmd.subtype === 'AT_AddConstraint' && constraintOf(cmd.def)?.contype === 'CONSTR_FOREIGN') n++;
    if (cmd.subtype === 'AT_AddColumn' && findConstraint(columnDef(cmd.def), 'CONSTR_FOREIGN')) n++;
  }
  return n;
}

export default createRule({
  meta: {
    id: 'ban-multiple-foreign-keys',
    description: 'Several foreign keys added to existing tables in one transaction.',
    category: 'locking',
    nodes: ['AlterTableStmt'],
    defaultSeverity: 'warning',
    escalateOnLargeTables: true,
    hazard:
      'Each new foreign key takes a SHARE ROW EXCLUSIVE lock on its table and on the referenced table, even when ' +
      'added NOT VALID, and the locks are held until the transaction commits. With several foreign keys in one ' +
      'migration, writes to all of those tables stop together, and the lock requests can deadlock with ' +
      'application transactions. Add one foreign key per migration.',
    lock: 'SHARE ROW EXCLUSIVE',
    messages: {
      multiple: 'This is foreign key number {count} added in the same transaction: writes to every table involved stay blocked until it commits.',
    },
    examples: [
      {
        bad:
          'ALTER TABLE orders ADD CONSTRAINT orders_user_fk FOREIGN KEY (user_id) REFERENCES users (id) NOT VALID;\n' +
          'ALTER TABLE orders ADD CONSTRAINT orders_shop_fk FOREIGN KEY (shop_id) REFERENCES shops (id) NOT VALID;',
        good: 'ALTER TABLE orders ADD CONSTRAINT orders_user_fk FOREIGN KEY (user_id) REFERENCES users (id) NOT VALID;',
        note: 'Add orders_shop_fk in the next migration.',
      },
    ],
  },
  checkFile(ctx) {
    // The first statement of each transaction that brings the count above one.
    const out: FileViolation<'multiple'>[] = [];
    const counts = new Map<number, number>();
    for (const s of ctx.statements) {
      const txn = ctx.file.transactionBlock(s.stmt.index);
      if (txn === -1 || !alterTable(s)) continue;
      const added = foreignKeysAdded(s, ctx);
      if (!added) continue;
      const before = counts.get(txn) ?? 0;
      counts.set(txn, before + added);
      if (before + added > 1 && before <= 1) out.push({ statementIndex: s.stmt.index, messageId: 'multiple', data: { count: before + added } });
    }
    return out;
  },
});
