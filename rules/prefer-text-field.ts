import { baseType, typeMods } from '../src/rules/ast.js';
import { columnTypeRule } from '../src/rules/column-type-rule.js';
import type { Rule } from '../src/rules/types.js';

export default columnTypeRule({
  meta: {
    id: 'prefer-text-field',
    description: 'varchar(n) limits are awkward to change.',
    category: 'data-modeling',
    nodes: ['CreateStmt', 'AlterTableStmt'],
    defaultSeverity: 'info',
    hazard:
      'A `varchar(n)` length limit is no faster than `text`, and lowering it later requires an ACCESS EXCLUSIVE ' +
      'lock and a scan (older versions rewrite). `text` with a `CHECK (char_length(col) <= n)` constraint ' +
      '(added NOT VALID) is easier to evolve.',
    squawk: ['prefer-text-field'],
    messages: { type: 'Column {column} of {relation} is {type}; prefer text with a CHECK constraint.' },
    examples: [
      {
        bad: 'CREATE TABLE users (id bigint PRIMARY KEY, email varchar(255));',
        good: 'CREATE TABLE users (id bigint PRIMARY KEY, email text);',
      },
    ],
  },
  matches: (col) => baseType(col.typeName) === 'varchar' && typeMods(col.typeName).length > 0,
  replace: () => 'text',
  fixDescription: 'Use text.',
}) satisfies Rule;
