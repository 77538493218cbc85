import { as, isNew, qualifyRv } from '../src/rules/ast.js';
import { replaceStatement, stmtText } from '../src/rules/fixes.js';
import { createRule } from '../src/rules/create.js';

export default createRule({
  meta: {
    id: 'require-concurrent-reindex',
    description: 'REINDEX without CONCURRENTLY blocks writes (and reads through the index).',
    category: 'locking',
    nodes: ['ReindexStmt'],
    defaultSeverity: 'error',
    severityReason: 'blocks-existing-table',
    pgVersions: { min: 12 },
    hazard:
      'A plain `REINDEX` takes a SHARE lock on the table (no writes) and an ACCESS EXCLUSIVE lock on each index ' +
      '(queries that would use it wait) for the whole rebuild. `REINDEX … CONCURRENTLY` (PostgreSQL 12+) ' +
      'rebuilds without blocking.',
    lock: 'SHARE',
    squawk: ['require-concurrent-reindex'],
    messages: { plain: 'REINDEX {target} without CONCURRENTLY blocks writes while the index is rebuilt.' },
    examples: [
      {
        bad: 'REINDEX INDEX users_email_idx;',
        good: 'REINDEX INDEX CONCURRENTLY users_email_idx;',
        note: 'CONCURRENTLY cannot run inside a transaction block.',
      },
    ],
  },
  check(stmt, ctx) {
    const r = as(stmt.stmt.ast, 'ReindexStmt');
    if (!r || r.params?.some((p) => as(p, 'DefElem')?.defname === 'concurrently')) return [];
    if (r.kind === 'REINDEX_OBJECT_SYSTEM') return [];
    const target = r.relation ? qualifyRv(ctx, r.relation, stmt.stmt.index) : (r.name ?? '?');
    if (r.relation && isNew(ctx, stmt, target)) return [];
    const fixed = stmtText(stmt).replace(
      /^(\s*REINDEX\s*(?:\([^)]*\)\s*)?(?:INDEX|TABLE|SCHEMA|DATABASE))\b/i,
      '$1 CONCURRENTLY',
    );
    return [
      {
        messageId: 'plain',
        data: { target },
        ...(r.relation ? { relation: target } : {}),
        fix: stmt.stmt.nested ? undefined : replaceStatement(stmt, 'Rebuild concurrently (outside a transaction).', `${fixed};`, true),
      },
    ];
  },
});
