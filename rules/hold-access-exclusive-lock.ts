import { alterTable, as, isBookkeeping } from '../src/rules/ast.js';
import { unbatchedDml } from './unbatched-data-migration.js';
import type { OptionsSchema, RuleContext } from '../src/rules/types.js';
import type { LockRef, Severity, StatementFacts } from '../src/types.js';
import { createRule } from '../src/rules/create.js';

interface Hit {
  relation: string;
  line: number;
  why: string;
  severity: Severity;
  work: Work | undefined;
  /** The slow work came first: a data change, then this DDL's lock on the same table. */
  after?: boolean;
}

/** Row-processing work whose duration can be estimated from a row count and a throughput. */
type WorkKind = 'update' | 'delete' | 'scan' | 'rewrite' | 'index';
interface Work {
  kind: WorkKind;
  relations: string[];
}

/**
 * Rows per second, measured on PostgreSQL 15 on a shared 2-core test machine (1M-row table of
 * five columns with a primary key: UPDATE of one column, DELETE, VALIDATE CONSTRAINT, CREATE
 * INDEX, ALTER COLUMN TYPE). Production servers are usually faster; the options override them.
 */
const DEFAULT_RATE: Record<WorkKind, number> = { update: 50_000, delete: 500_000, scan: 1_000_000, rewrite: 130_000, index: 300_000 };
const DEFAULT_ROWS = 1_000_000;

const WORK_WORDS: Record<WorkKind, string> = {
  update: 'an UPDATE',
  delete: 'a DELETE',
  scan: 'a validation scan',
  rewrite: 'a table rewrite',
  index: 'an index build',
};

interface EstimateOptions {
  /** Rows per table (schema-qualified), e.g. from pg_class.reltuples. */
  rows: Record<string, number>;
  /** Rows assumed for a table not in `rows`. */
  defaultRows: number;
  rowsPerSecond: Record<WorkKind, number>;
}

type Issue = { path: PropertyKey[]; message: string };
const positive = (v: unknown) => typeof v === 'number' && Number.isFinite(v) && v > 0;

/** `rules.hold-access-exclusive-lock.options`, checked by hand: rules load before zod is needed. */
const estimateOptions: OptionsSchema = {
  safeParse(value) {
    const issues: Issue[] = [];
    const raw = (value ?? {}) as Record<string, unknown>;
    const out: EstimateOptions = { rows: {}, defaultRows: DEFAULT_ROWS, rowsPerSecond: { ...DEFAULT_RATE } };
    for (const key of Object.keys(raw))
      if (!['rows', 'defaultRows', 'rowsPerSecond', 'transaction'].includes(key)) issues.push({ path: [key], message: 'unknown option (expected rows, defaultRows, rowsPerSecond)' });
    if (raw.defaultRows !== undefined) {
      if (positive(raw.defaultRows)) out.defaultRows = raw.defaultRows as number;
      else issues.push({ path: ['defaultRows'], message: 'expected a positive number' });
    }
    for (const [name, target, check] of [
      ['rows', out.rows, (v: unknown) => typeof v === 'number' && Number.isFinite(v) && v >= 0],
      ['rowsPerSecond', out.rowsPerSecond, positive],
    ] as const) {
      const given = raw[name];
      if (given === undefined) continue;
      if (typeof given !== 'object' || given === null || Array.isArray(given)) {
        issues.push({ path: [name], message: 'expected a map' });
        continue;
      }
      for (const [k, v] of Object.entries(given)) {
        if (name === 'rowsPerSecond' && !(k in DEFAULT_RATE)) issues.push({ path: [name, k], message: `unknown kind of work (expected ${Object.keys(DEFAULT_RATE).join(', ')})` });
        else if (!check(v)) issues.push({ path: [name, k], message: 'expected a number of rows' });
        else (target as Record<string, number>)[name === 'rows' && !k.includes('.') ? `public.${k}` : k] = v as number;
      }
    }
    return issues.length ? { success: false, error: { issues } } : { success: true, data: { ...raw, ...out } };
  },
};

