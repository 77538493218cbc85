import { as, existingAlter } from '../src/rules/ast.js';
import { replaceStatement, stmtText } from '../src/rules/fixes.js';
import type { Violation } from '../src/rules/types.js';
import { createRule } from '../src/rules/create.js';

export default createRule({
  meta: {
    id: 'require-concurrent-partition-detach',
    description: 'DETACH PARTITION without CONCURRENTLY takes an ACCESS EXCLUSIVE lock on the parent table.',
    category: 'locking',
    nodes: ['AlterTableStmt'],
    defaultSeverity: 'warning',
    escalateOnLargeTables: true,
    pgVersions: { min: 14 },
    hazard:
      '`DETACH PARTITION` takes an ACCESS EXCLUSIVE lock on the partitioned table: every query on any partition ' +
      'waits, and the lock queues behind running queries. Since PostgreSQL 14, `DETACH PARTITION … CONCURRENTLY` ' +
      'needs only SHARE UPDATE EXCLUSIVE.',
    lock: 'ACCESS EXCLUSIVE',
    squawk: ['require-concurrent-partition-detach'],
    messages: { plain: 'DETACH PARTITION {partition} takes an ACCESS EXCLUSIVE lock on {relation}.' },
    examples: [
      {
        bad: 'ALTER TABLE measurements DETACH PARTITION measurements_2020;',
        good: 'ALTER TABLE measurements DETACH PARTITION measurements_2020 CONCURRENTLY;',
        note: 'CONCURRENTLY cannot run inside a transaction block, nor on a table with a default partition.',
      },
    ],
  },
  check(stmt, ctx) {
    const at = existingAlter(stmt, ctx);
    if (!at) return [];
    const out: Violation<'plain'>[] = [];
    for (const cmd of at.cmds) {
      const pc = as(cmd.def, 'PartitionCmd');
      if (cmd.subtype !== 'AT_DetachPartition' || !pc || pc.concurrent) continue;
      out.push({
        messageId: 'plain',
        data: { partition: pc.name?.relname ?? '?', relation: at.qualified },
        relation: at.qualified,
        lockMode: 'ACCESS EXCLUSIVE',
        fix: at.replaceable
          ? replaceStatement(stmt, 'Detach concurrently (outside a transaction).', `${stmtText(stmt)} CONCURRENTLY;`, true)
          : undefined,
      });
    }
    return out;
  },
});
