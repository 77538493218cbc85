import { as, isNew, qualifyList } from '../src/rules/ast.js';
import { insertAfterWords, replaceStatement, stmtText } from '../src/rules/fixes.js';
import { createRule } from '../src/rules/create.js';
import type { RuleContext } from '../src/rules/types.js';

function droppedLaterInTransaction(ctx: RuleContext, index: number, table: string): boolean {
  const block = ctx.file.transactionBlock(index);
  const dropsTable = (s: (typeof ctx.statements)[number]) =>
    s.kind === 'DROP TABLE' && s.locks.some((l) => l.relation === table && l.mode === 'ACCESS EXCLUSIVE');
  // outside a transaction only the very next statement counts: in between, traffic resumes
  if (block < 0) return ctx.statements.some((s) => s.stmt.index === index + 1 && dropsTable(s));
  return ctx.statements.some((s) => s.stmt.index > index && ctx.file.transactionBlock(s.stmt.index) === block && dropsTable(s));
}

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
      plain: 'DROP INDEX {index} without CONCURRENTLY takes an ACCESS EXCLUSIVE lock on {table}.',
      unknownTable:
        'DROP INDEX {index} without CONCURRENTLY takes an ACCESS EXCLUSIVE lock on the table it indexes (not in the reviewed history).',
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
    // the model resolves an index to its table when the history created it
    const tables = [...new Set(stmt.locks.filter((l) => l.mode === 'ACCESS EXCLUSIVE' && !indexes.includes(l.relation)).map((l) => l.relation))];
    // Dropping the table later in the same transaction takes the same lock anyway: CONCURRENTLY changes nothing.
    if (tables.length && tables.every((t) => droppedLaterInTransaction(ctx, stmt.stmt.index, t))) return [];
    const single = indexes.length === 1 && drop.behavior !== 'DROP_CASCADE' && !stmt.stmt.nested;
    const fixed = insertAfterWords(stmtText(stmt), ['DROP', 'INDEX'], 'CONCURRENTLY');
    return [
      {
        messageId: tables.length ? 'plain' : 'unknownTable',
        data: { index: existing.join(', '), table: tables.join(', ') },
        relation: tables[0] ?? existing[0],
        lockMode: 'ACCESS EXCLUSIVE',
        fix: single && fixed !== undefined ? replaceStatement(stmt, 'Drop the index concurrently (outside a transaction).', `${fixed};`, true) : undefined,
      },
    ];
  },
});
