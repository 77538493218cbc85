import { alterTable, as, columnDef, constraintOf, constraintsOf, names, qualifyRv } from '../src/rules/ast.js';
import { pgIdent, quoteIdent, renderRel } from '../src/rules/fixes.js';
import type { RuleContext, Violation } from '../src/rules/types.js';
import type { StatementFacts } from '../src/types.js';
import { createRule } from '../src/rules/create.js';

interface ForeignKey {
  columns: string[];
}

function foreignKeys(stmt: StatementFacts): ForeignKey[] {
  const out: ForeignKey[] = [];
  const fromColumn = (node: unknown) => {
    const col = columnDef(node);
    if (col?.colname && constraintsOf(col).some((c) => c.contype === 'CONSTR_FOREIGN')) out.push({ columns: [col.colname] });
  };
  const fromConstraint = (node: unknown) => {
    const con = constraintOf(node);
    if (con?.contype === 'CONSTR_FOREIGN') out.push({ columns: names(con.fk_attrs) });
  };
  const create = as(stmt.stmt.ast, 'CreateStmt');
  for (const elt of create?.tableElts ?? []) {
    fromColumn(elt);
    fromConstraint(elt);
  }
  for (const cmd of alterTable(stmt)?.cmds ?? []) {
    if (cmd.subtype === 'AT_AddColumn') fromColumn(cmd.def);
    if (cmd.subtype === 'AT_AddConstraint') fromConstraint(cmd.def);
  }
  return out;
}

/** Columns of `relation` added in this file up to and including `atIndex`. */
function columnsAddedInFile(ctx: RuleContext, relation: string, atIndex: number): Set<string> {
  const added = new Set<string>();
  for (const s of ctx.statements) {
    if (s.stmt.index > atIndex) break;
    const at = alterTable(s);
    if (!at || qualifyRv(ctx, at.relation, s.stmt.index) !== relation) continue;
    for (const cmd of at.cmds) {
      const col = columnDef(cmd.def);
      if (cmd.subtype === 'AT_AddColumn' && col?.colname) added.add(col.colname);
    }
  }
  return added;
}

export default createRule({
  meta: {
    id: 'require-index-for-foreign-key',
    description: 'A foreign-key column without an index.',
    category: 'data-modeling',
    nodes: ['CreateStmt', 'AlterTableStmt'],
    defaultSeverity: 'warning',
    hazard:
      'PostgreSQL does not index the referencing side of a foreign key. Every DELETE or key UPDATE on the ' +
      'referenced table then scans the referencing table to check for rows, and joins on the key are slow. ' +
      'Index the foreign-key columns (leading columns of some index).',
    messages: {
      missing: 'Foreign key ({columns}) on {relation} has no index with these leading columns.',
    },
    examples: [
      {
        bad: 'CREATE TABLE orders (id bigint PRIMARY KEY, user_id bigint REFERENCES users (id));',
        good:
          'CREATE TABLE orders (id bigint PRIMARY KEY, user_id bigint REFERENCES users (id));\n' +
          'CREATE INDEX orders_user_id_idx ON orders (user_id);',
      },
    ],
  },
  check(stmt, ctx) {
    const tag = stmt.stmt.ast && Object.keys(stmt.stmt.ast)[0];
    if (tag !== 'CreateStmt' && tag !== 'AlterTableStmt') return [];
    const fks = foreignKeys(stmt);
    if (!fks.length) return [];
    const rv = as(stmt.stmt.ast, 'CreateStmt')?.relation ?? alterTable(stmt)?.relation;
    if (!rv) return [];
    const relation = qualifyRv(ctx, rv, stmt.stmt.index);
    const isNewTable = !!as(stmt.stmt.ast, 'CreateStmt') || ctx.createdEarlier(relation, stmt.stmt.index);
    // only a table this file creates shows all its indexes here
    const seenWhole = !!as(stmt.stmt.ast, 'CreateStmt') || ctx.file.isNewInFile(relation, stmt.stmt.index);
    const added = seenWhole ? undefined : columnsAddedInFile(ctx, relation, stmt.stmt.index);
    const lists = ctx.file.indexedColumns(relation, Number.MAX_SAFE_INTEGER);
    const out: Violation<'missing'>[] = [];
    for (const fk of fks) {
      // On an older table we cannot see its indexes: judge only columns this file adds.
      if (added && !fk.columns.every((c) => added.has(c))) continue;
      const covered = lists.some(
        (l) => l.length >= fk.columns.length && fk.columns.every((c) => l.slice(0, fk.columns.length).includes(c)),
      );
      if (covered) continue;
      const index = quoteIdent(pgIdent(`${rv.relname}_${fk.columns.join('_')}_idx`));
      const cols = fk.columns.map(quoteIdent).join(', ');
      const sql = isNewTable
        ? `CREATE INDEX ${index} ON ${renderRel(rv)} (${cols});`
        : `CREATE INDEX CONCURRENTLY ${index} ON ${renderRel(rv)} (${cols});`;
      out.push({
        messageId: 'missing',
        data: { columns: fk.columns.join(', '), relation },
        relation,
        fix: {
          description: isNewTable ? 'Index the foreign-key columns.' : 'Index the foreign-key columns concurrently.',
          sql,
          ...(isNewTable ? {} : { outsideTransaction: true }),
        },
      });
    }
    return out;
  },
});
