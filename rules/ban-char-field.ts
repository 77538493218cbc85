import { baseType } from '../src/rules/ast.js';
import { columnTypeRule } from '../src/rules/column-type-rule.js';
import type { Rule } from '../src/rules/types.js';

export default columnTypeRule({
  meta: {
    id: 'ban-char-field',
    description: 'char(n) pads values with spaces.',
    category: 'data-modeling',
    nodes: ['CreateStmt', 'AlterTableStmt'],
    defaultSeverity: 'warning',
    hazard:
      '`char(n)` blank-pads every value to n characters, ignores trailing spaces in comparisons and is no faster ' +
      'than `text`; changing n later rewrites the table. Use `text` (with a CHECK on length if needed).',
    squawk: ['ban-char-field'],
    messages: { type: 'Column {column} of {relation} is {type}; use text (or varchar).' },
    examples: [
      {
        bad: 'CREATE TABLE countries (code char(2) PRIMARY KEY);',
        good: 'CREATE TABLE countries (code text PRIMARY KEY);',
      },
    ],
  },
  matches: (col) => baseType(col.typeName) === 'bpchar',
  replace: () => 'text',
  fixDescription: 'Use text.',
}) satisfies Rule;
