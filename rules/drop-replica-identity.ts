import { createRule, type TypedFileViolation } from '../src/rules/create.js';
import { quoteIdent } from '../src/rules/fixes.js';
import type { RuleContext } from '../src/rules/types.js';
import type { ReplicaIdentityLoss, StatementFacts } from '../src/types.js';

/**
 * The table gets a replica identity again before anyone can use it without one: in the same
 * statement, later in the same transaction, or (in autocommit) by the very next statement,
 * which leaves only a round trip in between.
 */
function restoredInTime(ctx: RuleContext, stmt: StatementFacts, table: string): boolean {
  if (stmt.replicaIdentity?.restored.includes(table)) return true;
  const block = ctx.file.transactionBlock(stmt.stmt.index);
  const later = ctx.statements.filter((s) => s.stmt.index > stmt.stmt.index && !s.stmt.nested);
  if (block < 0) return !!later[0]?.replicaIdentity?.restored.includes(table);
  return later.some((s) => ctx.file.transactionBlock(s.stmt.index) === block && s.replicaIdentity?.restored.includes(table));
}

/** The file drops the table later: no application writes to it are left to fail. */
function droppedLater(ctx: RuleContext, stmt: StatementFacts, table: string): boolean {
  return ctx.statements.some((s) => s.stmt.index > stmt.stmt.index && s.kind === 'DROP TABLE' && s.drops.includes(table));
}

type Id = 'published' | 'maybePublished' | 'indexPublished' | 'indexMaybePublished';

function messageId(loss: ReplicaIdentityLoss): Id {
  const published = loss.publications.length > 0;
  if (loss.what === 'primary-key') return published ? 'published' : 'maybePublished';
  return published ? 'indexPublished' : 'indexMaybePublished';
}

export default createRule({
  meta: {
    id: 'drop-replica-identity',
    description: 'Dropping a primary key or the REPLICA IDENTITY index makes UPDATE and DELETE fail on a published table.',
    category: 'integrity',
    defaultSeverity: 'warning',
    severityReason: 'fails-at-runtime',
    newRelations: 'skip',
    hazard:
      'Logical replication (a publication read by a subscriber, Debezium, a logical read replica) identifies ' +
      'updated and deleted rows by the table\'s replica identity: the primary key by default, or the unique index ' +
      'named by `REPLICA IDENTITY USING INDEX`. Drop that key and every `UPDATE` and `DELETE` on a table in a ' +
      'publication that publishes them fails with "cannot update table … because it does not have a replica ' +
      'identity and publishes updates", until the table has one again. Give the table its new identity first ' +
      '(`REPLICA IDENTITY USING INDEX` on a replacement unique index over NOT NULL columns, or the new primary ' +
      'key in the same transaction), then drop the old key. The finding is an error when the migrations create ' +
      'a publication that covers the table, a warning when the model cannot tell (publications are often made ' +
      'outside migrations).',
    messages: {
      published:
        'Dropping the primary key {name} of {relation} leaves it without a replica identity: it is in publication {publications}, so every UPDATE and DELETE on {relation} fails until it has one again.',
      maybePublished:
        'Dropping the primary key {name} of {relation} leaves it without a replica identity: if {relation} is in a logical-replication publication, every UPDATE and DELETE on it fails until it has one again.',
      indexPublished:
        'Dropping {name}, the REPLICA IDENTITY index of {relation}, leaves it without a replica identity: it is in publication {publications}, so every UPDATE and DELETE on {relation} fails until it has one again.',
      indexMaybePublished:
        'Dropping {name}, the REPLICA IDENTITY index of {relation}, leaves it without a replica identity: if {relation} is in a logical-replication publication, every UPDATE and DELETE on it fails until it has one again.',
    },
    examples: [
      {
        schema: 'CREATE TABLE accounts (id bigint PRIMARY KEY, email text NOT NULL);\nCREATE PUBLICATION app_changes FOR TABLE accounts;',
        bad: 'ALTER TABLE accounts DROP CONSTRAINT accounts_pkey;',
        good:
          'CREATE UNIQUE INDEX CONCURRENTLY accounts_email_key ON accounts (email);\n' +
          'ALTER TABLE accounts REPLICA IDENTITY USING INDEX accounts_email_key;\n' +
          'ALTER TABLE accounts DROP CONSTRAINT accounts_pkey;',
        note: 'Build the replacement index outside a transaction; its columns must be NOT NULL.',
        transaction: 'none',
      },
      {
        schema:
          'CREATE TABLE events (id bigint NOT NULL, body text);\nCREATE UNIQUE INDEX events_id_key ON events (id);\n' +
          'ALTER TABLE events REPLICA IDENTITY USING INDEX events_id_key;',
        bad: 'DROP INDEX events_id_key;',
        good: 'ALTER TABLE events ADD PRIMARY KEY (id);\nALTER TABLE events REPLICA IDENTITY DEFAULT;\nDROP INDEX events_id_key;',
        note: 'The new identity must be in place before the old index goes.',
      },
      {
        bad: 'ALTER TABLE orders DROP CONSTRAINT orders_pkey;',
        good: 'ALTER TABLE orders DROP CONSTRAINT orders_pkey;\nALTER TABLE orders ADD PRIMARY KEY (id, region);',
        note: 'Replacing the primary key in the same transaction: no other session sees the table without one. Without a transaction, the replacement must be the very next statement.',
      },
    ],
  },
  checkFile(ctx) {
    const out: TypedFileViolation<Id>[] = [];
    for (const stmt of ctx.statements) {
      for (const loss of stmt.replicaIdentity?.lost ?? []) {
        if (restoredInTime(ctx, stmt, loss.relation) || droppedLater(ctx, stmt, loss.relation)) continue;
        const published = loss.publications.length > 0;
        out.push({
          statementIndex: stmt.stmt.index,
          messageId: messageId(loss),
          data: { name: quoteIdent(loss.name.split('.').pop()!), relation: loss.relation, publications: loss.publications.join(', ') },
          relation: loss.relation,
          lockMode: 'ACCESS EXCLUSIVE',
          ...(published ? { severity: 'error' as const } : {}),
        });
      }
    }
    return out;
  },
});
