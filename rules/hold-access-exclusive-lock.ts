import { alterTable, as, isBookkeeping } from '../src/rules/ast.js';
import { unbatchedDml } from './unbatched-data-migration.js';
import type { RuleContext } from '../src/rules/types.js';
import type { Severity, StatementFacts } from '../src/types.js';
import { createRule } from '../src/rules/create.js';

interface Hit {
  relation: string;
  line: number;
  why: string;
  severity: Severity;
}

const existingIn = (ctx: RuleContext, stmt: StatementFacts, rels: readonly string[]) =>
  rels.filter((r) => !ctx.createdEarlier(r, stmt.stmt.index) && !stmt.creates.includes(r));

interface Reason {
  /** Relations the work is on; the reason counts for a held lock on another relation. */
  on: string[];
  /** The reason also counts when the work is on the held relation itself. */
  onHeldToo: boolean;
  why: (on: string[]) => string;
  severity: Severity;
}

/**
 * Why running this statement while a table is ACCESS EXCLUSIVE-locked makes the outage long,
 * strongest first. Work on the held table itself that other rules already judge as blocking
 * (rewrites, scans under its own strong lock, index builds) is not counted twice.
 */
function reasons(stmt: StatementFacts, ctx: RuleContext): Reason[] {
  if (isBookkeeping(stmt)) return [];
  const out: Reason[] = [];
  const dml = unbatchedDml(stmt, ctx);
  if (dml) {
    const verb = dml.kind === 'UPDATE' ? 'updates' : 'deletes';
    out.push({ on: [dml.relation], onHeldToo: true, why: () => `${verb} rows of ${dml.relation}`, severity: 'error' });
  }
  if (alterTable(stmt)?.cmds.some((c) => c.subtype === 'AT_ValidateConstraint') && stmt.scans.length) {
    out.push({ on: stmt.scans, onHeldToo: true, why: (on) => `validates a constraint by scanning ${on.join(', ')}`, severity: 'error' });
  }
  const existing = (rels: readonly string[]) => existingIn(ctx, stmt, rels);
  const rewrites = existing(stmt.rewrites);
  if (rewrites.length) out.push({ on: rewrites, onHeldToo: false, why: (on) => `rewrites ${on.join(', ')}`, severity: 'error' });
  const scans = existing(stmt.scans);
  if (scans.length) out.push({ on: scans, onHeldToo: false, why: (on) => `scans ${on.join(', ')}`, severity: 'error' });
  const idx = as(stmt.stmt.ast, 'IndexStmt');
  if (idx && !idx.concurrent) {
    const on = existing(stmt.locks.map((l) => l.relation));
    if (on.length) out.push({ on, onHeldToo: false, why: () => 'builds an index on another table', severity: 'error' });
  }
  // Waiting for another table's lock keeps the held one blocked; lock_timeout bounds the wait.
  if (!ctx.lockTimeoutSet(stmt.stmt.index)) {
    for (const l of stmt.locks) {
      if (l.mode === 'ACCESS SHARE' || !existing([l.relation]).length) continue;
      out.push({ on: [l.relation], onHeldToo: false, why: () => `waits for a ${l.mode} lock on ${l.relation}`, severity: 'info' });
    }
  }
  return out;
}

function slowness(candidates: Reason[], held: string): { why: string; severity: Severity } | undefined {
  for (const r of candidates) {
    const on = r.onHeldToo ? r.on : r.on.filter((x) => x !== held);
    if (on.length) return { why: r.why(on), severity: r.severity };
  }
  return undefined;
}

/**
 * One pass over the file: the first slow statement under each held ACCESS EXCLUSIVE lock.
 * What is held comes from the model (`heldLocks`: locks last until COMMIT/ROLLBACK, a
 * ROLLBACK TO SAVEPOINT gives back the later ones); this only remembers where each was taken.
 */
function findHits(ctx: RuleContext): Map<number, Hit> {
  const hits = new Map<number, Hit>();
  let currentTxn = -1;
  // where each held ACCESS EXCLUSIVE lock was taken; null: on a table that has no traffic yet
  let takenAt = new Map<string, StatementFacts | null>();
  let reported = new Set<string>();
  for (const stmt of ctx.statements) {
    const id = ctx.file.transactionBlock(stmt.stmt.index);
    if (id !== currentTxn) {
      currentTxn = id;
      takenAt = new Map();
      reported = new Set();
    }
    if (id === -1) continue;
    const exclusive = new Set(stmt.heldLocks.filter((l) => l.mode === 'ACCESS EXCLUSIVE').map((l) => l.relation));
    for (const relation of takenAt.keys()) if (!exclusive.has(relation)) takenAt.delete(relation);
    const held = [...takenAt].filter((e): e is [string, StatementFacts] => e[1] !== null);
    const candidates = held.length > reported.size ? reasons(stmt, ctx) : [];
    for (const [relation, at] of candidates.length ? held : []) {
      if (reported.has(relation)) continue;
      const slow = slowness(candidates, relation);
      if (!slow) continue;
      reported.add(relation);
      if (!hits.has(stmt.stmt.index)) hits.set(stmt.stmt.index, { relation, line: at.stmt.span.line, ...slow });
    }
    for (const relation of exclusive) {
      if (takenAt.has(relation)) continue;
      const fresh = stmt.drops.includes(relation) || stmt.creates.includes(relation) || ctx.createdEarlier(relation, stmt.stmt.index);
      takenAt.set(relation, fresh ? null : stmt);
    }
  }
  return hits;
}

export default createRule({
  meta: {
    id: 'hold-access-exclusive-lock',
    description: 'Slow work runs while an ACCESS EXCLUSIVE lock taken earlier in the same transaction is still held.',
    category: 'locking',
    defaultSeverity: 'warning',
    severityReason: 'blocks-existing-table',
    escalateOnLargeTables: true,
    hazard:
      'Locks are held until the transaction commits. After an `ALTER TABLE` (ACCESS EXCLUSIVE), every following ' +
      'statement in the same transaction runs with the table fully locked: a backfill, an index build, a ' +
      'validation scan or a wait for another table\'s lock turns a momentary lock into an outage. Commit the DDL ' +
      'first (separate migration), then do the slow work.',
    lock: 'ACCESS EXCLUSIVE',
    messages: {
      held:
        'This statement {why} while the ACCESS EXCLUSIVE lock on {relation} taken at line {line} is still held: all reads and writes on {relation} wait until the transaction commits.',
    },
    examples: [
      {
        bad: "ALTER TABLE users ADD COLUMN status text;\nUPDATE users SET status = 'active';",
        good: 'ALTER TABLE users ADD COLUMN status text;',
        note: 'Run the backfill in a separate migration, in batches.',
      },
      {
        bad: 'ALTER TABLE orders ADD CONSTRAINT orders_total_check CHECK (total >= 0) NOT VALID;\nALTER TABLE orders VALIDATE CONSTRAINT orders_total_check;',
        good: 'ALTER TABLE orders VALIDATE CONSTRAINT orders_total_check;',
        note: 'Validate in a separate migration, after the NOT VALID constraint is committed.',
      },
    ],
  },
  checkFile(ctx) {
    return [...findHits(ctx)].map(([statementIndex, hit]) => ({
      statementIndex,
      messageId: 'held',
      data: { why: hit.why, relation: hit.relation, line: hit.line },
      relation: hit.relation,
      lockMode: 'ACCESS EXCLUSIVE',
      severity: hit.severity,
    }));
  },
});
