import { columnDef, constraintOf, existingAlter, findConstraint, names } from '../src/rules/ast.js';
import { defaultConstraintName, quoteIdent, renderRel, replaceStatement } from '../src/rules/fixes.js';
import type { Violation } from '../src/rules/types.js';
import { createRule } from '../src/rules/create.js';

export default createRule({
  meta: {
    id: 'disallowed-unique-constraint',
    description: 'ADD UNIQUE builds its index under an ACCESS EXCLUSIVE lock.',
    category: 'locking',
    nodes: ['AlterTableStmt'],
    defaultSeverity: 'error',
    severityReason: 'blocks-existing-table',
    escalateOnLargeTables: true,
    hazard:
      '`ADD CONSTRAINT … UNIQUE (cols)` builds a unique index while holding an ACCESS EXCLUSIVE lock: no reads or ' +
      'writes for the whole build. Build the index with `CREATE UNIQUE INDEX CONCURRENTLY`, then attach it with ' +
      '`ADD CONSTRAINT … UNIQUE USING INDEX`, which is instant.',
    lock: 'ACCESS EXCLUSIVE',
    squawk: ['disallowed-unique-constraint'],
    messages: {
      unique: 'Adding unique constraint {name} to {relation} builds an index while holding an ACCESS EXCLUSIVE lock.',
    },
    examples: [
      {
        bad: 'ALTER TABLE users ADD CONSTRAINT users_email_key UNIQUE (email);',
        good:
          'CREATE UNIQUE INDEX CONCURRENTLY users_email_key ON users (email);\n' +
          'ALTER TABLE users ADD CONSTRAINT users_email_key UNIQUE USING INDEX users_email_key;',
        note: 'CREATE INDEX CONCURRENTLY must run outside a transaction block.',
      },
      {
        bad: 'ALTER TABLE users ADD COLUMN handle text UNIQUE;',
        good: 'ALTER TABLE users ADD COLUMN handle text;\nCREATE UNIQUE INDEX CONCURRENTLY users_handle_key ON users (handle);',
      },
    ],
  },
  check(stmt, ctx) {
    const at = existingAlter(stmt, ctx);
    if (!at) return [];
    const out: Violation<'unique'>[] = [];
    const tableName = at.relation.relname ?? '';
    const onTable = renderRel(at.relation);
    for (const cmd of at.cmds) {
      const con = constraintOf(cmd.def);
      if (cmd.subtype === 'AT_AddConstraint' && con?.contype === 'CONSTR_UNIQUE' && !con.indexname) {
        const cols = names(con.keys);
        const name = con.conname ?? defaultConstraintName(tableName, cols, 'key');
        const sql =
          `CREATE UNIQUE INDEX CONCURRENTLY ${quoteIdent(name)} ON ${onTable} (${cols.map(quoteIdent).join(', ')});\n` +
          `ALTER TABLE ${at.table} ADD CONSTRAINT ${quoteIdent(name)} UNIQUE USING INDEX ${quoteIdent(name)};`;
        out.push({
          messageId: 'unique',
          data: { name, relation: at.qualified },
          relation: at.qualified,
          lockMode: 'ACCESS EXCLUSIVE',
          fix: at.replaceable
            ? replaceStatement(stmt, 'Build the unique index concurrently, then attach it as the constraint.', sql, true)
            : undefined,
        });
      }
      const col = columnDef(cmd.def);
      const unique = cmd.subtype === 'AT_AddColumn' ? findConstraint(col, 'CONSTR_UNIQUE') : undefined;
      if (col && unique) {
        const column = col.colname ?? '?';
        const name = unique.conname ?? defaultConstraintName(tableName, [column], 'key');
        out.push({
          messageId: 'unique',
          data: { name, relation: at.qualified },
          relation: at.qualified,
          lockMode: 'ACCESS EXCLUSIVE',
        });
      }
    }
    return out;
  },
});
