import { alterTable, as, columnDef, constraintOf, findConstraint, qualifyRv } from '../src/rules/ast.js';
import type { FileViolation, Rule, RuleContext } from '../src/rules/types.js';
import type { StatementFacts } from '../src/types.js';
import { createRule } from '../src/rules/create.js';

export default createRule({
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
  checkFile(ctx) {
    const laterKeys = new Map<string, number>();
    for (const s of ctx.statements) {
      const at = alterTable(s);
      const addsKey = at?.cmds.some(
        (cmd) => constraintOf(cmd.def)?.contype === 'CONSTR_PRIMARY' || !!findConstraint(columnDef(cmd.def), 'CONSTR_PRIMARY'),
      );
      if (at && addsKey) laterKeys.set(qualifyRv(ctx, at.relation, s.stmt.index), s.stmt.index);
    }
    const out: FileViolation<'missing'>[] = [];
    for (const stmt of ctx.statements) {
      const relation = missingKey(stmt, ctx, laterKeys);
      if (relation) out.push({ statementIndex: stmt.stmt.index, messageId: 'missing', data: { relation }, relation });
    }
    return out;
  },
});

function missingKey(stmt: StatementFacts, ctx: RuleContext, laterKeys: ReadonlyMap<string, number>): string | undefined {
    const create = as(stmt.stmt.ast, 'CreateStmt');
    if (!create?.relation || create.partbound || create.inhRelations?.length || create.ofTypename) return undefined;
    if (create.relation.relpersistence === 't') return undefined;
    const elts = create.tableElts ?? [];
    if (elts.some((e) => as(e, 'TableLikeClause'))) return undefined;
    const hasPk =
      elts.some((e) => constraintOf(e)?.contype === 'CONSTR_PRIMARY') ||
      elts.some((e) => !!findConstraint(columnDef(e), 'CONSTR_PRIMARY'));
    if (hasPk) return undefined;
    const relation = qualifyRv(ctx, create.relation, stmt.stmt.index);
    // A primary key added later in the same file counts.
    if ((laterKeys.get(relation) ?? -1) > stmt.stmt.index) return undefined;
    return relation;
}
