// Factory for the data-modelling rules that judge a column's declared type.
import { type DefinedColumn, definedColumns } from './ast.js';
import { columnTypeSpans, renderType, replaceStatement, spanInStatement, stmtText } from './fixes.js';
import { createRule } from './create.js';
import type { Rule, RuleContext, RuleMeta, Violation } from './types.js';
import type { StatementFacts } from '../types.js';

export interface ColumnTypeRuleSpec {
  meta: RuleMeta;
  matches(col: DefinedColumn, stmt: StatementFacts, ctx: RuleContext): boolean;
  /** The replacement of the type as written (array bounds kept); no fix without it. */
  replace?: (col: DefinedColumn) => string;
  fixDescription?: string;
}

export function columnTypeRule(spec: ColumnTypeRuleSpec): Rule {
  return createRule({
    meta: spec.meta,
    check(stmt, ctx) {
      const hits = definedColumns(stmt, ctx).filter((c) => spec.matches(c, stmt, ctx));
      if (!hits.length) return [];
      const text = stmtText(stmt);
      // where each column's type is written: the AST's TypeName location, PostgreSQL's tokens
      const spans = columnTypeSpans(stmt, hits.map((col) => col.column));
      let fixed: string | undefined = text;
      if (spec.replace && !stmt.stmt.nested && spans.every((x) => x !== undefined)) {
        const edits = hits.map((col, i) => ({ ...spans[i]!, sql: spec.replace!(col) })).sort((x, y) => y.start - x.start);
        for (const e of edits) fixed = fixed.slice(0, e.start) + e.sql + fixed.slice(e.end);
      } else {
        fixed = undefined;
      }
      return hits.map((col, i): Violation => {
        const v: Violation = {
          messageId: 'type',
          data: { column: col.column, relation: col.relation, type: renderType(col.typeName) },
          relation: col.relation,
        };
        // Point at the type in the statement, so a long CREATE TABLE gets the right line.
        const at = spans[i];
        if (at) v.span = spanInStatement(stmt, at.start, at.end);
        if (i === 0 && fixed !== undefined) {
          v.fix = replaceStatement(stmt, spec.fixDescription ?? 'Use the recommended type.', `${fixed};`);
        }
        return v;
      });
    },
  });
}
