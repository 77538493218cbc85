import { addedColumns, baseType, existingAlter, findConstraint, SERIAL_TYPES } from '../src/rules/ast.js';
import { batchedUpdate, pgIdent, quoteIdent, quoteLiteral, renderRel, replaceStatement } from '../src/rules/fixes.js';
import type { Violation } from '../src/rules/types.js';
import { createRule } from '../src/rules/create.js';

const INT_FOR_SERIAL: Record<string, string> = { serial: 'integer', bigserial: 'bigint', smallserial: 'smallint' };

export default createRule({
  meta: {
    id: 'adding-auto-increment-column',
    description: 'Adding a serial or identity column rewrites the table to number every row.',
    category: 'rewrite',
    nodes: ['AlterTableStmt'],
    defaultSeverity: 'error',
    severityReason: 'blocks-existing-table',
    escalateOnLargeTables: true,
    hazard:
      'A new `serial`/`bigserial` or `GENERATED … AS IDENTITY` column needs a fresh sequence value in every ' +
      'existing row, so PostgreSQL rewrites the whole table under an ACCESS EXCLUSIVE lock. Add a plain column ' +
      'with the sequence as default for new rows, and number existing rows in batches.',
    lock: 'ACCESS EXCLUSIVE',
    messages: {
      add: 'Adding auto-increment column {column} to {relation} rewrites the whole table under an ACCESS EXCLUSIVE lock.',
    },
    examples: [
      {
        bad: 'ALTER TABLE events ADD COLUMN seq bigserial;',
        good:
          'CREATE SEQUENCE events_seq_seq;\n' +
          'ALTER TABLE events ADD COLUMN seq bigint;\n' +
          "ALTER TABLE events ALTER COLUMN seq SET DEFAULT nextval('events_seq_seq');\n" +
          'ALTER SEQUENCE events_seq_seq OWNED BY events.seq;',
      },
    ],
  },
  check(stmt, ctx) {
    const at = existingAlter(stmt, ctx);
    if (!at) return [];
    const out: Violation<'add'>[] = [];
    for (const col of addedColumns(at)) {
      if (findConstraint(col, 'CONSTR_PRIMARY')) continue; // adding-serial-primary-key-field
      const base = baseType(col.typeName);
      const serial = SERIAL_TYPES.has(base);
      if (!serial && !findConstraint(col, 'CONSTR_IDENTITY')) continue;
      const column = col.colname ?? '?';
      const seq = pgIdent(`${at.relation.relname}_${column}_seq`);
      const seqSql = at.relation.schemaname ? `${quoteIdent(at.relation.schemaname)}.${quoteIdent(seq)}` : quoteIdent(seq);
      const type = INT_FOR_SERIAL[base] ?? (base === 'int4' ? 'integer' : base === 'int2' ? 'smallint' : 'bigint');
      const colSql = quoteIdent(column);
      const next = `nextval(${quoteLiteral(seqSql)})`;
      const sql = [
        `CREATE SEQUENCE ${seqSql};`,
        `ALTER TABLE ${at.table} ADD COLUMN ${colSql} ${type};`,
        `ALTER TABLE ${at.table} ALTER COLUMN ${colSql} SET DEFAULT ${next};`,
        `ALTER SEQUENCE ${seqSql} OWNED BY ${renderRel(at.relation)}.${colSql};`,
        '-- Number existing rows in batches (repeat until no rows are updated):',
        batchedUpdate(at.table, colSql, next),
      ].join('\n');
      out.push({
        messageId: 'add',
        data: { column, relation: at.qualified },
        relation: at.qualified,
        lockMode: 'ACCESS EXCLUSIVE',
        fix: at.replaceable
          ? replaceStatement(stmt, 'Add a plain column defaulting to a sequence, then number existing rows in batches.', sql)
          : undefined,
      });
    }
    return out;
  },
});
