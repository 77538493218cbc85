import { as } from '../src/rules/ast.js';
import { createRule } from '../src/rules/create.js';

export default createRule({
  meta: {
    id: 'role-password-literal',
    description: 'A plain-text password in CREATE ROLE / ALTER ROLE.',
    category: 'security',
    nodes: ['CreateRoleStmt', 'AlterRoleStmt'],
    defaultSeverity: 'warning',
    hazard:
      'A password written in a migration is committed to the repository, copied to every clone and CI log, and ' +
      'sent in clear text to the server (where it can land in the server log). Set passwords out of band ' +
      "(`\\password`, a secrets manager), or at least commit only a SCRAM verifier.",
    messages: { literal: '{command} {role} sets a plain-text password that is now in the repository.' },
    examples: [
      {
        bad: "CREATE ROLE app_user LOGIN PASSWORD 'hunter2';",
        good: 'CREATE ROLE app_user LOGIN;',
        note: 'Set the password out of band.',
      },
    ],
  },
  check(stmt) {
    const create = as(stmt.stmt.ast, 'CreateRoleStmt');
    const alter = as(stmt.stmt.ast, 'AlterRoleStmt');
    const options = create?.options ?? alter?.options;
    if (!options) return [];
    const pw = options.map((o) => as(o, 'DefElem')).find((d) => d?.defname === 'password');
    const value = as(pw?.arg, 'String')?.sval;
    if (value === undefined || /^(SCRAM-SHA-256\$|md5[0-9a-f]{32}$)/.test(value)) return [];
    const role = create?.role ?? alter?.role?.rolename ?? '?';
    return [{ messageId: 'literal', data: { command: create ? 'CREATE ROLE' : 'ALTER ROLE', role } }];
  },
});
