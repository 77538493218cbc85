import { isVolatileDefault } from '../src/pg/names.js';
import { as, names, qualifyRv, strVal, walkTags } from '../src/rules/ast.js';
import type { RangeVar } from '@pgsql/types';
import type { RuleContext } from '../src/rules/types.js';
import { replaceStatement, stmtText, stmtTokens, tokenText, topLevelItems, topLevelWord } from '../src/rules/fixes.js';
import type { StatementFacts } from '../src/types.js';
import { createRule } from '../src/rules/create.js';
import { renderRel } from '../src/rules/ident.js';

const KEY_COLUMN = /^(id|uuid|key|code|slug|name)$|_(id|uuid|key|code|slug)$/i;

function conjuncts(node: unknown): unknown[] {
  const bool = as(node, 'BoolExpr');
  if (bool?.boolop === 'AND_EXPR') return (bool.args ?? []).flatMap(conjuncts);
  return [node];
}

/** `key_col = constant` or `key_col IN (constants)`: the statement targets a few known rows. */
function isPointPredicate(node: unknown): boolean {
  const expr = as(node, 'A_Expr');
  if (!expr) return false;
  const op = strVal(expr.name?.[0]);
  const col = names(as(expr.lexpr, 'ColumnRef')?.fields).pop();
  if (!col || !KEY_COLUMN.test(col)) return false;
  const constant = (n: unknown) => !!(as(n, 'A_Const') || as(n, 'ParamRef') || as(as(n, 'TypeCast')?.arg, 'A_Const'));
  if (expr.kind === 'AEXPR_OP' && op === '=') return constant(expr.rexpr);
  if (expr.kind === 'AEXPR_IN') return (as(expr.rexpr, 'List')?.items ?? []).every(constant);
  return false;
}

/** A sub-select with LIMIT in the WHERE clause: the statement is one batch of a batched loop. */
function isBatchPredicate(where: unknown): boolean {
  let batched = false;
  walkTags(where, (tag, payload) => {
    if (tag === 'SelectStmt' && (payload as { limitCount?: unknown }).limitCount) batched = true;
  });
  return batched;
}

/** An UPDATE/DELETE that touches an unbounded set of existing rows in one statement. */
export function unbatchedDml(
  stmt: StatementFacts,
  ctx: RuleContext,
): { kind: 'UPDATE' | 'DELETE'; relation: string; where: unknown; rv: RangeVar } | undefined {
  const update = as(stmt.stmt.ast, 'UpdateStmt');
  const del = as(stmt.stmt.ast, 'DeleteStmt');
  const rv = update?.relation ?? del?.relation;
  if (!rv) return undefined;
  // system catalogs (pg_index, …) are edited deliberately and are not application data
  if (rv.schemaname === 'pg_catalog' || (!rv.schemaname && rv.relname?.startsWith('pg_'))) return undefined;
  const relation = qualifyRv(ctx, rv, stmt.stmt.index);
  if (ctx.createdEarlier(relation, stmt.stmt.index)) return undefined;
  const where = update ? update.whereClause : del?.whereClause;
  if (where && (conjuncts(where).some(isPointPredicate) || isBatchPredicate(where))) return undefined;
  return { kind: update ? 'UPDATE' : 'DELETE', relation, where, rv };
}

