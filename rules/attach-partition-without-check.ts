import type { Node, PartitionBoundSpec } from '@pgsql/types';
import { alterTable, as, columnDef, constraintOf, constraintsOf, names, qualifyRv } from '../src/rules/ast.js';
import { codeTokens, parenGroupAfter, pgIdent, quoteIdent, renderRel, replaceStatement, stmtText } from '../src/rules/fixes.js';
import type { RuleContext, Violation } from '../src/rules/types.js';
import type { StatementFacts } from '../src/types.js';
import { createRule } from '../src/rules/create.js';

/** Did the file give `child` a CHECK constraint (valid, or validated) before `stmt`? */
function hasCheck(ctx: RuleContext, child: string, stmt: StatementFacts): boolean {
  const pending = new Set<string>();
  for (const s of ctx.statements) {
    if (s.stmt.index >= stmt.stmt.index) break;
    const create = as(s.stmt.ast, 'CreateStmt');
    if (create?.relation && qualifyRv(ctx, create.relation, s.stmt.index) === child) {
      const elts = create.tableElts ?? [];
      if (elts.some((e) => constraintOf(e)?.contype === 'CONSTR_CHECK' || constraintsOf(columnDef(e)).some((c) => c.contype === 'CONSTR_CHECK'))) {
        return true;
      }
    }
    const at = alterTable(s);
    if (!at || qualifyRv(ctx, at.relation, s.stmt.index) !== child) continue;
    for (const cmd of at.cmds) {
      const con = constraintOf(cmd.def);
      if (cmd.subtype === 'AT_AddConstraint' && con?.contype === 'CONSTR_CHECK') {
        if (!con.skip_validation) return true;
        if (con.conname) pending.add(con.conname);
      }
      if (cmd.subtype === 'AT_ValidateConstraint' && cmd.name && pending.has(cmd.name)) return true;
    }
  }
  return false;
}

/** The single partition key column of `parent`, when the file created it. */
function partitionKey(ctx: RuleContext, parent: string, before: number): string | undefined {
  for (const s of ctx.statements) {
    if (s.stmt.index >= before) break;
    const create = as(s.stmt.ast, 'CreateStmt');
    if (!create?.relation || qualifyRv(ctx, create.relation, s.stmt.index) !== parent) continue;
    const params = create.partspec?.partParams ?? [];
    const name = as(params[0], 'PartitionElem')?.name;
    return params.length === 1 ? name : undefined;
  }
  return undefined;
}

/**
 * CHECK expression equivalent to the partition bound: the bound values as written (their
 * source text, found on PostgreSQL's tokens), MINVALUE / MAXVALUE read from the AST.
 */
function boundCheck(text: string, key: string, bound: PartitionBoundSpec | undefined): string | undefined {
  const k = quoteIdent(key);
  const tokens = codeTokens(text);
  if (!bound || !tokens) return undefined;
  if (bound.strategy === 'l') {
    const values = parenGroupAfter(text, tokens, ['FOR', 'VALUES', 'IN']);
    return values === undefined ? undefined : `${k} IS NOT NULL AND ${k} IN (${values.inner})`;
  }
  if (bound.strategy === 'r') {
    const from = parenGroupAfter(text, tokens, ['FOR', 'VALUES', 'FROM']);
    const to = from && parenGroupAfter(text, tokens, ['TO'], from.close + 1);
    if (from === undefined || to === undefined) return undefined;
    // the raw parse tree spells MINVALUE / MAXVALUE as a bare column reference
    const unbounded = (datums: Node[] | undefined, word: string) =>
      datums?.length === 1 && names(as(datums[0], 'ColumnRef')?.fields).join('.') === word;
    const parts = [`${k} IS NOT NULL`];
    if (!unbounded(bound.lowerdatums, 'minvalue')) parts.push(`${k} >= ${from.inner}`);
    if (!unbounded(bound.upperdatums, 'maxvalue')) parts.push(`${k} < ${to.inner}`);
    return parts.join(' AND ');
  }
  return undefined;
}

