import { addedColumns, baseType, columnDef, existingAlter, findConstraint, SERIAL_TYPES } from '../src/rules/ast.js';
import { batchedUpdate, notNullSteps, nthDefaultClause, plainAddColumn, quoteIdent, replaceStatement, stmtText } from '../src/rules/fixes.js';
import { isVolatileDefault } from '../src/pg/names.js';
import type { Violation } from '../src/rules/types.js';
import { createRule } from '../src/rules/create.js';

export default createRule({
  meta: {
    id: 'adding-field-with-default',
    description: 'ADD COLUMN with a volatile DEFAULT (or any DEFAULT before PostgreSQL 11) rewrites the table.',
    category: 'rewrite',
    nodes: ['AlterTableStmt'],
    defaultSeverity: 'error',
    severityReason: 'blocks-existing-table',
    hazard:
      'Since PostgreSQL 11 a constant default is stored in the catalog and `ADD COLUMN … DEFAULT` is instant. A ' +
      'volatile default (`gen_random_uuid()`, `clock_timestamp()`, `random()`, a sequence, an unknown function) ' +
      'must be computed per row, so PostgreSQL rewrites the whole table under an ACCESS EXCLUSIVE lock; before 11 ' +
      'every default does. Add the column without a default, set the default for new rows, and backfill existing ' +
      'rows in batches.',
    lock: 'ACCESS EXCLUSIVE',
    squawk: ['adding-field-with-default'],
    messages: {
      volatile:
        'Column {column} is added to {relation} with the volatile default {expr}: the whole table is rewritten under an ACCESS EXCLUSIVE lock.',
      oldVersion:
        'Before PostgreSQL 11, adding column {column} with a default rewrites the whole of {relation} under an ACCESS EXCLUSIVE lock.',
    },
    examples: [
      {
        bad: 'ALTER TABLE users ADD COLUMN token uuid DEFAULT gen_random_uuid();',
        good:
          'ALTER TABLE users ADD COLUMN token uuid;\n' +
          'ALTER TABLE users ALTER COLUMN token SET DEFAULT gen_random_uuid();\n' +
          '-- Backfill in batches (repeat until no rows are updated):\n' +
          'UPDATE users SET token = gen_random_uuid()\n  WHERE ctid IN (SELECT ctid FROM users WHERE token IS NULL LIMIT 1000);',
      },
    ],
  },
  check(stmt, ctx) {
    const at = existingAlter(stmt, ctx);
    if (!at) return [];
    const out: Violation<'volatile' | 'oldVersion'>[] = [];
    // Which DEFAULT clause of the text belongs to which column: they are written in command order.
    const defaultIndex = new Map<unknown, number>();
    let defaults = 0;
    for (const cmd of at.cmds) {
      const col = cmd.subtype === 'AT_AddColumn' ? columnDef(cmd.def) : undefined;
      if (col && findConstraint(col, 'CONSTR_DEFAULT')) defaultIndex.set(col, defaults++);
      else if (cmd.subtype === 'AT_ColumnDefault' && cmd.def) defaults++;
    }
    for (const col of addedColumns(at)) {
      if (SERIAL_TYPES.has(baseType(col.typeName))) continue;
      const def = findConstraint(col, 'CONSTR_DEFAULT');
      const rawDefault = def?.raw_expr ?? col.raw_default;
      if (!rawDefault) continue;
      if (as_null(rawDefault)) continue;
      const volatile = isVolatileDefault(rawDefault);
      if (!volatile && ctx.pgVersion >= 11) continue;
      const column = col.colname ?? '?';
      const expr = nthDefaultClause(stmtText(stmt), defaultIndex.get(col) ?? 0)?.expr ?? 'DEFAULT';
      const colSql = quoteIdent(column);
      const notNull = col.is_not_null || !!findConstraint(col, 'CONSTR_NOTNULL');
      const sql =
        `${plainAddColumn(stmt)};\n` +
        `ALTER TABLE ${at.table} ALTER COLUMN ${colSql} SET DEFAULT ${expr};\n` +
        '-- Backfill in batches (repeat until no rows are updated):\n' +
        `${batchedUpdate(at.table, colSql, expr)}` +
        (notNull ? `\n-- Then enforce NOT NULL without a long lock:\n${notNullSteps(at.table, at.relation.relname ?? '', column)}` : '');
      out.push({
        messageId: volatile ? 'volatile' : 'oldVersion',
        data: { column, relation: at.qualified, expr },
        relation: at.qualified,
        lockMode: 'ACCESS EXCLUSIVE',
        fix: at.replaceable
          ? replaceStatement(stmt, 'Add the column without a default, set the default, then backfill in batches.', sql)
          : undefined,
      });
    }
    return out;
  },
});

/** `DEFAULT NULL` is no default at all. */
function as_null(expr: unknown): boolean {
  return !!expr && typeof expr === 'object' && 'A_Const' in expr && !!(expr as { A_Const: { isnull?: boolean } }).A_Const.isnull;
}
