import { describe, expect, it } from 'vitest';
import { blocksOf, blocksOfAll, conflicts, lockModeFromNumber, mergeLocks, strongest } from '../../src/pg/locks.js';
import { LOCK_MODES, type LockMode } from '../../src/types.js';

// The docs' table 13.2, row by row: X = conflicts. Columns in LOCK_MODES order.
const TABLE_13_2: Record<LockMode, string> = {
  'ACCESS SHARE': '.......X',
  'ROW SHARE': '......XX',
  'ROW EXCLUSIVE': '....XXXX',
  'SHARE UPDATE EXCLUSIVE': '...XXXXX',
  SHARE: '..XX.XXX',
  'SHARE ROW EXCLUSIVE': '..XXXXXX',
  EXCLUSIVE: '.XXXXXXX',
  'ACCESS EXCLUSIVE': 'XXXXXXXX',
};

describe('conflicts', () => {
  it('matches every cell of the documented conflict table', () => {
    for (const a of LOCK_MODES)
      LOCK_MODES.forEach((b, j) => {
        expect(conflicts(a, b), `${a} vs ${b}`).toBe(TABLE_13_2[a][j] === 'X');
      });
  });

  it('is symmetric', () => {
    for (const a of LOCK_MODES) for (const b of LOCK_MODES) expect(conflicts(a, b)).toBe(conflicts(b, a));
  });

  it('spot checks', () => {
    expect(conflicts('ACCESS SHARE', 'ROW EXCLUSIVE')).toBe(false); // SELECT vs UPDATE
    expect(conflicts('SHARE', 'ROW EXCLUSIVE')).toBe(true); // CREATE INDEX blocks writes
    expect(conflicts('SHARE', 'SHARE')).toBe(false); // two CREATE INDEX in parallel
    expect(conflicts('SHARE UPDATE EXCLUSIVE', 'SHARE UPDATE EXCLUSIVE')).toBe(true); // VACUUM vs CIC
    expect(conflicts('SHARE UPDATE EXCLUSIVE', 'ROW EXCLUSIVE')).toBe(false);
    expect(conflicts('ROW SHARE', 'EXCLUSIVE')).toBe(true);
    expect(conflicts('ACCESS EXCLUSIVE', 'ACCESS SHARE')).toBe(true);
  });
});

describe('strongest', () => {
  it('picks the strongest mode by the docs order', () => {
    expect(strongest(['ROW EXCLUSIVE', 'SHARE', 'ACCESS SHARE'])).toBe('SHARE');
    expect(strongest(['SHARE ROW EXCLUSIVE', 'SHARE UPDATE EXCLUSIVE'])).toBe('SHARE ROW EXCLUSIVE');
    expect(strongest(['ACCESS EXCLUSIVE', 'EXCLUSIVE'])).toBe('ACCESS EXCLUSIVE');
    expect(strongest([])).toBeUndefined();
  });
});

describe('blocksOf', () => {
  it.each([
    ['ACCESS SHARE', false, false, false],
    ['ROW SHARE', false, false, false],
    ['ROW EXCLUSIVE', false, false, false],
    ['SHARE UPDATE EXCLUSIVE', false, false, true],
    ['SHARE', false, true, true],
    ['SHARE ROW EXCLUSIVE', false, true, true],
    ['EXCLUSIVE', false, true, true],
    ['ACCESS EXCLUSIVE', true, true, true],
  ] as const)('%s blocks reads=%s writes=%s ddl=%s', (mode, reads, writes, ddl) => {
    expect(blocksOf(mode)).toEqual({ reads, writes, ddl });
  });

  it('of several modes is what the strongest blocks', () => {
    expect(blocksOfAll(['ACCESS SHARE', 'SHARE'])).toEqual({ reads: false, writes: true, ddl: true });
    expect(blocksOfAll([])).toEqual({ reads: false, writes: false, ddl: false });
  });
});

describe('mergeLocks / lockModeFromNumber', () => {
  it('keeps the strongest mode per relation in first-seen order', () => {
    expect(
      mergeLocks(
        [{ relation: 'public.a', mode: 'ACCESS SHARE' }, { relation: 'public.b', mode: 'SHARE' }],
        [{ relation: 'public.a', mode: 'ROW EXCLUSIVE' }, { relation: 'public.b', mode: 'ACCESS SHARE' }],
      ),
    ).toEqual([
      { relation: 'public.a', mode: 'ROW EXCLUSIVE' },
      { relation: 'public.b', mode: 'SHARE' },
    ]);
  });

  it('maps PostgreSQL lock numbers (lockdefs.h)', () => {
    expect(lockModeFromNumber(1)).toBe('ACCESS SHARE');
    expect(lockModeFromNumber(4)).toBe('SHARE UPDATE EXCLUSIVE');
    expect(lockModeFromNumber(8)).toBe('ACCESS EXCLUSIVE');
  });
});
