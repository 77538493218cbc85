import { blocksTraffic, perFile, replaceStatement, stmtText } from '../src/rules/helpers.js';
import type { Rule, RuleContext } from '../src/rules/types.js';
import type { LockRef, StatementFacts } from '../src/types.js';

/** The lock on an existing relation that would queue in front of application traffic. */
export function blockingLock(stmt: StatementFacts, ctx: RuleContext): LockRef | undefined {
  if (!stmt.stmt.ast) return undefined;
  return stmt.locks.find((l) => blocksTraffic(l.mode) && !ctx.createdEarlier(l.relation, stmt.stmt.index) && !stmt.creates.includes(l.relation));
}

/**
 * The check both timeout rules share: one finding per file, on the first statement that takes
 * a traffic-blocking lock on an existing relation while `setting` is not in effect.
 */
export function missingTimeoutCheck(
  ruleId: string,
  setting: 'lock_timeout' | 'statement_timeout',
  isSet: (ctx: RuleContext, beforeIndex: number) => boolean,
): Rule['check'] {
  return (stmt, ctx) => {
    const lock = blockingLock(stmt, ctx);
    if (!lock || isSet(ctx, stmt.stmt.index)) return [];
    const firstIndex = perFile(ctx, ruleId, () =>
      ctx.statements.find((s) => blockingLock(s, ctx) && !isSet(ctx, s.stmt.index))?.stmt.index,
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
          : replaceStatement(stmt, `Set a ${setting} before the statement.`, `SET ${setting} = '5s';\n${stmtText(stmt)};`),
      },
    ];
  };
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
  check: missingTimeoutCheck('require-timeout-settings', 'lock_timeout', (ctx, i) => ctx.lockTimeoutSet(i)),
} satisfies Rule;
