import { as, names, walkTags } from '../src/rules/ast.js';
import type { TypedFileViolation } from '../src/rules/create.js';
import { createRule } from '../src/rules/create.js';

export default createRule({
  meta: {
    id: 'enum-value-used-in-transaction',
    description: 'A value added by ALTER TYPE … ADD VALUE is used later in the same transaction.',
    category: 'integrity',
    defaultSeverity: 'error',
    severityReason: 'fails-at-runtime',
    pgVersions: { min: 12 },
    hazard:
      'Since PostgreSQL 12, `ALTER TYPE … ADD VALUE` may run inside a transaction block, but the new value cannot ' +
      'be used until that transaction commits: the first statement that uses it fails with `unsafe use of new ' +
      'value`, and the whole migration rolls back. Add the value in its own migration (or commit in between), ' +
      'then use it. Before PostgreSQL 12 the ADD VALUE itself fails inside a transaction block ' +
      '(see non-transactional-statement-in-transaction).',
    messages: {
      used: "The enum value '{value}' added to {type} at line {line} is used before the transaction commits: this fails with \"unsafe use of new value\".",
    },
    examples: [
      {
        bad: "ALTER TYPE order_status ADD VALUE 'refunded';\nUPDATE orders SET status = 'refunded' WHERE id = 1;",
        good:
          "ALTER TYPE order_status ADD VALUE 'refunded';\n" +
          "-- In a separate migration, after the first one committed:\n-- UPDATE orders SET status = 'refunded' WHERE id = 1;",
      },
      {
        bad: "BEGIN;\nALTER TYPE order_status ADD VALUE 'refunded';\nINSERT INTO orders (status) VALUES ('refunded');\nCOMMIT;",
        good:
          "BEGIN;\nALTER TYPE order_status ADD VALUE 'refunded';\nCOMMIT;\nBEGIN;\nINSERT INTO orders (status) VALUES ('refunded');\nCOMMIT;",
        transaction: 'none',
      },
    ],
  },
  checkFile(ctx) {
    const out: TypedFileViolation<'used'>[] = [];
    const added = new Map<string, { type: string; line: number; block: number }>();
    for (const stmt of ctx.statements) {
      const index = stmt.stmt.index;
      const block = ctx.file.transactionBlock(index);
      const alter = as(stmt.stmt.ast, 'AlterEnumStmt');
      if (alter?.newVal !== undefined && !alter.oldVal) {
        if (block >= 0) added.set(alter.newVal, { type: names(alter.typeName).join('.'), line: stmt.stmt.span.line, block });
        continue;
      }
      if (!added.size) continue;
      let hit: string | undefined;
      walkTags(stmt.stmt.ast, (tag, payload) => {
        if (hit || tag !== 'A_Const') return;
        const value = (payload as { sval?: { sval?: string } }).sval?.sval;
        const from = value !== undefined ? added.get(value) : undefined;
        if (from && from.block === block) hit = value;
      });
      if (hit !== undefined) {
        const from = added.get(hit)!;
        out.push({ statementIndex: index, messageId: 'used', data: { value: hit, type: from.type, line: from.line } });
        added.delete(hit);
      }
    }
    return out;
  },
});
