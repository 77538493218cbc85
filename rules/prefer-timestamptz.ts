import { baseType, typeMods } from '../src/rules/ast.js';
import { columnTypeRule } from '../src/rules/column-type-rule.js';
import type { Rule } from '../src/rules/types.js';

export default columnTypeRule({
  meta: {
    id: 'prefer-timestamptz',
    description: 'timestamp without time zone stores wall-clock times with no zone.',
    category: 'data-modeling',
    nodes: ['CreateStmt', 'AlterTableStmt'],
    defaultSeverity: 'warning',
    hazard:
      '`timestamp` (without time zone) stores a wall-clock reading with no zone: the same instant gets ' +
      'different values depending on the session TimeZone, and comparisons across zones or DST changes are ' +
      'wrong. `timestamptz` stores an absolute instant and converts on display.',
    squawk: ['prefer-timestamp-tz', 'prefer-timestamptz'],
    messages: { type: 'Column {column} of {relation} is timestamp without time zone; use timestamptz.' },
    examples: [
      {
        bad: 'CREATE TABLE events (id bigint PRIMARY KEY, created_at timestamp NOT NULL);',
        good: 'CREATE TABLE events (id bigint PRIMARY KEY, created_at timestamptz NOT NULL);',
      },
    ],
  },
  matches: (col) => baseType(col.typeName) === 'timestamp',
  // the precision is kept: timestamp(3) becomes timestamptz(3)
  replace: (col) => {
    const mods = typeMods(col.typeName);
    return `timestamptz${mods.length ? `(${mods.join(', ')})` : ''}`;
  },
  fixDescription: 'Use timestamptz.',
}) satisfies Rule;
