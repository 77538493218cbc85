import { as, qualifyRv } from '../src/rules/ast.js';
import type { FileViolation, Rule } from '../src/rules/types.js';
import type { StatementFacts } from '../src/types.js';
import { createRule } from '../src/rules/create.js';

interface PlainIndex {
  name: string;
  columns: string[];
  unique: boolean;
}

/** A btree index on plain columns without a predicate, or undefined. */
function plainIndex(stmt: StatementFacts): PlainIndex | undefined {
  const idx = as(stmt.stmt.ast, 'IndexStmt');
  if (!idx || idx.whereClause || (idx.accessMethod && idx.accessMethod !== 'btree')) return undefined;
  const columns = (idx.indexParams ?? []).map((p) => as(p, 'IndexElem')?.name);
  if (!columns.length || columns.some((c) => !c)) return undefined;
  return { name: idx.idxname ?? '(unnamed)', columns: columns as string[], unique: !!idx.unique };
}

export default createRule({
  meta: {
    id: 'redundant-index',
    description: 'An index whose columns are the leading columns of another index on the same table.',
    category: 'data-modeling',
    nodes: ['IndexStmt'],
    defaultSeverity: 'warning',
    hazard:
      'A btree index on (a) is redundant next to an index on (a, b): the wider one serves the same lookups. The ' +
      'extra index slows every write, takes disk and cache, and its build locks the table for nothing.',
    messages: {
      redundant: 'Index {index} on {relation} ({columns}) duplicates the leading columns of {other} ({otherColumns}).',
    },
    examples: [
      {
        bad: 'CREATE TABLE t (a int, b int);\nCREATE INDEX t_a_b_idx ON t (a, b);\nCREATE INDEX t_a_idx ON t (a);',
        good: 'CREATE TABLE t (a int, b int);\nCREATE INDEX t_a_b_idx ON t (a, b);',
      },
    ],
  },
  checkFile(ctx) {
    const byRelation = new Map<string, { s: StatementFacts; index: PlainIndex }[]>();
    for (const s of ctx.statements) {
      const index = plainIndex(s);
      if (!index) continue;
      const rel = qualifyRv(ctx, as(s.stmt.ast, 'IndexStmt')!.relation, s.stmt.index);
      byRelation.set(rel, [...(byRelation.get(rel) ?? []), { s, index }]);
    }
    const out: FileViolation<'redundant'>[] = [];
    for (const [relation, indexes] of byRelation) {
      for (const { s: stmt, index: mine } of indexes) {
        if (mine.unique) continue;
        const v = redundantWith(stmt, mine, relation, indexes);
        if (v) out.push({ statementIndex: stmt.stmt.index, ...v });
      }
    }
    return out;
  },
});

function redundantWith(
  stmt: StatementFacts,
  mine: PlainIndex,
  relation: string,
  indexes: readonly { s: StatementFacts; index: PlainIndex }[],
): Omit<FileViolation<'redundant'>, 'statementIndex'> | undefined {
    for (const { s, index: other } of indexes) {
      if (s === stmt) continue;
      const prefix = mine.columns.length <= other.columns.length && mine.columns.every((c, i) => other.columns[i] === c);
      // Two identical non-unique indexes: report only the later one.
      const identical = prefix && mine.columns.length === other.columns.length;
      if (!prefix || (identical && !other.unique && s.stmt.index > stmt.stmt.index)) continue;
      return {
        messageId: 'redundant',
        data: {
          index: mine.name,
          relation,
          columns: mine.columns.join(', '),
          other: other.name,
          otherColumns: other.columns.join(', '),
        },
        relation,
      };
    }
    return undefined;
}
