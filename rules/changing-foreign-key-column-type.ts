import { createRule } from '../src/rules/create.js';
import { quoteIdent } from '../src/rules/fixes.js';
import type { Violation } from '../src/rules/types.js';

type Id = 'rewrite' | 'brief';

export default createRule({
  meta: {
    id: 'changing-foreign-key-column-type',
    description: 'ALTER COLUMN … TYPE on a foreign-key column also locks the table on the other side of the key.',
    category: 'locking',
    nodes: ['AlterTableStmt'],
    defaultSeverity: 'error',
    severityReason: 'blocks-existing-table',
    escalateOnLargeTables: true,
    hazard:
      'Changing the type of a column that takes part in a foreign key (as the referencing column, or as the ' +
      'referenced key) drops and re-creates the key, and with it the key\'s triggers on *both* tables: PostgreSQL ' +
      'takes an ACCESS EXCLUSIVE lock on the other table too, and holds it until the transaction ends. When the ' +
      'type change rewrites the table (and re-checks the key against every row), the other table is blocked for ' +
      'all that time as well: no reads, no writes. Add a new column of the new type on each side, keep it in sync, ' +
      'backfill in batches, add the new key as NOT VALID and validate it, then switch over and drop the old columns.',
    lock: 'ACCESS EXCLUSIVE',
    messages: {
      rewrite:
        'Changing the type of {table}.{column} rewrites {table} and re-checks foreign key {constraint}, while {other} (the {role} table) is locked ACCESS EXCLUSIVE too: reads and writes on both tables wait until the transaction commits.',
      brief:
        'Changing the type of {table}.{column} re-creates foreign key {constraint}, which takes an ACCESS EXCLUSIVE lock on {other} (the {role} table) as well, until the transaction commits.',
    },
    examples: [
      {
        schema:
          'CREATE TABLE users (id integer PRIMARY KEY);\n' +
          'CREATE TABLE orders (id bigint PRIMARY KEY, user_id integer REFERENCES users (id));',
        bad: 'ALTER TABLE orders ALTER COLUMN user_id TYPE bigint;',
        good:
          'ALTER TABLE orders ADD COLUMN user_id_new bigint;\n' +
          '-- sync with a trigger, backfill in batches, add the new key NOT VALID, validate it, then swap the columns',
      },
      {
        schema:
          'CREATE TABLE users (id integer PRIMARY KEY);\n' +
          'CREATE TABLE orders (id bigint PRIMARY KEY, user_id integer REFERENCES users (id));',
        bad: 'ALTER TABLE users ALTER COLUMN id TYPE bigint;',
        good: 'ALTER TABLE users ADD COLUMN id_new bigint;\n-- backfill in batches, then move the keys over one table at a time',
        note: 'The referenced side: orders, whose foreign key points at users.id, is locked as well.',
      },
    ],
  },
  check(stmt, ctx) {
    const out: Violation<Id>[] = [];
    const seen = new Set<string>();
    for (const fk of stmt.foreignKeyTypeChanges ?? []) {
      // a new or empty table is rewritten in no time: the other table's lock is brief
      if (ctx.file.isNewOrEmpty(fk.table, stmt.stmt.index) || seen.has(`${fk.other}/${fk.constraint}`)) continue;
      seen.add(`${fk.other}/${fk.constraint}`);
      const slow = stmt.rewrites.includes(fk.table) || stmt.scans.includes(fk.table);
      out.push({
        messageId: slow ? 'rewrite' : 'brief',
        data: {
          table: fk.table,
          column: quoteIdent(fk.column),
          constraint: quoteIdent(fk.constraint),
          other: fk.other,
          role: fk.side === 'referencing' ? 'referenced' : 'referencing',
        },
        relation: fk.other,
        lockMode: 'ACCESS EXCLUSIVE',
        ...(slow ? {} : { severity: 'warning' as const }),
      });
    }
    return out;
  },
});
