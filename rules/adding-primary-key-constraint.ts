import { constraintOf, existingAlter, names } from '../src/rules/ast.js';
import { pgIdent, quoteIdent, renderRel, replaceStatement } from '../src/rules/fixes.js';
import type { Violation } from '../src/rules/types.js';
import { createRule } from '../src/rules/create.js';

export default createRule({
  meta: {
    id: 'adding-primary-key-constraint',
    description: 'ADD PRIMARY KEY builds its unique index under an ACCESS EXCLUSIVE lock.',
    category: 'locking',
    nodes: ['AlterTableStmt'],
    defaultSeverity: 'error',
    severityReason: 'blocks-existing-table',
    hazard:
      '`ADD CONSTRAINT … PRIMARY KEY (cols)` builds a unique index while holding an ACCESS EXCLUSIVE lock: no ' +
      'reads or writes for the whole build. Build the index with `CREATE UNIQUE INDEX CONCURRENTLY`, then attach ' +
      'it with `ADD CONSTRAINT … PRIMARY KEY USING INDEX` (instant when the columns are already NOT NULL).',
    lock: 'ACCESS EXCLUSIVE',
    squawk: ['adding-serial-primary-key-field'],
    messages: {
      pk: 'Adding primary key {name} to {relation} builds a unique index while holding an ACCESS EXCLUSIVE lock.',
    },
    examples: [
      {
        bad: 'ALTER TABLE items ADD CONSTRAINT items_pkey PRIMARY KEY (id);',
        good:
          'CREATE UNIQUE INDEX CONCURRENTLY items_pkey ON items (id);\n' +
          'ALTER TABLE items ADD CONSTRAINT items_pkey PRIMARY KEY USING INDEX items_pkey;',
        note: 'CREATE INDEX CONCURRENTLY must run outside a transaction block. Make the columns NOT NULL first (see adding-not-nullable-field), or USING INDEX scans for NULLs.',
      },
    ],
  },
  check(stmt, ctx) {
    const at = existingAlter(stmt, ctx);
    if (!at) return [];
    const out: Violation<'pk'>[] = [];
    for (const cmd of at.cmds) {
      const con = constraintOf(cmd.def);
      if (cmd.subtype !== 'AT_AddConstraint' || con?.contype !== 'CONSTR_PRIMARY' || con.indexname) continue;
      const cols = names(con.keys);
      const name = con.conname ?? pgIdent(`${at.relation.relname}_pkey`);
      const sql =
        `CREATE UNIQUE INDEX CONCURRENTLY ${quoteIdent(name)} ON ${renderRel(at.relation)} (${cols.map(quoteIdent).join(', ')});\n` +
        `ALTER TABLE ${at.table} ADD CONSTRAINT ${quoteIdent(name)} PRIMARY KEY USING INDEX ${quoteIdent(name)};`;
      out.push({
        messageId: 'pk',
        data: { name, relation: at.qualified },
        relation: at.qualified,
        lockMode: 'ACCESS EXCLUSIVE',
        fix: at.replaceable
          ? replaceStatement(stmt, 'Build the unique index concurrently, then attach it as the primary key.', sql, true)
          : undefined,
      });
    }
    return out;
  },
});
