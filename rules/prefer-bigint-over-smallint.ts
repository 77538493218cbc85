import { baseType } from '../src/rules/ast.js';
import { columnTypeRule } from '../src/rules/column-type-rule.js';
import type { Rule } from '../src/rules/types.js';

export default columnTypeRule({
  meta: {
    id: 'prefer-bigint-over-smallint',
    description: 'smallint columns overflow at 32,767.',
    category: 'data-modeling',
    nodes: ['CreateStmt', 'AlterTableStmt'],
    defaultSeverity: 'off',
    hazard:
      '`smallint` tops out at 32,767, and widening later rewrites the table under an ACCESS EXCLUSIVE lock.',
    squawk: ['prefer-bigint-over-smallint'],
    messages: { type: 'Column {column} of {relation} is {type}; prefer bigint.' },
    examples: [
      {
        bad: 'ALTER TABLE orders ADD COLUMN priority smallint;',
        good: 'ALTER TABLE orders ADD COLUMN priority bigint;',
      },
    ],
  },
  matches: (col) => baseType(col.typeName) === 'int2',
  replace: () => 'bigint',
  fixDescription: 'Use bigint.',
}) satisfies Rule;