export default createRule({
  meta: {
    id: 'attach-partition-without-check',
    description: 'ATTACH PARTITION scans the new partition under lock unless a matching CHECK constraint exists.',
    category: 'locking',
    nodes: ['AlterTableStmt'],
    defaultSeverity: 'warning',
    escalateOnLargeTables: true,
    hazard:
      '`ATTACH PARTITION` verifies that every row of the table being attached fits the partition bound, scanning ' +
      'it while holding an ACCESS EXCLUSIVE lock on it (and a SHARE UPDATE EXCLUSIVE lock on the parent; ' +
      'ACCESS EXCLUSIVE before PostgreSQL 12). If a valid CHECK constraint already implies the bound, the scan is ' +
      'skipped: add it NOT VALID, validate it, attach, then drop it.',
    lock: 'ACCESS EXCLUSIVE',
    messages: {
      attach: 'Attaching {partition} to {relation} scans {partition} under an ACCESS EXCLUSIVE lock; no CHECK constraint matching the bound was added first.',
    },
    examples: [
      {
        bad:
          'CREATE TABLE measurements (id bigint, logdate date NOT NULL) PARTITION BY RANGE (logdate);\n' +
          "ALTER TABLE measurements ATTACH PARTITION measurements_2024 FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');",
        good:
          'CREATE TABLE measurements (id bigint, logdate date NOT NULL) PARTITION BY RANGE (logdate);\n' +
          "ALTER TABLE measurements_2024 ADD CONSTRAINT measurements_2024_bound CHECK (logdate IS NOT NULL AND logdate >= '2024-01-01' AND logdate < '2025-01-01') NOT VALID;\n" +
          'ALTER TABLE measurements_2024 VALIDATE CONSTRAINT measurements_2024_bound;\n' +
          "ALTER TABLE measurements ATTACH PARTITION measurements_2024 FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');\n" +
          'ALTER TABLE measurements_2024 DROP CONSTRAINT measurements_2024_bound;',
      },
    ],
  },
  check(stmt, ctx) {
    const at = alterTable(stmt);
    if (!at) return [];
    const parent = qualifyRv(ctx, at.relation, stmt.stmt.index);
    const out: Violation<'attach'>[] = [];
    for (const cmd of at.cmds) {
      const pc = as(cmd.def, 'PartitionCmd');
      if (cmd.subtype !== 'AT_AttachPartition' || !pc?.name) continue;
      if (pc.bound?.is_default) continue;
      const child = qualifyRv(ctx, pc.name, stmt.stmt.index);
      if (ctx.createdEarlier(child, stmt.stmt.index) || hasCheck(ctx, child, stmt)) continue;
      const key = partitionKey(ctx, parent, stmt.stmt.index);
      const check = key && at.cmds.length === 1 && !stmt.stmt.nested ? boundCheck(stmtText(stmt), key, pc.bound) : undefined;
      let fix;
      if (check) {
        const childSql = renderRel(pc.name);
        const con = quoteIdent(pgIdent(`${pc.name.relname}_bound`));
        fix = replaceStatement(
          stmt,
          'Prove the bound with a validated CHECK constraint first, so ATTACH skips the scan.',
          [
            `ALTER TABLE ${childSql} ADD CONSTRAINT ${con} CHECK (${check}) NOT VALID;`,
            `ALTER TABLE ${childSql} VALIDATE CONSTRAINT ${con};`,
            `${stmtText(stmt)};`,
            `ALTER TABLE ${childSql} DROP CONSTRAINT ${con};`,
          ].join('\n'),
        );
      }
      out.push({
        messageId: 'attach',
        data: { partition: child, relation: parent },
        relation: child,
        lockMode: 'ACCESS EXCLUSIVE',
        fix,
      });
    }
    return out;
  },
});
