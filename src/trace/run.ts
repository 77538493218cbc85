// Executes one migration statement by statement and records what each statement did.
import type { Node } from '@pgsql/types';
import { buildFacts } from '../pg/index.js';
import type { LockRef, ParsedFile, SqlStatement, StatementFacts, TraceResult, TransactionMode } from '../types.js';
import {
  diffRelations,
  heldLocks,
  lockKey,
  qualified,
  resolveLocks,
  TABLE_KINDS,
  snapshotRelations,
  strongestPerRelation,
  type RawLock,
  type RelationSnapshot,
  type TraceSession,
} from './catalog.js';
import { TraceAbort, type PgError } from './worker.js';

/** A statement's trace: the contract's TraceResult plus what the review and tests need. */
export interface StatementTrace extends TraceResult {
  /** false: the statement cannot run in a transaction block and the lock model's modes are reported. */
  observed: boolean;
  /** Locks on indexes, sequences and views (TraceResult.locks holds tables and matviews). */
  otherLocks: LockRef[];
  /** Table locks the transaction already held before this statement (pg_locks cannot show them again). */
  heldBefore: LockRef[];
  created: string[];
  dropped: string[];
  /** Relations the lock model names that did not exist before or after the statement (IF EXISTS on nothing): nothing to lock. */
  absent?: string[];
  /** Relations the lock model names that are views, sequences or indexes (only tables are compared). */
  notTables?: string[];
}

export type FailureKind = 'error' | 'timeout' | 'memory' | 'crash' | 'refused';

export interface FileFailure {
  statementIndex: number;
  kind: FailureKind;
  message: string;
  code?: string;
  /** Absolute string offset in the file where Postgres located the error, when it did. */
  offset?: number;
}

export interface FileTrace {
  statements: Map<number, StatementTrace>;
  failure?: FileFailure;
  /** Statements not executed (syntax error in the file). */
  skipped?: string;
}

export interface TraceFileOptions {
  transaction: TransactionMode;
  pgVersion: number;
  /** Wall-clock limit for the whole file. */
  timeoutMs: number;
  /** Precomputed facts of the file (buildFacts); computed when absent. */
  facts?: StatementFacts[];
  /** Called before each top-level statement runs, in the transaction state of that point. */
  beforeStatement?: (stmt: SqlStatement) => Promise<void>;
}

export function topLevel(parsed: ParsedFile): SqlStatement[] {
  return parsed.statements.filter((s) => !s.nested);
}

function transactionControl(ast: Node | undefined): 'begin' | 'end' | 'other' | undefined {
  const t = (ast as { TransactionStmt?: { kind?: string } } | undefined)?.TransactionStmt;
  if (!t) return undefined;
  if (t.kind === 'TRANS_STMT_BEGIN' || t.kind === 'TRANS_STMT_START') return 'begin';
  if (t.kind === 'TRANS_STMT_COMMIT' || t.kind === 'TRANS_STMT_ROLLBACK' || t.kind === 'TRANS_STMT_PREPARE') return 'end';
  return 'other';
}

function failureOf(stmt: SqlStatement, error: PgError, outOfMemory: boolean, memoryMb?: number): FileFailure {
  const f: FileFailure = {
    statementIndex: stmt.index,
    kind: outOfMemory ? 'memory' : 'error',
    message: outOfMemory ? `trace stopped: the statement exceeded the memory limit${memoryMb ? ` of ${memoryMb} MB` : ''} (${error.message})` : error.message,
  };
  if (error.code) f.code = error.code;
  if (error.position && error.position > 0) f.offset = stmt.span.offset + error.position - 1;
  return f;
}

function abortFailure(stmt: SqlStatement, err: TraceAbort, timeoutMs: number): FileFailure {
  const message =
    err.reason === 'timeout' ? `trace stopped after ${Math.round(timeoutMs / 100) / 10} s` : err.message;
  return { statementIndex: stmt.index, kind: err.reason, message };
}

/**
 * Runs the file's top-level statements (DO blocks as a whole, nested statements not
 * separately) on the session, in the file's transaction mode. Stops at the first error
 * (rolling back an open transaction). Throws nothing for SQL errors or limits: they are
 * in `failure`; the session is unusable after a `timeout`/`memory`/`crash` failure on PGlite.
 */
