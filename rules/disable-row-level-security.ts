import { alterTable, qualifyRv } from '../src/rules/ast.js';
import { createRule } from '../src/rules/create.js';

export default createRule({
  meta: {
    id: 'disable-row-level-security',
    description: 'Disabling row-level security exposes every row to every role with table access.',
    category: 'security',
    nodes: ['AlterTableStmt'],
    defaultSeverity: 'warning',
    hazard:
      '`DISABLE ROW LEVEL SECURITY` (or `NO FORCE`) switches off the policies that keep tenants or users apart: ' +
      'every role that can select from the table sees all of its rows. Change the policies instead.',
    messages: { disable: '{action} on {relation} turns off its row-level security policies.' },
    examples: [
      {
        bad: 'ALTER TABLE documents DISABLE ROW LEVEL SECURITY;',
        good: 'CREATE POLICY documents_owner ON documents USING (owner_id = current_setting(\'app.user_id\')::bigint);',
      },
    ],
  },
  check(stmt, ctx) {
    const at = alterTable(stmt);
    if (!at) return [];
    const cmd = at.cmds.find((c) => c.subtype === 'AT_DisableRowSecurity' || c.subtype === 'AT_NoForceRowSecurity');
    if (!cmd) return [];
    const relation = qualifyRv(ctx, at.relation, stmt.stmt.index);
    const action = cmd.subtype === 'AT_DisableRowSecurity' ? 'DISABLE ROW LEVEL SECURITY' : 'NO FORCE ROW LEVEL SECURITY';
    return [{ messageId: 'disable', data: { action, relation }, relation }];
  },
});
