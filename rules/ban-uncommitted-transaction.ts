import { as } from '../src/rules/ast.js';
import { createRule } from '../src/rules/create.js';

export default createRule({
  meta: {
    id: 'ban-uncommitted-transaction',
    description: 'BEGIN without a matching COMMIT.',
    category: 'integrity',
    nodes: ['TransactionStmt'],
    defaultSeverity: 'warning',
    hazard:
      'A `BEGIN` that is never committed leaves the session in an open transaction: depending on the tool the ' +
      'changes are rolled back when the connection closes, or the locks taken stay held until it does.',
    squawk: ['ban-uncommitted-transaction'],
    messages: {
      uncommitted: 'This transaction is never committed in the file.',
    },
    examples: [
      {
        bad: 'BEGIN;\nALTER TABLE users ADD COLUMN nickname text;',
        good: 'BEGIN;\nALTER TABLE users ADD COLUMN nickname text;\nCOMMIT;',
      },
    ],
  },
  check(stmt, ctx) {
    const kind = as(stmt.stmt.ast, 'TransactionStmt')?.kind;
    if ((kind !== 'TRANS_STMT_BEGIN' && kind !== 'TRANS_STMT_START') || stmt.stmt.nested) return [];
    for (const s of ctx.statements) {
      if (s.stmt.index <= stmt.stmt.index || s.stmt.nested) continue;
      // a statement that does not parse may hide the COMMIT: the file's shape is unknown
      if (!s.stmt.ast || s.stmt.error) return [];
      const k = as(s.stmt.ast, 'TransactionStmt')?.kind;
      if (k === 'TRANS_STMT_COMMIT' || k === 'TRANS_STMT_ROLLBACK' || k === 'TRANS_STMT_PREPARE') return [];
      if (k === 'TRANS_STMT_BEGIN' || k === 'TRANS_STMT_START') break;
    }
    return [{ messageId: 'uncommitted' }];
  },
});
