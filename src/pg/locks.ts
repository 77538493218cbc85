// PostgreSQL's table-level lock conflict matrix (docs, table 13.2 "Conflicting Lock Modes").
import { LOCK_MODES, type Blocks, type LockMode, type LockRef } from '../types.js';

const RANK: Record<LockMode, number> = Object.fromEntries(LOCK_MODES.map((m, i) => [m, i])) as Record<
  LockMode,
  number
>;

/** For each mode, the modes it conflicts with (the matrix is symmetric). */
const CONFLICTS: Record<LockMode, readonly LockMode[]> = {
  'ACCESS SHARE': ['ACCESS EXCLUSIVE'],
  'ROW SHARE': ['EXCLUSIVE', 'ACCESS EXCLUSIVE'],
  'ROW EXCLUSIVE': ['SHARE', 'SHARE ROW EXCLUSIVE', 'EXCLUSIVE', 'ACCESS EXCLUSIVE'],
  'SHARE UPDATE EXCLUSIVE': [
    'SHARE UPDATE EXCLUSIVE',
    'SHARE',
    'SHARE ROW EXCLUSIVE',
    'EXCLUSIVE',
    'ACCESS EXCLUSIVE',
  ],
  SHARE: ['ROW EXCLUSIVE', 'SHARE UPDATE EXCLUSIVE', 'SHARE ROW EXCLUSIVE', 'EXCLUSIVE', 'ACCESS EXCLUSIVE'],
  'SHARE ROW EXCLUSIVE': [
    'ROW EXCLUSIVE',
    'SHARE UPDATE EXCLUSIVE',
    'SHARE',
    'SHARE ROW EXCLUSIVE',
    'EXCLUSIVE',
    'ACCESS EXCLUSIVE',
  ],
  EXCLUSIVE: [
    'ROW SHARE',
    'ROW EXCLUSIVE',
    'SHARE UPDATE EXCLUSIVE',
    'SHARE',
    'SHARE ROW EXCLUSIVE',
    'EXCLUSIVE',
    'ACCESS EXCLUSIVE',
  ],
  'ACCESS EXCLUSIVE': LOCK_MODES,
};

export function conflicts(a: LockMode, b: LockMode): boolean {
  return CONFLICTS[a].includes(b);
}

export function lockRank(mode: LockMode): number {
  return RANK[mode];
}

/** The strongest of the given modes (by the docs' order), or undefined for none. */
export function strongest(modes: Iterable<LockMode>): LockMode | undefined {
  let best: LockMode | undefined;
  for (const m of modes) if (best === undefined || RANK[m] > RANK[best]) best = m;
  return best;
}

/**
 * What ordinary traffic a held mode blocks: reads (SELECT takes ACCESS SHARE),
 * writes (INSERT/UPDATE/DELETE take ROW EXCLUSIVE) and DDL/maintenance
 * (VACUUM, CREATE INDEX CONCURRENTLY, most ALTERs take at least SHARE UPDATE EXCLUSIVE).
 */
export function blocksOf(mode: LockMode): Blocks {
  return {
    reads: conflicts(mode, 'ACCESS SHARE'),
    writes: conflicts(mode, 'ROW EXCLUSIVE'),
    ddl: conflicts(mode, 'SHARE UPDATE EXCLUSIVE'),
  };
}

/** Union of what several modes block (e.g. all locks of a statement). */
export function blocksOfAll(modes: Iterable<LockMode>): Blocks {
  const s = strongest(modes);
  return s ? blocksOf(s) : { reads: false, writes: false, ddl: false };
}

/** Strongest mode per relation, in first-seen order. */
export function mergeLocks(...lists: readonly (readonly LockRef[])[]): LockRef[] {
  const byRel = new Map<string, LockMode>();
  for (const list of lists)
    for (const { relation, mode } of list) {
      const cur = byRel.get(relation);
      if (cur === undefined || RANK[mode] > RANK[cur]) byRel.set(relation, mode);
    }
  return [...byRel].map(([relation, mode]) => ({ relation, mode }));
}

/** PostgreSQL's numeric lock mode (lockdefs.h: AccessShareLock = 1 … AccessExclusiveLock = 8). */
export function lockModeFromNumber(n: number): LockMode {
  return LOCK_MODES[n - 1] ?? 'ACCESS EXCLUSIVE';
}
