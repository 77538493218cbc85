import { as, isNew, qualifyRv } from '../src/rules/ast.js';
import { quoteIdent, removeWords, replaceStatement, stmtText } from '../src/rules/fixes.js';
import { createRule } from '../src/rules/create.js';

export default createRule({
  meta: {
    id: 'concurrent-index-if-not-exists',
    description: 'CREATE INDEX CONCURRENTLY IF NOT EXISTS accepts an INVALID index left by a failed build.',
    category: 'integrity',
    nodes: ['IndexStmt'],
    defaultSeverity: 'warning',
    hazard:
      'When `CREATE INDEX CONCURRENTLY` fails (a deadlock, a duplicate under UNIQUE, a timeout, a cancelled deploy), ' +
      'it leaves an INVALID index behind. A retry with `IF NOT EXISTS` sees the name, skips the build and reports ' +
      'success: queries never use the index and a UNIQUE index does not enforce uniqueness. Drop a leftover first ' +
      '(`DROP INDEX CONCURRENTLY IF EXISTS`), or rebuild it with `REINDEX INDEX CONCURRENTLY` when it backs a ' +
      'constraint.',
    messages: {
      retry:
        'CREATE INDEX CONCURRENTLY IF NOT EXISTS {index}: after a failed build, a retry silently keeps the INVALID index.',
    },
    examples: [
      {
        bad: 'CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS users_email_key ON users (email);',
        good:
          'DROP INDEX CONCURRENTLY IF EXISTS users_email_key;\n' +
          'CREATE UNIQUE INDEX CONCURRENTLY users_email_key ON users (email);',
        note: 'Both statements run outside a transaction block.',
        transaction: 'none',
      },
    ],
  },
  on: {
    IndexStmt: (idx, stmt, ctx) => {
      if (!idx.concurrent || !idx.if_not_exists || !idx.idxname) return [];
      const table = qualifyRv(ctx, idx.relation, stmt.stmt.index);
      if (isNew(ctx, stmt, table)) return [];
      const schema = idx.relation?.schemaname ? `${quoteIdent(idx.relation.schemaname)}.` : '';
      const name = `${schema}${quoteIdent(idx.idxname)}`;
      const create = removeWords(stmtText(stmt), ['IF', 'NOT', 'EXISTS']) ?? stmtText(stmt);
      return [
        {
          messageId: 'retry',
          data: { index: name },
          relation: table,
          fix: stmt.stmt.nested
            ? undefined
            : replaceStatement(
                stmt,
                'Drop a leftover INVALID index first, then build it without IF NOT EXISTS.',
                `DROP INDEX CONCURRENTLY IF EXISTS ${name};\n${create};`,
                true,
              ),
        },
      ];
    },
  },
});
