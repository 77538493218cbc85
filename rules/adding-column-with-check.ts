import { addedColumns, existingAlter, findConstraint } from '../src/rules/ast.js';
import { defaultConstraintName, parenAfter, quoteIdent, replaceStatement, stmtText, withoutColumnClause } from '../src/rules/fixes.js';
import type { Violation } from '../src/rules/types.js';
import { createRule } from '../src/rules/create.js';

export default createRule({
  meta: {
    id: 'adding-column-with-check',
    description: 'A CHECK constraint written inside ADD COLUMN scans the whole table under an ACCESS EXCLUSIVE lock.',
    category: 'locking',
    nodes: ['AlterTableStmt'],
    defaultSeverity: 'error',
    severityReason: 'blocks-existing-table',
    escalateOnLargeTables: true,
    hazard:
      'Adding a column is instant (with no default or a constant one), but a CHECK constraint written inside ' +
      '`ADD COLUMN` is verified against every existing row, while the statement holds its ACCESS EXCLUSIVE lock: ' +
      'no reads or writes until the scan ends. Add the column plain, add the constraint `NOT VALID` (new rows are ' +
      'checked at once), and `VALIDATE CONSTRAINT` in a later migration, which scans without blocking.',
    lock: 'ACCESS EXCLUSIVE',
    messages: {
      check:
        'The CHECK constraint on new column {column} is verified against every row of {relation} while it holds an ACCESS EXCLUSIVE lock.',
    },
    examples: [
      {
        bad: 'ALTER TABLE items ADD COLUMN position integer NOT NULL DEFAULT 0 CHECK (position >= 0);',
        good:
          'ALTER TABLE items ADD COLUMN position integer NOT NULL DEFAULT 0;\n' +
          'ALTER TABLE items ADD CONSTRAINT items_position_check CHECK (position >= 0) NOT VALID;\n' +
          '-- In a separate migration:\nALTER TABLE items VALIDATE CONSTRAINT items_position_check;',
      },
    ],
  },
  check(stmt, ctx) {
    const at = existingAlter(stmt, ctx);
    // a rewrite (volatile default) is reported by its own rule and checks the constraint on the way
    if (!at || stmt.rewrites.includes(at.qualified)) return [];
    const out: Violation<'check'>[] = [];
    const columns = addedColumns(at);
    for (const col of columns) {
      const check = findConstraint(col, 'CONSTR_CHECK');
      if (!check || check.skip_validation || check.is_enforced === false) continue;
      const column = col.colname ?? '?';
      const name = check.conname ?? defaultConstraintName(at.relation.relname ?? '', [column], 'check');
      const text = stmtText(stmt);
      const expr = parenAfter(text, ['CHECK']);
      const single = at.replaceable && columns.length === 1 && constraintCount(col) === 1 && expr !== undefined;
      const plain = single ? withoutColumnClause(text, 'CONSTR_CHECK') : undefined;
      out.push({
        messageId: 'check',
        data: { column, relation: at.qualified },
        relation: at.qualified,
        lockMode: 'ACCESS EXCLUSIVE',
        fix:
          single && plain !== undefined
            ? replaceStatement(
                stmt,
                'Add the column, then the constraint NOT VALID, and validate it in a separate migration.',
                `${plain};\nALTER TABLE ${at.table} ADD CONSTRAINT ${quoteIdent(name)} CHECK (${expr}) NOT VALID;\n` +
                  `-- In a separate migration:\nALTER TABLE ${at.table} VALIDATE CONSTRAINT ${quoteIdent(name)};`,
              )
            : undefined,
      });
    }
    return out;
  },
});

function constraintCount(col: { constraints?: unknown[] }): number {
  return (col.constraints ?? []).filter((c) => (c as { Constraint?: { contype?: string } }).Constraint?.contype === 'CONSTR_CHECK').length;
}

