import { addedColumns, baseType, existingAlter, findConstraint } from '../src/rules/ast.js';
import { pgIdent, quoteIdent, quoteLiteral, renderRel, renderType, replaceStatement } from '../src/rules/fixes.js';
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
          'CREATE SEQUENCE events_id_seq AS bigint;\n' +
          'ALTER TABLE events ADD COLUMN id bigint;\n' +
          "ALTER TABLE events ALTER COLUMN id SET DEFAULT nextval('events_id_seq');\n" +
          'ALTER SEQUENCE events_id_seq OWNED BY events.id;\n' +
          '-- fill id in batches with nextval, then outside a transaction:\n' +
          'ALTER TABLE events ADD CONSTRAINT events_id_not_null CHECK (id IS NOT NULL) NOT VALID;\n' +
          'ALTER TABLE events VALIDATE CONSTRAINT events_id_not_null;\n' +
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
      const serial = base in INT_FOR_SERIAL;
      const seq = quoteIdent(pgIdent(`${table}_${column}_seq`));
      const colSql = quoteIdent(column);
      const target = renderRel(at.relation);
      const notNull = quoteIdent(pgIdent(`${table}_${column}_not_null`));
      // A serial keeps its sequence and default: new rows get ids at once, old rows are filled in batches.
      const sql = [
        ...(serial ? [`CREATE SEQUENCE ${seq} AS ${type};`] : []),
        `ALTER TABLE ${at.table} ADD COLUMN ${colSql} ${type};`,
        ...(serial
          ? [
              `ALTER TABLE ${at.table} ALTER COLUMN ${colSql} SET DEFAULT nextval(${quoteLiteral(seq)});`,
              `ALTER SEQUENCE ${seq} OWNED BY ${target}.${colSql};`,
              `-- Fill ${column} in batches (repeat until no rows are updated):`,
              `UPDATE ${target} SET ${colSql} = nextval(${quoteLiteral(seq)}) WHERE ctid IN (SELECT ctid FROM ${target} WHERE ${colSql} IS NULL LIMIT 10000);`,
            ]
          : [`-- Fill ${column} in batches, then:`]),
        `ALTER TABLE ${at.table} ADD CONSTRAINT ${notNull} CHECK (${colSql} IS NOT NULL) NOT VALID;`,
        `ALTER TABLE ${at.table} VALIDATE CONSTRAINT ${notNull};`,
        `CREATE UNIQUE INDEX CONCURRENTLY ${index} ON ${target} (${colSql});`,
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
