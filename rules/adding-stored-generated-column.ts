import { columnDef, existingAlter, findConstraint } from '../src/rules/ast.js';
import type { Violation } from '../src/rules/types.js';
import { createRule } from '../src/rules/create.js';

export default createRule({
  meta: {
    id: 'adding-stored-generated-column',
    description: 'Adding a STORED generated column rewrites the table.',
    category: 'rewrite',
    nodes: ['AlterTableStmt'],
    defaultSeverity: 'error',
    severityReason: 'blocks-existing-table',
    escalateOnLargeTables: true,
    hazard:
      'A `GENERATED ALWAYS AS (…) STORED` column is computed and written for every existing row: PostgreSQL ' +
      'rewrites the whole table under an ACCESS EXCLUSIVE lock. Add a plain column filled by a trigger and ' +
      'backfilled in batches, or (PostgreSQL 18+) use a VIRTUAL generated column.',
    lock: 'ACCESS EXCLUSIVE',
    messages: {
      stored: 'Adding stored generated column {column} rewrites the whole of {relation} under an ACCESS EXCLUSIVE lock.',
    },
    examples: [
      {
        bad: 'ALTER TABLE users ADD COLUMN email_lower text GENERATED ALWAYS AS (lower(email)) STORED;',
        good: 'ALTER TABLE users ADD COLUMN email_lower text;',
        note: 'Fill it with a BEFORE INSERT OR UPDATE trigger and backfill existing rows in batches.',
      },
    ],
  },
  check(stmt, ctx) {
    const at = existingAlter(stmt, ctx);
    if (!at) return [];
    const out: Violation<'stored'>[] = [];
    for (const cmd of at.cmds) {
      const col = columnDef(cmd.def);
      const gen = cmd.subtype === 'AT_AddColumn' ? findConstraint(col, 'CONSTR_GENERATED') : undefined;
      if (!col || !gen || gen.generated_kind === 'v') continue;
      out.push({
        messageId: 'stored',
        data: { column: col.colname ?? '?', relation: at.qualified },
        relation: at.qualified,
        lockMode: 'ACCESS EXCLUSIVE',
      });
    }
    return out;
  },
});
