// The static lock model checked against what the trace observed.
import type { Finding, LockMode, LockRef, StatementFacts } from '../types.js';
import { lockRank, strongestPerRelation } from './catalog.js';
import type { StatementTrace } from './run.js';

export interface LockMismatch {
  statementIndex: number;
  relation: string;
  /** Strongest mode the lock model predicts; undefined = it predicts no lock. */
  predicted?: LockMode;
  /** Strongest mode the trace saw; undefined = no lock seen. */
  observed?: LockMode;
}

/**
 * Table → strongest mode, predicted vs observed, for one statement. Only tables and
 * matviews are compared (locks on indexes/sequences/views are out of scope); a predicted
 * mode that the transaction already held before the statement counts as observed,
 * since pg_locks shows one row per mode held.
 */
export function compareLocks(statementIndex: number, predicted: LockRef[], traced: StatementTrace): LockMismatch[] {
  if (!traced.observed || traced.error) return [];
  const otherRelations = new Set(traced.otherLocks.map((l) => l.relation));
  const observed = new Map(strongestPerRelation(traced.locks).map((l) => [l.relation, l.mode]));
  const held = new Map(traced.heldBefore.map((l) => [l.relation, l.mode]));
  const out: LockMismatch[] = [];
  const predictedMap = new Map<string, LockMode>();
  for (const l of strongestPerRelation(predicted)) {
    if (otherRelations.has(l.relation) && !observed.has(l.relation)) continue;
    // relations created by the statement are not compared when unseen (nothing to block)
    if (!observed.has(l.relation) && traced.created.includes(l.relation)) continue;
    // a relation that does not exist (IF EXISTS on nothing) cannot be locked
    if (!observed.has(l.relation) && traced.absent?.includes(l.relation)) continue;
    if (!observed.has(l.relation) && traced.notTables?.includes(l.relation)) continue;
    predictedMap.set(l.relation, l.mode);
  }
  for (const [relation, mode] of predictedMap) {
    const seen = observed.get(relation);
    if (seen === mode) continue;
    const before = held.get(relation);
    if (before && lockRank(before) >= lockRank(mode) && (!seen || lockRank(seen) <= lockRank(mode))) continue;
    out.push({ statementIndex, relation, predicted: mode, observed: seen });
  }
  for (const [relation, mode] of observed) {
    // a relation the statement creates is invisible to others until commit
    if (predictedMap.has(relation) || traced.created.includes(relation)) continue;
    out.push({ statementIndex, relation, observed: mode });
  }
  return out.sort((a, b) => a.relation.localeCompare(b.relation));
}

/** Where the analyzer's predicted strongest mode per table differs from the observed one. */
export function compareWithStatic(facts: readonly StatementFacts[], traced: ReadonlyMap<number, StatementTrace>): LockMismatch[] {
  const out: LockMismatch[] = [];
  for (const f of facts) {
    const t = traced.get(f.stmt.index);
    if (t) out.push(...compareLocks(f.stmt.index, f.locks, t));
  }
  return out;
}

export function describeMismatch(m: LockMismatch): string {
  const p = m.predicted ?? 'no lock';
  const o = m.observed ?? 'no lock';
  return `lock model predicts ${p} on ${m.relation}, the trace observed ${o}`;
}

/** Info findings for a review: the analyzer and the trace must not disagree silently. */
export function mismatchFindings(facts: readonly StatementFacts[], mismatches: LockMismatch[]): Finding[] {
  const byIndex = new Map(facts.map((f) => [f.stmt.index, f]));
  return mismatches.flatMap((m) => {
    const f = byIndex.get(m.statementIndex);
    if (!f) return [];
    const span = f.stmt.span;
    const finding: Finding = {
      rule: 'trace-lock-mismatch',
      severity: 'info',
      category: 'locking',
      line: span.line,
      column: span.column,
      endLine: span.endLine,
      endColumn: span.endColumn,
      message: `${describeMismatch(m)} (traced on the base schema; the observed mode is what PostgreSQL took).`,
      relation: m.relation,
      engine: 'trace',
      statementIndex: m.statementIndex,
    };
    if (m.observed) finding.lockMode = m.observed;
    return [finding];
  });
}
