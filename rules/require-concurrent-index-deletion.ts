import { as, isNew, qualifyList } from '../src/rules/ast.js';
import { replaceStatement, stmtText } from '../src/rules/fixes.js';
import { createRule } from '../src/rules/create.js';

export default createRule({
  meta: {
    id: 'require-concurrent-index-deletion',
    description: 'DROP INDEX without CONCURRENTLY takes an ACCESS EXCLUSIVE lock on the table.',
    category: 'locking',
    nodes: ['DropStmt'],
    defaultSeverity: 'warning',
    escalateOnLargeTables: true,
    hazard:
      '`DROP INDEX` takes an ACCESS EXCLUSIVE lock on the index\'s table. The drop itself is quick, but the lock ' +
      'request queues behind running queries and blocks all reads and writes behind it while it waits. ' +
      '`DROP INDEX CONCURRENTLY` waits for conflicting transactions without blocking others.',
    lock: 'ACCESS EXCLUSIVE',
    squawk: ['require-concurrent-index-deletion'],
    messages: {
      plain: 'DROP INDEX {index} without CONCURRENTLY takes an ACCESS EXCLUSIVE lock on its table.',
    },
    examples: [
      {
        bad: 'DROP INDEX users_email_idx;',
        good: 'DROP INDEX CONCURRENTLY users_email_idx;',
        note: 'Run it outside a transaction block; CONCURRENTLY drops one index at a time and does not allow CASCADE.',
      },
    ],
  },
  check(stmt, ctx) {
    const drop = as(stmt.stmt.ast, 'DropStmt');
    if (!drop || drop.removeType !== 'OBJECT_INDEX' || drop.concurrent) return [];
    const indexes = (drop.objects ?? []).map((o) => qualifyList(ctx, as(o, 'List')?.items, stmt.stmt.index));
    const existing = indexes.filter((i) => !isNew(ctx, stmt, i));
    if (!existing.length) return [];
    const single = indexes.length === 1 && drop.behavior !== 'DROP_CASCADE' && !stmt.stmt.nested;
    const fixed = stmtText(stmt).replace(/^(\s*drop\s+index)\b/i, '$1 CONCURRENTLY');
    return [
      {
        messageId: 'plain',
        data: { index: existing.join(', ') },
        relation: existing[0],
        lockMode: 'ACCESS EXCLUSIVE',
        fix: single ? replaceStatement(stmt, 'Drop the index concurrently (outside a transaction).', `${fixed};`, true) : undefined,
      },
    ];
  },
});
