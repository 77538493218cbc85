import { as, baseType, constraintOf, findConstraint, names, SERIAL_TYPES } from '../src/rules/ast.js';
import { columnTypeRule } from '../src/rules/column-type-rule.js';
import type { Rule } from '../src/rules/types.js';

const SMALL_INTS = new Set(['int4', 'int2', 'serial', 'smallserial']);

export default columnTypeRule({
  meta: {
    id: 'prefer-bigint-primary-key',
    description: 'integer primary keys run out at 2^31.',
    category: 'data-modeling',
    nodes: ['CreateStmt'],
    defaultSeverity: 'warning',
    hazard:
      'An `integer`/`serial` primary key runs out after 2,147,483,647 rows (fewer with gaps from rollbacks and ' +
      'upserts). Every foreign key copies the type, and widening them later rewrites each table under an ACCESS ' +
      'EXCLUSIVE lock: an emergency migration on the biggest tables. Start with `bigint`.',
    messages: { type: 'Primary key {column} of {relation} is {type}; use bigint.' },
    examples: [
      {
        bad: 'CREATE TABLE invoices (id serial PRIMARY KEY, total numeric);',
        good: 'CREATE TABLE invoices (id bigserial PRIMARY KEY, total numeric);',
      },
      {
        bad: 'CREATE TABLE invoices (id integer NOT NULL, total numeric, PRIMARY KEY (id));',
        good: 'CREATE TABLE invoices (id bigint NOT NULL, total numeric, PRIMARY KEY (id));',
      },
    ],
  },
  matches: (col, stmt) => {
    if (col.how !== 'create' || !SMALL_INTS.has(baseType(col.typeName))) return false;
    if (findConstraint(col.def, 'CONSTR_PRIMARY')) return true;
    const create = as(stmt.stmt.ast, 'CreateStmt');
    const pk = (create?.tableElts ?? []).map(constraintOf).find((c) => c?.contype === 'CONSTR_PRIMARY');
    const keys = names(pk?.keys);
    // A single-column key only: composite keys of small ids are common in join tables.
    return keys.length === 1 && keys[0] === col.column;
  },
  replace: (col) => (SERIAL_TYPES.has(baseType(col.typeName)) ? 'bigserial' : 'bigint'),
  fixDescription: 'Use bigint.',
}) satisfies Rule;

