import { addedColumns, baseType, constraintsOf, existingAlter, SERIAL_TYPES } from '../src/rules/ast.js';
import { notNullSteps, plainAddColumn, replaceStatement } from '../src/rules/fixes.js';
import type { Violation } from '../src/rules/types.js';
import { createRule } from '../src/rules/create.js';

export default createRule({
  meta: {
    id: 'adding-required-field',
    description: 'ADD COLUMN … NOT NULL without a DEFAULT fails on a table that has rows.',
    category: 'integrity',
    // on a table proven empty (TRUNCATE, DELETE without WHERE earlier in the transaction) it cannot fail
    newRelations: 'skip',
    nodes: ['AlterTableStmt'],
    defaultSeverity: 'error',
    severityReason: 'fails-at-runtime',
    hazard:
      'A new NOT NULL column without a default has no value for the existing rows: PostgreSQL rejects the ' +
      'statement (`column … contains null values`) as soon as the table is not empty, so the migration works in ' +
      'development and fails in production. It also breaks old application code that inserts without the column.',
    squawk: ['adding-required-field'],
    messages: {
      required: 'New column {column} on {relation} is NOT NULL without a DEFAULT: this fails if the table has rows.',
    },
    examples: [
      {
        bad: 'ALTER TABLE users ADD COLUMN tenant_id bigint NOT NULL;',
        good:
          'ALTER TABLE users ADD COLUMN tenant_id bigint;\n' +
          '-- backfill tenant_id, then:\n' +
          'ALTER TABLE users ADD CONSTRAINT users_tenant_id_not_null CHECK (tenant_id IS NOT NULL) NOT VALID;',
      },
    ],
  },
  check(stmt, ctx) {
    const at = existingAlter(stmt, ctx);
    if (!at) return [];
    const out: Violation<'required'>[] = [];
    for (const col of addedColumns(at)) {
      const cons = constraintsOf(col);
      const notNull = col.is_not_null || cons.some((c) => c.contype === 'CONSTR_NOTNULL');
      const filled =
        col.raw_default ||
        SERIAL_TYPES.has(baseType(col.typeName)) ||
        cons.some((c) => c.contype === 'CONSTR_DEFAULT' || c.contype === 'CONSTR_IDENTITY' || c.contype === 'CONSTR_GENERATED');
      if (!notNull || filled) continue;
      const column = col.colname ?? '?';
      const sql = `${plainAddColumn(stmt)};\n-- Backfill ${column} in batches, then:\n${notNullSteps(at.table, at.relation.relname ?? '', column)}`;
      out.push({
        messageId: 'required',
        data: { column, relation: at.qualified },
        relation: at.qualified,
        fix: at.replaceable
          ? replaceStatement(stmt, 'Add the column nullable, backfill it, then enforce NOT NULL without a long lock.', sql)
          : undefined,
      });
    }
    return out;
  },
});
