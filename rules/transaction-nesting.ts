import { as } from '../src/rules/ast.js';
import { createRule } from '../src/rules/create.js';

const ENDS = new Set(['TRANS_STMT_COMMIT', 'TRANS_STMT_ROLLBACK', 'TRANS_STMT_PREPARE']);
const STARTS = new Set(['TRANS_STMT_BEGIN', 'TRANS_STMT_START']);

export default createRule({
  meta: {
    id: 'transaction-nesting',
    description: 'BEGIN/COMMIT inside a migration that already runs in a transaction.',
    category: 'integrity',
    nodes: ['TransactionStmt'],
    defaultSeverity: 'warning',
    hazard:
      'When the migration tool already wraps the file in a transaction, a `BEGIN` only raises a warning and the ' +
      'following `COMMIT` ends the tool\'s transaction early: the rest of the file runs outside it and a failure ' +
      'leaves the schema half-migrated. A second `BEGIN` before `COMMIT` has the same effect.',
    squawk: ['transaction-nesting'],
    messages: {
      nestedBegin: 'BEGIN inside a transaction that is already open; the matching COMMIT ends the outer transaction early.',
      implicitCommit:
        'COMMIT/ROLLBACK ends the transaction the migration tool opened; the rest of the file runs outside it.',
    },
    examples: [
      {
        bad: 'BEGIN;\nALTER TABLE users ADD COLUMN nickname text;\nBEGIN;\nALTER TABLE users ADD COLUMN bio text;\nCOMMIT;',
        good: 'BEGIN;\nALTER TABLE users ADD COLUMN nickname text;\nALTER TABLE users ADD COLUMN bio text;\nCOMMIT;',
      },
    ],
  },
  check(stmt, ctx) {
    const t = as(stmt.stmt.ast, 'TransactionStmt');
    if (!t?.kind || stmt.stmt.nested) return [];
    const implicit = ctx.transaction === 'transaction';
    let open = 0;
    for (const s of ctx.statements) {
      if (s.stmt.index >= stmt.stmt.index) break;
      const k = as(s.stmt.ast, 'TransactionStmt')?.kind;
      if (!k || s.stmt.nested) continue;
      if (STARTS.has(k)) open++;
      if (ENDS.has(k)) open = Math.max(0, open - 1);
    }
    if (STARTS.has(t.kind) && open > 0) return [{ messageId: 'nestedBegin' }];
    if (ENDS.has(t.kind) && implicit && open === 0) return [{ messageId: 'implicitCommit' }];
    return [];
  },
});
