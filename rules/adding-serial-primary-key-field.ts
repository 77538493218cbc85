import { addedColumns, baseType, existingAlter, findConstraint } from '../src/rules/ast.js';
import { pgIdent, quoteIdent, renderType, replaceStatement } from '../src/rules/fixes.js';
import type { Violation } from '../src/rules/types.js';
import { createRule } from '../src/rules/create.js';

const INT_FOR_SERIAL: Record<string, string> = { serial: 'integer', bigserial: 'bigint', smallserial: 'smallint' };

export default createRule({
  meta: {
    id: 'adding-serial-primary-key-field',
    description: 'ADD COLUMN … PRIMARY KEY builds the index (and fills the column) under an ACCESS EXCLUSIVE lock.',
    category: 'rewrite',
    nodes: ['AlterTableStmt'],
    defaultSeverity: 'error',
    severityReason: 'blocks-existing-table',
    hazard:
      'Adding a column with `PRIMARY KEY` builds a unique index while holding an ACCESS EXCLUSIVE lock, and with ' +
      '`serial`/identity it also rewrites the table to fill the column: no reads or writes until both finish. ' +
      'Add the column, fill it in batches, build the unique index `CONCURRENTLY` and attach it with ' +
      '`ADD CONSTRAINT … PRIMARY KEY USING INDEX`.',
    lock: 'ACCESS EXCLUSIVE',
    squawk: ['adding-serial-primary-key-field'],
    messages: {
      pk: 'Adding primary key column {column} to {relation} builds its index (and fills the column) under an ACCESS EXCLUSIVE lock.',
    },
    examples: [
      {
        bad: 'ALTER TABLE events ADD COLUMN id bigserial PRIMARY KEY;',
        good:
          'ALTER TABLE events ADD COLUMN id bigint;\n' +
          '-- fill id in batches, then outside a transaction:\n' +
          'CREATE UNIQUE INDEX CONCURRENTLY events_pkey_idx ON events (id);\n' +
          'ALTER TABLE events ADD CONSTRAINT events_pkey PRIMARY KEY USING INDEX events_pkey_idx;',
        note: 'CREATE INDEX CONCURRENTLY must run outside a transaction block.',
      },
    ],
  },
  check(stmt, ctx) {
    const at = existingAlter(stmt, ctx);
    if (!at) return [];
    const out: Violation<'pk'>[] = [];
    for (const col of addedColumns(at)) {
      if (!findConstraint(col, 'CONSTR_PRIMARY')) continue;
      const column = col.colname ?? '?';
      const base = baseType(col.typeName);
      const type = INT_FOR_SERIAL[base] ?? renderType(col.typeName);
      const table = at.relation.relname ?? '';
      const index = quoteIdent(pgIdent(`${table}_pkey_idx`));
      const sql = [
        `ALTER TABLE ${at.table} ADD COLUMN ${quoteIdent(column)} ${type};`,
        `-- Fill ${column} in batches, then:`,
        `CREATE UNIQUE INDEX CONCURRENTLY ${index} ON ${at.table.replace(/^ONLY /, '')} (${quoteIdent(column)});`,
        `ALTER TABLE ${at.table} ADD CONSTRAINT ${quoteIdent(pgIdent(`${table}_pkey`))} PRIMARY KEY USING INDEX ${index};`,
      ].join('\n');
      out.push({
        messageId: 'pk',
        data: { column, relation: at.qualified },
        relation: at.qualified,
        lockMode: 'ACCESS EXCLUSIVE',
        fix: at.replaceable
          ? replaceStatement(stmt, 'Add the column, fill it, build the unique index concurrently, then attach it as the primary key.', sql, true)
          : undefined,
      });
    }
    return out;
  },
});
