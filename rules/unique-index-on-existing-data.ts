import { as, constraintOf, existingAlter, isNew, qualifyRv } from '../src/rules/ast.js';
import { createRule } from '../src/rules/create.js';

export default createRule({
  meta: {
    id: 'unique-index-on-existing-data',
    description: 'A unique index or constraint on an existing table fails if the data has duplicates.',
    category: 'integrity',
    nodes: ['IndexStmt', 'AlterTableStmt'],
    defaultSeverity: 'info',
    hazard:
      'Whether a new unique index or constraint can be built depends on the data: one duplicate in production ' +
      'makes the migration fail there even though it passed everywhere else (and `CREATE UNIQUE INDEX ' +
      'CONCURRENTLY` then leaves an INVALID index behind). Check for duplicates first, or clean them up in an ' +
      'earlier migration.',
    messages: {
      unique: 'Unique {what} on {relation} fails if existing rows have duplicates; check the data first.',
    },
    examples: [
      {
        bad: 'CREATE UNIQUE INDEX CONCURRENTLY users_email_key ON users (email);',
        good: 'CREATE INDEX CONCURRENTLY users_email_idx ON users (email);',
        transaction: 'none',
        note: 'Run `SELECT email, count(*) FROM users GROUP BY 1 HAVING count(*) > 1` first, and fix the duplicates.',
      },
    ],
  },
  check(stmt, ctx) {
    const idx = as(stmt.stmt.ast, 'IndexStmt');
    if (idx?.unique && idx.relation) {
      const relation = qualifyRv(ctx, idx.relation, stmt.stmt.index);
      return isNew(ctx, stmt, relation) ? [] : [{ messageId: 'unique', data: { what: 'index', relation }, relation }];
    }
    const at = existingAlter(stmt, ctx);
    const adds = at?.cmds.some((c) => {
      const con = constraintOf(c.def);
      return c.subtype === 'AT_AddConstraint' && (con?.contype === 'CONSTR_UNIQUE' || con?.contype === 'CONSTR_PRIMARY') && !con.indexname;
    });
    return at && adds ? [{ messageId: 'unique', data: { what: 'constraint', relation: at.qualified }, relation: at.qualified }] : [];
  },
});
