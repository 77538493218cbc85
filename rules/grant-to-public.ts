import { as } from '../src/rules/ast.js';
import { createRule } from '../src/rules/create.js';

export default createRule({
  meta: {
    id: 'grant-to-public',
    description: 'GRANT … TO PUBLIC gives the privilege to every role, present and future.',
    category: 'security',
    nodes: ['GrantStmt'],
    defaultSeverity: 'warning',
    hazard:
      '`PUBLIC` means every role on the server, including roles created later for other applications, ' +
      'read-only tools or tenants. Grant to a specific role instead.',
    messages: { grant: 'GRANT {privileges} on {object} TO PUBLIC gives it to every role.' },
    examples: [
      {
        bad: 'GRANT SELECT ON customers TO PUBLIC;',
        good: 'GRANT SELECT ON customers TO reporting_reader;',
      },
    ],
  },
  check(stmt) {
    const g = as(stmt.stmt.ast, 'GrantStmt');
    if (!g?.is_grant) return [];
    if (!(g.grantees ?? []).some((r) => as(r, 'RoleSpec')?.roletype === 'ROLESPEC_PUBLIC')) return [];
    const privileges = g.privileges?.length
      ? g.privileges.map((p) => as(p, 'AccessPriv')?.priv_name?.toUpperCase() ?? '?').join(', ')
      : 'ALL';
    const object = g.objtype?.replace('OBJECT_', '').toLowerCase() ?? 'object';
    return [{ messageId: 'grant', data: { privileges, object } }];
  },
});
