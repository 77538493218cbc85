import { replaceStatement, stmtText } from '../src/rules/fixes.js';
import { blocksTraffic } from '../src/pg/statement.js';
import type { FileViolation, RuleContext } from '../src/rules/types.js';
import type { LockRef, StatementFacts } from '../src/types.js';
import { createRule } from '../src/rules/create.js';

/** The lock on an existing relation that would queue in front of application traffic. */
export function blockingLock(stmt: StatementFacts, ctx: RuleContext): LockRef | undefined {
  if (!stmt.stmt.ast) return undefined;
  return stmt.locks.find((l) => blocksTraffic(l.mode) && !ctx.file.isNew(l.relation, stmt.stmt.index) && !stmt.creates.includes(l.relation));
}

/**
 * The file-level check both timeout rules share: one finding, on the first statement that
 * takes a traffic-blocking lock on an existing relation while `setting` is not in force (the
 * model's timeout timeline: SET LOCAL lasts until its transaction ends).
 */
export function missingTimeoutCheck(setting: 'lock_timeout' | 'statement_timeout'): (ctx: RuleContext) => FileViolation<'missing'>[] {
  const key = setting === 'lock_timeout' ? 'lockTimeout' : 'statementTimeout';
  return (ctx) => {
    for (const stmt of ctx.statements) {
      const lock = blockingLock(stmt, ctx);
      if (!lock || ctx.file.timeoutsBefore(stmt.stmt.index)[key]) continue;
      return [
        {
          statementIndex: stmt.stmt.index,
          messageId: 'missing',
          data: { kind: stmt.kind, mode: lock.mode, relation: lock.relation },
          relation: lock.relation,
          lockMode: lock.mode,
          // SET LOCAL ends with the transaction; outside one, RESET keeps the setting from leaking
          // into later migrations on the same connection.
          fix: stmt.stmt.nested
            ? undefined
            : stmt.inTransaction
              ? replaceStatement(stmt, `Set a ${setting} for this transaction before the statement.`, `SET LOCAL ${setting} = '5s';\n${stmtText(stmt)};`)
              : replaceStatement(
                  stmt,
                  `Set a ${setting} around the statement, then reset it.`,
                  `SET ${setting} = '5s';\n${stmtText(stmt)};\nRESET ${setting};`,
                ),
        },
      ];
    }
    return [];
  };
}

export default createRule({
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
        good: "SET LOCAL lock_timeout = '5s';\nALTER TABLE users ADD COLUMN nickname text;",
      },
    ],
  },
  checkFile: missingTimeoutCheck('lock_timeout'),
});
