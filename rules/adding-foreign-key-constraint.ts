import { columnDef, constraintOf, existingAlter, findConstraint, names } from '../src/rules/ast.js';
import { defaultConstraintName, quoteIdent, renderForeignKey, replaceStatement, stmtText, withoutColumnClause } from '../src/rules/fixes.js';
import type { Violation } from '../src/rules/types.js';
import { createRule } from '../src/rules/create.js';

export default createRule({
  meta: {
    id: 'adding-foreign-key-constraint',
    description: 'Adding a validated foreign key blocks writes on both tables while the table is scanned.',
    category: 'locking',
    nodes: ['AlterTableStmt'],
    defaultSeverity: 'error',
    severityReason: 'blocks-existing-table',
    escalateOnLargeTables: true,
    hazard:
      '`ADD CONSTRAINT … FOREIGN KEY` takes SHARE ROW EXCLUSIVE locks on the table and on the referenced table and ' +
      'checks every existing row while holding them: writes to both tables stop for the whole scan. Add the ' +
      'constraint `NOT VALID` (instant; new rows are checked) and `VALIDATE CONSTRAINT` in a later migration, ' +
      'which scans under a SHARE UPDATE EXCLUSIVE lock that does not block reads or writes. A `REFERENCES` on a ' +
      'new column is only checked when a column added by the same statement has a default: without one, every ' +
      'new value is NULL and PostgreSQL skips the scan.',
    lock: 'SHARE ROW EXCLUSIVE',
    squawk: ['adding-foreign-key-constraint', 'constraint-missing-not-valid'],
    messages: {
      constraint:
        'Adding foreign key {name} on {relation} validates every row while blocking writes to {relation} and {referenced}.',
      selfConstraint: 'Adding self-referencing foreign key {name} on {relation} validates every row while blocking writes to it.',
      column:
        'The REFERENCES clause on new column {column} scans {relation} (a column added with it has a default) and blocks writes to {referenced}.',
    },
    examples: [
      {
        bad: 'ALTER TABLE orders ADD CONSTRAINT orders_user_id_fkey FOREIGN KEY (user_id) REFERENCES users (id);',
        good:
          'ALTER TABLE orders ADD CONSTRAINT orders_user_id_fkey FOREIGN KEY (user_id) REFERENCES users (id) NOT VALID;\n' +
          '-- In a separate migration:\nALTER TABLE orders VALIDATE CONSTRAINT orders_user_id_fkey;',
      },
      {
        bad: 'ALTER TABLE orders ADD COLUMN user_id bigint DEFAULT 0 REFERENCES users (id);',
        good:
          'ALTER TABLE orders ADD COLUMN user_id bigint DEFAULT 0;\n' +
          'ALTER TABLE orders ADD CONSTRAINT orders_user_id_fkey FOREIGN KEY (user_id) REFERENCES users (id) NOT VALID;',
      },
    ],
  },
  check(stmt, ctx) {
    const at = existingAlter(stmt, ctx);
    if (!at) return [];
    const out: Violation<'column' | 'constraint' | 'selfConstraint'>[] = [];
    // PostgreSQL validates a REFERENCES on a new column only when a column added by the same
    // statement has a default (or is generated): otherwise every new value is NULL and the
    // check is skipped (transformAlterTableStmt's skipValidation).
    const validatesNewColumns = at.cmds.some(
      (cmd) =>
        cmd.subtype === 'AT_AddColumn' &&
        (findConstraint(columnDef(cmd.def), 'CONSTR_DEFAULT') || findConstraint(columnDef(cmd.def), 'CONSTR_GENERATED')),
    );
    for (const cmd of at.cmds) {
      const con = constraintOf(cmd.def);
      if (cmd.subtype === 'AT_AddConstraint' && con?.contype === 'CONSTR_FOREIGN' && !con.skip_validation) {
        const cols = names(con.fk_attrs);
        const name = con.conname ?? defaultConstraintName(at.relation.relname ?? '', cols, 'fkey');
        const referenced = ctx.qualify(con.pktable?.relname ?? '?', con.pktable?.schemaname, stmt.stmt.index);
        const sql =
          `ALTER TABLE ${at.table} ADD CONSTRAINT ${quoteIdent(name)} ${renderForeignKey(con, cols)} NOT VALID;\n` +
          `-- In a separate migration:\nALTER TABLE ${at.table} VALIDATE CONSTRAINT ${quoteIdent(name)};`;
        out.push({
          messageId: referenced === at.qualified ? 'selfConstraint' : 'constraint',
          data: { name, relation: at.qualified, referenced },
          relation: at.qualified,
          lockMode: 'SHARE ROW EXCLUSIVE',
          fix: at.replaceable
            ? replaceStatement(stmt, 'Add the foreign key NOT VALID, then validate it in a separate migration.', sql)
            : undefined,
        });
      }
      const col = columnDef(cmd.def);
      const fk = cmd.subtype === 'AT_AddColumn' && validatesNewColumns ? findConstraint(col, 'CONSTR_FOREIGN') : undefined;
      if (col && fk) {
        const column = col.colname ?? '?';
        const name = fk.conname ?? defaultConstraintName(at.relation.relname ?? '', [column], 'fkey');
        const referenced = ctx.qualify(fk.pktable?.relname ?? '?', fk.pktable?.schemaname, stmt.stmt.index);
        const withoutRef = withoutColumnClause(stmtText(stmt), 'CONSTR_FOREIGN');
        const sql =
          `${withoutRef};\n` +
          `ALTER TABLE ${at.table} ADD CONSTRAINT ${quoteIdent(name)} ${renderForeignKey(fk, [column])} NOT VALID;\n` +
          `-- In a separate migration:\nALTER TABLE ${at.table} VALIDATE CONSTRAINT ${quoteIdent(name)};`;
        out.push({
          messageId: 'column',
          data: { column, relation: at.qualified, referenced },
          relation: at.qualified,
          severity: 'warning',
          fix: at.replaceable && withoutRef !== undefined
            ? replaceStatement(stmt, 'Add the column, then the foreign key NOT VALID, and validate it later.', sql)
            : undefined,
        });
      }
    }
    return out;
  },
});
