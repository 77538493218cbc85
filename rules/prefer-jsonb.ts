import { baseType } from '../src/rules/ast.js';
import { columnTypeRule } from '../src/rules/column-type-rule.js';
import type { Rule } from '../src/rules/types.js';

export default columnTypeRule({
  meta: {
    id: 'prefer-jsonb',
    description: 'json instead of jsonb.',
    category: 'data-modeling',
    nodes: ['CreateStmt', 'AlterTableStmt'],
    defaultSeverity: 'warning',
    hazard:
      '`json` stores the raw text and re-parses it on every access; it has no equality operator (so `DISTINCT`, ' +
      '`GROUP BY` and `UNION` fail on it) and cannot be indexed with GIN. `jsonb` is the binary, indexable form.',
    messages: { type: 'Column {column} of {relation} is json; use jsonb.' },
    examples: [
      {
        bad: 'ALTER TABLE users ADD COLUMN settings json;',
        good: 'ALTER TABLE users ADD COLUMN settings jsonb;',
      },
    ],
  },
  matches: (col) => baseType(col.typeName) === 'json',
  replace: () => 'jsonb',
  fixDescription: 'Use jsonb.',
}) satisfies Rule;
