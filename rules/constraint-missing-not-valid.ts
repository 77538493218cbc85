import { constraintOf, existingAlter, names, walkTags } from '../src/rules/ast.js';
import { defaultConstraintName, parenAfter, quoteIdent, replaceStatement, stmtText } from '../src/rules/fixes.js';
import type { Violation } from '../src/rules/types.js';
import { createRule } from '../src/rules/create.js';

function firstColumn(expr: unknown): string | undefined {
  let col: string | undefined;
  walkTags(expr, (tag, payload) => {
    if (!col && tag === 'ColumnRef') col = names((payload as { fields?: never[] }).fields).pop();
  });
  return col;
}

export default createRule({
  meta: {
    id: 'constraint-missing-not-valid',
    description: 'Adding a CHECK constraint without NOT VALID scans the table under an ACCESS EXCLUSIVE lock.',
    category: 'locking',
    nodes: ['AlterTableStmt'],
    defaultSeverity: 'error',
    severityReason: 'blocks-existing-table',
    escalateOnLargeTables: true,
    hazard:
      '`ADD CONSTRAINT … CHECK` takes an ACCESS EXCLUSIVE lock and verifies every existing row before releasing ' +
      'it: no reads or writes on the table for the whole scan. Add it `NOT VALID` (instant; new rows are checked) ' +
      'and run `VALIDATE CONSTRAINT` in a later migration: validation takes a SHARE UPDATE EXCLUSIVE lock, which ' +
      'does not block reads or writes.',
    lock: 'ACCESS EXCLUSIVE',
    squawk: ['constraint-missing-not-valid'],
    messages: {
      check: 'Adding CHECK constraint {name} to {relation} scans the whole table while holding an ACCESS EXCLUSIVE lock.',
    },
    examples: [
      {
        bad: 'ALTER TABLE orders ADD CONSTRAINT orders_total_check CHECK (total >= 0);',
        good:
          'ALTER TABLE orders ADD CONSTRAINT orders_total_check CHECK (total >= 0) NOT VALID;\n' +
          '-- In a separate migration:\nALTER TABLE orders VALIDATE CONSTRAINT orders_total_check;',
      },
    ],
  },
  check(stmt, ctx) {
    const at = existingAlter(stmt, ctx);
    if (!at) return [];
    const out: Violation<'check'>[] = [];
    for (const cmd of at.cmds) {
      const con = constraintOf(cmd.def);
      if (cmd.subtype !== 'AT_AddConstraint' || con?.contype !== 'CONSTR_CHECK' || con.skip_validation) continue;
      if (con.is_enforced === false) continue;
      const name = con.conname ?? defaultConstraintName(at.relation.relname ?? '', [firstColumn(con.raw_expr) ?? ''].filter(Boolean), 'check');
      const expr = parenAfter(stmtText(stmt), ['CHECK']);
      const sql =
        `ALTER TABLE ${at.table} ADD CONSTRAINT ${quoteIdent(name)} CHECK (${expr ?? '…'}) NOT VALID;\n` +
        `-- In a separate migration:\nALTER TABLE ${at.table} VALIDATE CONSTRAINT ${quoteIdent(name)};`;
      out.push({
        messageId: 'check',
        data: { name, relation: at.qualified },
        relation: at.qualified,
        lockMode: 'ACCESS EXCLUSIVE',
        fix:
          at.replaceable && expr !== undefined
            ? replaceStatement(stmt, 'Add the constraint NOT VALID, then validate it in a separate migration.', sql)
            : undefined,
      });
    }
    return out;
  },
});