function optionsOf(ctx: RuleContext): EstimateOptions {
  const o = ctx.options as Partial<EstimateOptions>;
  return { rows: o.rows ?? {}, defaultRows: o.defaultRows ?? DEFAULT_ROWS, rowsPerSecond: o.rowsPerSecond ?? DEFAULT_RATE };
}

function seconds(s: number): string {
  if (s < 1) return 'under a second';
  if (s < 90) return `about ${Math.round(s)} s`;
  if (s < 5400) return `about ${Math.round(s / 60)} min`;
  return `about ${(s / 3600).toFixed(1)} h`;
}

/** 1234567.5 → "1,234,567.5", as toLocaleString('en-US') writes it (which costs an Intl lookup per call). */
function grouped(n: number): string {
  const [int, frac] = String(Math.round(n * 1000) / 1000).split('.');
  const digits = int!.replace('-', '');
  let out = '';
  for (let i = digits.length; i > 0; i -= 3) out = digits.slice(Math.max(0, i - 3), i) + (out ? `,${out}` : '');
  return `${n < 0 ? '-' : ''}${out}${frac ? `.${frac}` : ''}`;
}

/** The time at stake, and what the figure rests on, so a reader can judge and correct it. */
function duration(work: Work | undefined, ctx: RuleContext): string {
  if (!work) return 'as long as the longest query running on that table';
  const o = optionsOf(ctx);
  const rate = o.rowsPerSecond[work.kind];
  let rows = 0;
  const assumed: string[] = [];
  for (const r of work.relations) {
    const known = o.rows[r];
    rows += known ?? o.defaultRows;
    if (known === undefined) assumed.push(r);
  }
  const basis = assumed.length
    ? `${grouped(rows)} rows assumed (set rows.${assumed[0]} in the rule's options)`
    : `${grouped(rows)} rows (configured)`;
  return `${seconds(rows / rate)}: ${basis} at ${grouped(rate)} rows/s for ${WORK_WORDS[work.kind]}`;
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
  work?: WorkKind;
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
    out.push({ on: [dml.relation], onHeldToo: true, why: () => `${verb} rows of ${dml.relation}`, severity: 'error', work: dml.kind === 'UPDATE' ? 'update' : 'delete' });
  }
  if (alterTable(stmt)?.cmds.some((c) => c.subtype === 'AT_ValidateConstraint') && stmt.scans.length) {
    out.push({ on: stmt.scans, onHeldToo: true, why: (on) => `validates a constraint by scanning ${on.join(', ')}`, severity: 'error', work: 'scan' });
  }
  const existing = (rels: readonly string[]) => existingIn(ctx, stmt, rels);
  const rewrites = existing(stmt.rewrites);
  if (rewrites.length) out.push({ on: rewrites, onHeldToo: false, why: (on) => `rewrites ${on.join(', ')}`, severity: 'error', work: 'rewrite' });
  const scans = existing(stmt.scans);
  if (scans.length) out.push({ on: scans, onHeldToo: false, why: (on) => `scans ${on.join(', ')}`, severity: 'error', work: 'scan' });
  const idx = as(stmt.stmt.ast, 'IndexStmt');
  if (idx && !idx.concurrent) {
    const on = existing(stmt.locks.map((l) => l.relation));
    if (on.length) out.push({ on, onHeldToo: false, why: () => 'builds an index on another table', severity: 'error', work: 'index' });
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

function slowness(candidates: Reason[], held: string): { why: string; severity: Severity; work: Work | undefined } | undefined {
  for (const r of candidates) {
    const on = r.onHeldToo ? r.on : r.on.filter((x) => x !== held);
    if (on.length) return { why: r.why(on), severity: r.severity, work: r.work ? { kind: r.work, relations: on } : undefined };
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
  // whole-table data changes of this transaction: their row locks last until it commits
  let changed = new Map<string, { line: number; kind: 'UPDATE' | 'DELETE' }>();
  // The model hands out the same heldLocks array while nothing is taken or released: the sets
  // derived from it are rebuilt only when it changes (a long transaction would make this quadratic).
  let lastHeld: readonly LockRef[] | undefined;
  let exclusive = new Set<string>();
  let held: [string, StatementFacts][] = [];
  for (const stmt of ctx.statements) {
    const id = ctx.file.transactionBlock(stmt.stmt.index);
    if (id !== currentTxn) {
      currentTxn = id;
      takenAt = new Map();
      reported = new Set();
      changed = new Map();
      lastHeld = undefined;
      held = [];
    }
    if (id === -1) continue;
    const heldChanged = stmt.heldLocks !== lastHeld;
    if (heldChanged) {
      lastHeld = stmt.heldLocks;
      exclusive = new Set(stmt.heldLocks.filter((l) => l.mode === 'ACCESS EXCLUSIVE').map((l) => l.relation));
      let dropped = false;
      for (const relation of takenAt.keys()) if (!exclusive.has(relation)) dropped = takenAt.delete(relation) || dropped;
      if (dropped) held = [...takenAt].filter((e): e is [string, StatementFacts] => e[1] !== null);
    }
    const dml = isBookkeeping(stmt) ? undefined : unbatchedDml(stmt, ctx);
    if (dml && !changed.has(dml.relation) && !takenAt.has(dml.relation)) changed.set(dml.relation, { line: stmt.stmt.span.line, kind: dml.kind });
    const candidates = held.length > reported.size ? reasons(stmt, ctx) : [];
    for (const [relation, at] of candidates.length ? held : []) {
      if (reported.has(relation)) continue;
      const slow = slowness(candidates, relation);
      if (!slow) continue;
      reported.add(relation);
      if (!hits.has(stmt.stmt.index)) hits.set(stmt.stmt.index, { relation, line: at.stmt.span.line, ...slow });
    }
    if (!heldChanged) continue;
    for (const relation of exclusive) {
      if (takenAt.has(relation)) continue;
      const fresh = stmt.drops.includes(relation) || stmt.creates.includes(relation) || ctx.createdEarlier(relation, stmt.stmt.index);
      takenAt.set(relation, fresh ? null : stmt);
      if (fresh) continue;
      held.push([relation, stmt]);
      const before = changed.get(relation);
      if (before && !hits.has(stmt.stmt.index)) {
        reported.add(relation);
        const verb = before.kind === 'UPDATE' ? 'updates' : 'deletes';
        hits.set(stmt.stmt.index, {
          relation,
          line: before.line,
          why: `${verb} rows of ${relation}`,
          severity: 'warning',
          work: { kind: before.kind === 'UPDATE' ? 'update' : 'delete', relations: [relation] },
          after: true,
        });
      }
    }
  }
  return hits;
}

const rule = createRule({
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
      'first (separate migration), then do the slow work.\n\n' +
      'The message estimates how long the lock is held: the rows of the tables the slow statement works on ' +
      '(option `rows`, e.g. `{ public.users: 40000000 }` from `pg_class.reltuples`; `defaultRows`, 1,000,000, for ' +
      'the others) divided by a throughput for that kind of work (option `rowsPerSecond` with keys `update`, ' +
      '`delete`, `scan`, `rewrite`, `index`). The default throughputs were measured on PostgreSQL 15 on a small ' +
      'shared test machine (UPDATE 50,000 rows/s, DELETE 500,000, validation scan 1,000,000, rewrite 130,000, ' +
      'index build 300,000); set yours for figures that match your server.',
    lock: 'ACCESS EXCLUSIVE',
    messages: {
      after:
        'This statement takes an ACCESS EXCLUSIVE lock on {relation} in the transaction whose statement at line {line} {why}: writes to those rows have been blocked since line {line} ({duration}), and now reads and writes on all of {relation} wait until the transaction commits. Commit the data change first, or run it in batches in its own migration.',
      held:
        'This statement {why} while the ACCESS EXCLUSIVE lock on {relation} taken at line {line} is still held: all reads and writes on {relation} wait until the transaction commits, {duration}.',
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
      messageId: hit.after ? ('after' as const) : ('held' as const),
      data: { why: hit.why, relation: hit.relation, line: hit.line, duration: duration(hit.work, ctx) },
      relation: hit.relation,
      lockMode: 'ACCESS EXCLUSIVE',
      severity: hit.severity,
    }));
  },
});
rule.optionsSchema = estimateOptions;

export default rule;
