import { existingAlter } from '../src/rules/ast.js';
import { notNullSteps, replaceStatement } from '../src/rules/fixes.js';
import type { Violation } from '../src/rules/types.js';
import { createRule } from '../src/rules/create.js';

export default createRule({
  meta: {
    id: 'adding-not-nullable-field',
    description: 'SET NOT NULL scans the whole table under an ACCESS EXCLUSIVE lock.',
    category: 'locking',
    nodes: ['AlterTableStmt'],
    defaultSeverity: 'error',
    severityReason: 'blocks-existing-table',
    escalateOnLargeTables: true,
    hazard:
      '`ALTER COLUMN … SET NOT NULL` takes an ACCESS EXCLUSIVE lock and scans every row to check for NULLs: no ' +
      'reads or writes for the whole scan. Since PostgreSQL 12 the scan is skipped when a validated ' +
      '`CHECK (col IS NOT NULL)` constraint exists, so add that constraint `NOT VALID`, validate it (no blocking ' +
      'lock), then `SET NOT NULL` and drop the check.',
    lock: 'ACCESS EXCLUSIVE',
    squawk: ['adding-not-nullable-field'],
    messages: {
      setNotNull: 'SET NOT NULL on {relation}.{column} scans the whole table while holding an ACCESS EXCLUSIVE lock.',
    },
    examples: [
      {
        bad: 'ALTER TABLE users ALTER COLUMN email SET NOT NULL;',
        good:
          'ALTER TABLE users ADD CONSTRAINT users_email_not_null CHECK (email IS NOT NULL) NOT VALID;\n' +
          'ALTER TABLE users VALIDATE CONSTRAINT users_email_not_null;\n' +
          'ALTER TABLE users ALTER COLUMN email SET NOT NULL;\n' +
          'ALTER TABLE users DROP CONSTRAINT users_email_not_null;',
        note: 'Needs PostgreSQL 12+. Run the VALIDATE in a separate migration so it does not run under the ADD CONSTRAINT lock.',
      },
    ],
  },
  check(stmt, ctx) {
    const at = existingAlter(stmt, ctx);
    if (!at) return [];
    const out: Violation<'setNotNull'>[] = [];
    for (const cmd of at.cmds) {
      if (cmd.subtype !== 'AT_SetNotNull' || !cmd.name) continue;
      if (ctx.pgVersion >= 12 && ctx.file.validatedNotNullCheck(at.qualified, cmd.name, stmt.stmt.index)) continue;
      out.push({
        messageId: 'setNotNull',
        data: { relation: at.qualified, column: cmd.name },
        relation: at.qualified,
        lockMode: 'ACCESS EXCLUSIVE',
        fix:
          at.replaceable && ctx.pgVersion >= 12
            ? replaceStatement(
                stmt,
                'Prove NOT NULL with a validated CHECK constraint first, so SET NOT NULL skips the scan.',
                notNullSteps(at.table, at.relation.relname ?? '', cmd.name),
              )
            : undefined,
      });
    }
    return out;
  },
});
