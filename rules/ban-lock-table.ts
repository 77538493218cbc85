import { as, isNew, qualifyRv } from '../src/rules/ast.js';
import { blocksTraffic } from '../src/pg/statement.js';
import { LOCK_MODES } from '../src/types.js';
import { createRule } from '../src/rules/create.js';

export default createRule({
  meta: {
    id: 'ban-lock-table',
    description: 'Explicit LOCK TABLE in a migration blocks application traffic until the transaction ends.',
    category: 'locking',
    defaultSeverity: 'warning',
    escalateOnLargeTables: true,
    hazard:
      '`LOCK TABLE` holds the lock until the end of the transaction. In a strong mode it blocks reads and/or writes ' +
      'for the rest of the migration, and it queues behind running queries like any DDL.',
    lock: 'ACCESS EXCLUSIVE',
    messages: {
      lock: 'LOCK TABLE {relation} IN {mode} MODE blocks application queries until the transaction ends.',
    },
    examples: [
      {
        bad: 'BEGIN;\nLOCK TABLE users IN ACCESS EXCLUSIVE MODE;\nUPDATE users SET plan = \'free\' WHERE plan IS NULL;\nCOMMIT;',
        good: "UPDATE users SET plan = 'free' WHERE id IN (SELECT id FROM users WHERE plan IS NULL LIMIT 1000);",
        note: 'Rely on row locks and small batches instead of a table lock.',
      },
    ],
  },
  on: {
    LockStmt(lock, stmt, ctx) {
      const mode = LOCK_MODES[(lock.mode ?? 8) - 1] ?? 'ACCESS EXCLUSIVE';
      if (!blocksTraffic(mode)) return [];
      const relations = (lock.relations ?? [])
        .map((r) => qualifyRv(ctx, as(r, 'RangeVar'), stmt.stmt.index))
        .filter((r) => !isNew(ctx, stmt, r));
      if (!relations.length) return [];
      return [{ messageId: 'lock', data: { relation: relations.join(', '), mode }, relation: relations[0], lockMode: mode }];
    },
  },
});