/** A DO block that runs the statement in committed batches of 1000 rows (PG 11+, outside a transaction). */
function batchedLoop(stmt: StatementFacts, table: string): string | undefined {
  const text = stmtText(stmt);
  const update = as(stmt.stmt.ast, 'UpdateStmt');
  const del = as(stmt.stmt.ast, 'DeleteStmt');
  if (update && (update.fromClause?.length || update.returningClause || update.withClause)) return undefined;
  if (del && (del.usingClause?.length || del.returningClause || del.withClause)) return undefined;
  let batch: string;
  if (update) {
    if ((update.targetList ?? []).some((t) => isVolatileDefault(as(t, 'ResTarget')?.val))) return undefined;
    // SET … [WHERE …] as written, split on PostgreSQL's tokens outside parentheses
    const tokens = stmtTokens(stmt);
    const set = tokens ? topLevelWord(tokens, 'SET') : -1;
    if (set < 0) return undefined;
    const whereAt = topLevelWord(tokens!, 'WHERE', set + 1);
    const end = whereAt < 0 ? tokens!.length : whereAt;
    if (end <= set + 1) return undefined;
    const assignments = topLevelItems(tokens!, set + 1, end);
    const pending: string[] = [];
    for (const [first, last] of assignments) {
      const eq = tokens!.findIndex((t, i) => i > first && i < last && t.text === '=');
      // (a, b) = (…) row assignments are left alone
      if (eq < 0 || tokens![first]!.text === '(') return undefined;
      pending.push(`${tokenText(text, tokens!, first, eq - 1)} IS DISTINCT FROM (${tokenText(text, tokens!, eq + 1, last)})`);
    }
    const setText = tokenText(text, tokens!, set + 1, end - 1);
    const whereText = whereAt < 0 ? undefined : text.slice(tokens![whereAt]!.end).trim();
    const where = [whereText ? `(${whereText})` : undefined, `(${pending.join(' OR ')})`].filter(Boolean).join(' AND ');
    batch = `UPDATE ${table} SET ${setText}\n      WHERE ctid IN (SELECT ctid FROM ${table} WHERE ${where} LIMIT 1000);`;
  } else {
    const tokens = stmtTokens(stmt);
    const whereAt = tokens ? topLevelWord(tokens, 'WHERE') : -1;
    const where = whereAt < 0 ? '' : ` WHERE ${text.slice(tokens![whereAt]!.end).trim()}`;
    batch = `DELETE FROM ${table}\n      WHERE ctid IN (SELECT ctid FROM ${table}${where} LIMIT 1000);`;
  }
  return [
    'DO $$',
    'DECLARE',
    '  batch_rows bigint;',
    'BEGIN',
    '  LOOP',
    `    ${batch}`,
    '    GET DIAGNOSTICS batch_rows = ROW_COUNT;',
    '    EXIT WHEN batch_rows = 0;',
    '    COMMIT;',
    '  END LOOP;',
    'END $$;',
  ].join('\n');
}

export default createRule({
  meta: {
    id: 'unbatched-data-migration',
    description: 'An UPDATE or DELETE of existing rows in one statement inside a schema migration.',
    category: 'locking',
    nodes: ['UpdateStmt', 'DeleteStmt'],
    defaultSeverity: 'warning',
    escalateOnLargeTables: true,
    hazard:
      'One UPDATE/DELETE over a whole table locks every row it touches until the transaction commits (blocking ' +
      'concurrent writes to them), holds back vacuum, bloats the table and can run for a long time; inside the ' +
      "migration's transaction it also keeps every DDL lock taken before it. Backfill in small committed batches, " +
      'outside the schema migration.',
    messages: {
      unbatched: '{kind} of {relation} touches all matching rows in one statement; run it in batches outside the schema migration.',
    },
    examples: [
      {
        bad: "UPDATE users SET plan = 'free' WHERE plan IS NULL;",
        good:
          "UPDATE users SET plan = 'free'\n  WHERE ctid IN (SELECT ctid FROM users WHERE plan IS NULL LIMIT 1000);",
        note: 'Repeat until no rows are updated, committing between batches (the fix wraps it in a DO loop that commits; PostgreSQL 11+, outside a transaction).',
      },
    ],
  },
  check(stmt, ctx) {
    const dml = unbatchedDml(stmt, ctx);
    if (!dml) return [];
    const only = dml.rv.inh === false ? 'ONLY ' : '';
    const table = `${only}${renderRel(dml.rv)}`;
    const loop = stmt.stmt.nested || dml.rv.alias ? undefined : batchedLoop(stmt, table);
    return [
      {
        messageId: 'unbatched',
        data: { kind: dml.kind, relation: dml.relation },
        relation: dml.relation,
        fix: loop ? replaceStatement(stmt, 'Run it in committed batches of 1000 rows.', loop, true) : undefined,
      },
    ];
  },
});
