import { as } from '../src/rules/ast.js';
import { createRule } from '../src/rules/create.js';

export default createRule({
  meta: {
    id: 'ban-create-domain-with-constraint',
    description: 'A domain with a CHECK constraint is hard to change later.',
    category: 'data-modeling',
    nodes: ['CreateDomainStmt'],
    defaultSeverity: 'info',
    hazard:
      'Changing the constraint of a domain later re-checks every column that uses it, across all tables, under ' +
      'locks that block writes. CHECK constraints on the tables themselves can be added NOT VALID and validated ' +
      'without blocking.',
    squawk: ['ban-create-domain-with-constraint'],
    messages: { create: 'Domain {domain} has a CHECK constraint; changing it later re-checks every table using it.' },
    examples: [
      {
        bad: 'CREATE DOMAIN positive_int AS integer CHECK (VALUE > 0);',
        good: 'CREATE DOMAIN positive_int AS integer;',
        note: 'Put `CHECK (col > 0)` on the tables instead.',
      },
    ],
  },
  check(stmt) {
    const d = as(stmt.stmt.ast, 'CreateDomainStmt');
    if (!d?.constraints?.some((c) => as(c, 'Constraint')?.contype === 'CONSTR_CHECK')) return [];
    const domain = (d.domainname ?? []).map((n) => as(n, 'String')?.sval).join('.');
    return [{ messageId: 'create', data: { domain } }];
  },
});
