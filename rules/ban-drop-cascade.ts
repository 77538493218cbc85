import { as, existingAlter } from '../src/rules/ast.js';
import { removeTrailingWord, replaceStatement, stmtText } from '../src/rules/fixes.js';
import { createRule } from '../src/rules/create.js';

export default createRule({
  meta: {
    id: 'ban-drop-cascade',
    description: 'DROP … CASCADE silently drops every dependent object.',
    category: 'integrity',
    nodes: ['DropStmt', 'AlterTableStmt'],
    defaultSeverity: 'warning',
    hazard:
      '`CASCADE` drops everything that depends on the object (views, foreign keys, defaults, functions, ' +
      'triggers), with no list of what went. Drop dependents explicitly so a missed dependency makes the ' +
      'migration fail instead of silently removing it.',
    messages: { cascade: '{what} … CASCADE also drops every object that depends on it.' },
    examples: [
      { bad: 'DROP VIEW active_users CASCADE;', good: 'DROP VIEW active_users;' },
      { bad: 'ALTER TABLE users DROP COLUMN legacy_id CASCADE;', good: 'ALTER TABLE users DROP COLUMN legacy_id;' },
    ],
  },
  check(stmt, ctx) {
    const drop = as(stmt.stmt.ast, 'DropStmt');
    let what: string | undefined;
    if (drop?.behavior === 'DROP_CASCADE') what = `DROP ${drop.removeType?.replace('OBJECT_', '').replace(/_/g, ' ') ?? ''}`;
    const at = existingAlter(stmt, ctx);
    if (at?.cmds.some((c) => (c.subtype === 'AT_DropColumn' || c.subtype === 'AT_DropConstraint') && c.behavior === 'DROP_CASCADE')) {
      what = 'ALTER TABLE … DROP';
    }
    if (!what) return [];
    const fixed = removeTrailingWord(stmtText(stmt), 'CASCADE');
    const canFix = !stmt.stmt.nested && fixed !== undefined;
    return [
      {
        messageId: 'cascade',
        data: { what },
        fix: canFix ? replaceStatement(stmt, 'Drop without CASCADE (drop dependents explicitly).', `${fixed};`) : undefined,
      },
    ];
  },
});
