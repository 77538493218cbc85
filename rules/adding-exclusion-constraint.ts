import { constraintOf, existingAlter } from '../src/rules/ast.js';
import type { Violation } from '../src/rules/types.js';
import { createRule } from '../src/rules/create.js';

export default createRule({
  meta: {
    id: 'adding-exclusion-constraint',
    description: 'ADD EXCLUDE builds its index and checks every row under an ACCESS EXCLUSIVE lock.',
    category: 'locking',
    nodes: ['AlterTableStmt'],
    defaultSeverity: 'error',
    severityReason: 'blocks-existing-table',
    hazard:
      'An exclusion constraint is backed by an index that PostgreSQL builds while holding an ACCESS EXCLUSIVE ' +
      'lock, and unlike UNIQUE it cannot be attached from an index built concurrently. On an existing, busy table ' +
      'plan a maintenance window, or enforce the rule in a new table and migrate to it.',
    lock: 'ACCESS EXCLUSIVE',
    messages: {
      exclude: 'Adding exclusion constraint {name} to {relation} builds an index while holding an ACCESS EXCLUSIVE lock.',
    },
    examples: [
      {
        bad: 'ALTER TABLE bookings ADD CONSTRAINT bookings_no_overlap EXCLUDE USING gist (room_id WITH =, during WITH &&);',
        good:
          'CREATE TABLE bookings_v2 (\n  room_id bigint,\n  during tstzrange,\n' +
          '  CONSTRAINT bookings_v2_no_overlap EXCLUDE USING gist (room_id WITH =, during WITH &&)\n);',
        note: 'Create the constraint with the table, while it is empty.',
      },
    ],
  },
  check(stmt, ctx) {
    const at = existingAlter(stmt, ctx);
    if (!at) return [];
    const out: Violation<'exclude'>[] = [];
    for (const cmd of at.cmds) {
      const con = constraintOf(cmd.def);
      if (cmd.subtype !== 'AT_AddConstraint' || con?.contype !== 'CONSTR_EXCLUSION') continue;
      out.push({
        messageId: 'exclude',
        data: { name: con.conname ?? `${at.relation.relname}_excl`, relation: at.qualified },
        relation: at.qualified,
        lockMode: 'ACCESS EXCLUSIVE',
      });
    }
    return out;
  },
});
