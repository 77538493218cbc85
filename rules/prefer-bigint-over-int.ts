import { baseType } from '../src/rules/ast.js';
import { columnTypeRule } from '../src/rules/column-type-rule.js';
import type { Rule } from '../src/rules/types.js';

export default columnTypeRule({
  meta: {
    id: 'prefer-bigint-over-int',
    description: 'integer columns can overflow at 2^31.',
    category: 'data-modeling',
    nodes: ['CreateStmt', 'AlterTableStmt'],
    defaultSeverity: 'off',
    hazard:
      '`integer` tops out at 2,147,483,647. Counters, ids and foreign keys outgrow it, and widening later rewrites ' +
      'the table under an ACCESS EXCLUSIVE lock. `bigint` costs four more bytes.',
    squawk: ['prefer-bigint-over-int'],
    messages: { type: 'Column {column} of {relation} is {type}; prefer bigint.' },
    examples: [
      {
        bad: 'ALTER TABLE orders ADD COLUMN quantity integer;',
        good: 'ALTER TABLE orders ADD COLUMN quantity bigint;',
      },
    ],
  },
  matches: (col) => baseType(col.typeName) === 'int4',
  replace: () => 'bigint',
  fixDescription: 'Use bigint.',
}) satisfies Rule;
