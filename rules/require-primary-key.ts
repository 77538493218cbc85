import { as, columnDef, constraintOf, findConstraint, qualifyRv } from '../src/rules/helpers.js';
import type { Rule } from '../src/rules/types.js';

export default {
  meta: {
    id: 'require-primary-key',
    description: 'A table created without a primary key.',
    category: 'data-modeling',
    nodes: ['CreateStmt'],
    defaultSeverity: 'warning',
    hazard:
      'Without a primary key, rows cannot be addressed reliably: logical replication cannot replicate UPDATE or ' +
      'DELETE (no replica identity), ORMs and tools misbehave, and duplicates creep in. Partitions, temporary ' +
      'tables and `CREATE TABLE … PARTITION OF` inherit or do not need one and are skipped.',
    messages: { missing: 'Table {relation} has no primary key.' },
    examples: [
      {
        bad: 'CREATE TABLE audit_log (created_at timestamptz, message text);',
        good: 'CREATE TABLE audit_log (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, created_at timestamptz, message text);',
      },
    ],
  },
  check(stmt, ctx) {
    const create = as(stmt.stmt.ast, 'CreateStmt');
    if (!create?.relation || create.partbound || create.inhRelations?.length || create.ofTypename) return [];
    if (create.relation.relpersistence === 't') return [];
    const elts = create.tableElts ?? [];
    if (elts.some((e) => as(e, 'TableLikeClause'))) return [];
    const hasPk =
      elts.some((e) => constraintOf(e)?.contype === 'CONSTR_PRIMARY') ||
      elts.some((e) => !!findConstraint(columnDef(e), 'CONSTR_PRIMARY'));
    if (hasPk) return [];
    const relation = qualifyRv(ctx, create.relation, stmt.stmt.index);
    // A primary key added later in the same file counts.
    for (const s of ctx.statements) {
      if (s.stmt.index <= stmt.stmt.index) continue;
      const at = as(s.stmt.ast, 'AlterTableStmt');
      if (!at?.relation || qualifyRv(ctx, at.relation, s.stmt.index) !== relation) continue;
      for (const c of at.cmds ?? []) {
        const cmd = as(c, 'AlterTableCmd');
        if (constraintOf(cmd?.def)?.contype === 'CONSTR_PRIMARY' || findConstraint(columnDef(cmd?.def), 'CONSTR_PRIMARY')) return [];
      }
    }
    return [{ messageId: 'missing', data: { relation }, relation }];
  },
} satisfies Rule;