export async function traceFile(session: TraceSession, parsed: ParsedFile, opts: TraceFileOptions & { memoryMb?: number }): Promise<FileTrace> {
  const facts = opts.facts ?? buildFacts(parsed, { transaction: opts.transaction, pgVersion: opts.pgVersion });
  const factByIndex = new Map(facts.map((f) => [f.stmt.index, f]));
  const deadline = Date.now() + opts.timeoutMs;
  const left = () => {
    const ms = deadline - Date.now();
    if (ms <= 0) throw new TraceAbort('timeout', 'deadline');
    return ms;
  };
  const out: FileTrace = { statements: new Map() };
  let inTx = false;
  let current: SqlStatement | undefined;
  try {
    let before: RelationSnapshot = await snapshotRelations(session, left());
    let prevLocks = new Set<string>();
    if (opts.transaction === 'transaction') {
      await mustExec(session, 'BEGIN', left());
      inTx = true;
    }
    for (const stmt of topLevel(parsed)) {
      current = stmt;
      if (stmt.error || !stmt.ast) {
        out.skipped = `statement ${stmt.index + 1} does not parse; the rest of the file was not traced`;
        break;
      }
      const refusal = refuse(stmt.ast);
      if (refusal) {
        out.failure = { statementIndex: stmt.index, kind: 'refused', message: refusal };
        if (inTx) await session.exec('ROLLBACK', left());
        return out;
      }
      await opts.beforeStatement?.(stmt);
      const fact = factByIndex.get(stmt.index);
      const control = transactionControl(stmt.ast);
      let raw: RawLock[] = [];
      let observed = true;
      let staticLocks: LockRef[] = [];
      let heldBefore: RawLock[] = [];
      let durationMs = 0;
      let outcome;
      if (control) {
        const t0 = performance.now();
        outcome = await session.exec(stmt.rendered ?? stmt.text, left());
        durationMs = performance.now() - t0;
        if (outcome.ok) {
          if (control === 'begin') inTx = true;
          if (control === 'end') inTx = false;
        }
      } else if (inTx) {
        heldBefore = (await heldLocks(session, left())).filter((l) => prevLocks.has(lockKey(l)));
        const t0 = performance.now();
        outcome = await session.exec(stmt.rendered ?? stmt.text, left());
        durationMs = performance.now() - t0;
        if (outcome.ok) raw = (await heldLocks(session, left())).filter((l) => !prevLocks.has(lockKey(l)));
      } else if (fact?.transactional !== false) {
        await mustExec(session, 'BEGIN', left());
        const t0 = performance.now();
        outcome = await session.exec(stmt.rendered ?? stmt.text, left());
        durationMs = performance.now() - t0;
        if (outcome.ok) {
          raw = await heldLocks(session, left());
          const commit = await session.exec('COMMIT', left());
          if (!commit.ok) outcome = commit;
        } else {
          await session.exec('ROLLBACK', left());
        }
      } else {
        observed = false;
        staticLocks = fact?.locks ?? [];
        const t0 = performance.now();
        if (session.execWatched) {
          const watched = await session.execWatched(stmt.rendered ?? stmt.text, staticLocks, left());
          outcome = watched.outcome;
          if (watched.locks.length) {
            raw = watched.locks;
            observed = true;
          }
        } else {
          outcome = await session.exec(stmt.rendered ?? stmt.text, left());
        }
        durationMs = performance.now() - t0;
      }
      const after = outcome.ok ? await snapshotRelations(session, left()) : before;
      const resolved = resolveLocks(raw, before, after);
      const diff = diffRelations(before, after);
      // TRUNCATE swaps in a new empty file: no data is copied, so it is not a rewrite
      if ('TruncateStmt' in stmt.ast) diff.rewrote = [];
      const trace: StatementTrace = {
        locks: observed ? strongestPerRelation(resolved.tables) : strongestPerRelation(staticLocks),
        rewrote: diff.rewrote,
        durationMs: Math.round(durationMs * 100) / 100,
        observed,
        otherLocks: strongestPerRelation(resolved.others),
        heldBefore: strongestPerRelation(resolveLocks(heldBefore, before).tables),
        created: diff.created,
        dropped: diff.dropped,
      };
      const kinds = predictedKinds(fact?.locks ?? [], before, after);
      if (kinds.absent.length) trace.absent = kinds.absent;
      if (kinds.notTables.length) trace.notTables = kinds.notTables;
      if (!outcome.ok) {
        trace.error = outcome.error.message;
        out.statements.set(stmt.index, trace);
        out.failure = failureOf(stmt, outcome.error, outcome.outOfMemory, opts.memoryMb);
        if (inTx) await session.exec('ROLLBACK', left());
        inTx = false;
        return out;
      }
      out.statements.set(stmt.index, trace);
      before = after;
      if (inTx) prevLocks = new Set([...prevLocks, ...raw.map(lockKey)]);
      else prevLocks = new Set();
    }
    if (inTx && !out.skipped) {
      const commit = await session.exec('COMMIT', left());
      if (!commit.ok && current) out.failure = failureOf(current, commit.error, commit.outOfMemory, opts.memoryMb);
    } else if (inTx) {
      await session.exec('ROLLBACK', left());
    }
    return out;
  } catch (err) {
    if (err instanceof TraceAbort && current) {
      out.failure = abortFailure(current, err, opts.timeoutMs);
      return out;
    }
    if (err instanceof TraceAbort) {
      out.failure = abortFailure(topLevel(parsed)[0] ?? parsed.statements[0]!, err, opts.timeoutMs);
      return out;
    }
    throw err;
  }
}

/** Which predicted relations do not exist, and which are not tables / matviews. */
function predictedKinds(predicted: LockRef[], before: RelationSnapshot, after: RelationSnapshot): { absent: string[]; notTables: string[] } {
  const out = { absent: [] as string[], notTables: [] as string[] };
  if (!predicted.length) return out;
  const kinds = new Map<string, string>();
  for (const snap of [after, before]) for (const r of snap.values()) kinds.set(qualified(r), r.kind);
  for (const { relation } of predicted) {
    const kind = kinds.get(relation);
    if (kind === undefined) out.absent.push(relation);
    else if (!TABLE_KINDS.has(kind)) out.notTables.push(relation);
  }
  return out;
}

/** Statements the sandbox does not run at all. */
function refuse(ast: Node): string | undefined {
  const copy = (ast as { CopyStmt?: { is_program?: boolean } }).CopyStmt;
  if (copy?.is_program) return 'COPY … PROGRAM runs a command on the database host; the trace does not run it';
  return undefined;
}

async function mustExec(session: TraceSession, sql: string, timeoutMs: number): Promise<void> {
  const r = await session.exec(sql, timeoutMs);
  if (!r.ok) throw new Error(`${sql} failed: ${r.error.message}`);
}
