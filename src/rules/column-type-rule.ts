// Factory for the data-modelling rules that judge a column's declared type.
import { type DefinedColumn, definedColumns } from './ast.js';
import { findColumnType, renderType, replaceColumnType, replaceStatement, spanInStatement, stmtText } from './fixes.js';
import { createRule } from './create.js';
import type { Rule, RuleContext, RuleMeta, Violation } from './types.js';
import type { StatementFacts } from '../types.js';

export interface ColumnTypeRuleSpec {
  meta: RuleMeta;
  matches(col: DefinedColumn, stmt: StatementFacts, ctx: RuleContext): boolean;
  /** The type as written in SQL, to rewrite in the fix. */
  typePattern?: RegExp;
  replace?: (typeText: string, col: DefinedColumn) => string;
  fixDescription?: string;
}

export function columnTypeRule(spec: ColumnTypeRuleSpec): Rule {
  // tried right after each column name
  const typeAt = spec.typePattern && new RegExp(spec.typePattern.source, 'iy');
  return createRule({
    meta: spec.meta,
    check(stmt, ctx) {
      const hits = definedColumns(stmt, ctx).filter((c) => spec.matches(c, stmt, ctx));
      if (!hits.length) return [];
      let fixed: string | undefined = stmtText(stmt);
      if (spec.typePattern && spec.replace && !stmt.stmt.nested) {
        for (const col of hits) {
          fixed = fixed && replaceColumnType(fixed, col.column, typeAt!, (t) => spec.replace!(t, col));
        }
      } else {
        fixed = undefined;
      }
      const original = stmt.stmt.text;
      return hits.map((col, i): Violation => {
        const v: Violation = {
          messageId: 'type',
          data: { column: col.column, relation: col.relation, type: renderType(col.typeName) },
          relation: col.relation,
        };
        // Point at the type in the statement, so a long CREATE TABLE gets the right line.
        const at = typeAt && findColumnType(original, col.column, typeAt);
        if (at) v.span = spanInStatement(stmt, at.start, at.end);
        if (i === 0 && fixed !== undefined) {
          v.fix = replaceStatement(stmt, spec.fixDescription ?? 'Use the recommended type.', `${fixed};`);
        }
        return v;
      });
    },
  });
}
