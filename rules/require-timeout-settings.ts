import { blocksTraffic, perFile, replaceStatement, stmtText } from '../src/rules/helpers.js';
import type { Rule, RuleContext } from '../src/rules/types.js';
import type { LockRef, StatementFacts } from '../src/types.js';

/** The lock on an existing relation that would queue in front of application traffic. */
export function blockingLock(stmt: StatementFacts, ctx: RuleContext): LockRef | undefined {
  if (!stmt.stmt.ast) return undefined;
  return stmt.locks.find((l) => blocksTraffic(l.mode) && !ctx.createdEarlier(l.relation, stmt.stmt.index) && !stmt.creates.includes(l.relation));
}

export default {
  meta: {
    id: 'require-timeout-settings',
    description: 'No lock_timeout before a statement that needs a lock conflicting with application traffic.',
    category: 'locking',
    defaultSeverity: 'warning',
    hazard:
      'A DDL statement that needs a strong lock waits behind every running query on the table, and while it ' +
      'waits, every new query on the table queues behind it: a one-millisecond `ALTER TABLE` can stop all traffic ' +
      'for as long as the slowest running transaction. `SET lock_timeout` makes the migration give up (and retry) ' +
      'instead of stalling production.',
    squawk: ['require-timeout-settings', 'require-lock-timeout'],
    messages: {
      missing:
        '{kind} needs the {mode} lock on {relation} but no lock_timeout is set: while it waits for the lock, all queries on {relation} queue behind it.',
    },
    examples: [
      {
        bad: 'ALTER TABLE users ADD COLUMN nickname text;',
        good: "SET lock_timeout = '5s';\nALTER TABLE users ADD COLUMN nickname text;",
      },
    ],
  },
  check(stmt, ctx) {
    const lock = blockingLock(stmt, ctx);
    if (!lock || ctx.lockTimeoutSet(stmt.stmt.index)) return [];
    // One finding per file: the first statement that needs the timeout.
    const firstIndex = perFile(ctx, 'require-timeout-settings', () =>
      ctx.statements.find((s) => blockingLock(s, ctx) && !ctx.lockTimeoutSet(s.stmt.index))?.stmt.index,
    );
    if (firstIndex !== stmt.stmt.index) return [];
    return [
      {
        messageId: 'missing',
        data: { kind: stmt.kind, mode: lock.mode, relation: lock.relation },
        relation: lock.relation,
        lockMode: lock.mode,
        fix: stmt.stmt.nested
          ? undefined
          : replaceStatement(stmt, 'Set a lock_timeout before the statement.', `SET lock_timeout = '5s';\n${stmtText(stmt)};`),
      },
    ];
  },
} satisfies Rule;
