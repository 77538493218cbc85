import { baseType } from '../src/rules/ast.js';
import { columnTypeRule } from '../src/rules/column-type-rule.js';
import type { Rule } from '../src/rules/types.js';

export default columnTypeRule({
  meta: {
    id: 'ban-money-type',
    description: 'The money type depends on lc_monetary and has fixed precision.',
    category: 'data-modeling',
    nodes: ['CreateStmt', 'AlterTableStmt'],
    defaultSeverity: 'warning',
    hazard:
      '`money` formats and parses according to the `lc_monetary` setting, so a dump restored on a server with ' +
      'another locale changes values; it has a fixed fractional precision and no currency. Use `numeric` (plus a ' +
      'currency column) or an integer number of minor units.',
    messages: { type: 'Column {column} of {relation} uses the money type; use numeric.' },
    examples: [
      {
        bad: 'ALTER TABLE orders ADD COLUMN total money;',
        good: 'ALTER TABLE orders ADD COLUMN total numeric(19, 4);',
      },
    ],
  },
  matches: (col) => baseType(col.typeName) === 'money',
  replace: () => 'numeric(19, 4)',
  fixDescription: 'Use numeric.',
}) satisfies Rule;
