import { describe, expect, it } from 'vitest';
import { mergeFindings, sortFindings, squawkAliases, squawkCovered } from '../../src/engines/merge.js';
import type { Finding } from '../../src/types.js';

function f(rule: string, line: number, extra: Partial<Finding> = {}): Finding {
  return {
    rule,
    severity: 'warning',
    line,
    column: 1,
    endLine: line,
    endColumn: 10,
    message: `${rule} at ${line}`,
    engine: 'builtin',
    ...extra,
  };
}

const aliases = squawkAliases([
  { meta: { id: 'require-timeout-settings', squawk: ['require-lock-timeout', 'require-statement-timeout'] } },
  { meta: { id: 'adding-not-nullable-field', squawk: ['adding-required-field'] } },
  { meta: { id: 'ban-drop-table' } },
]);

describe('squawkAliases', () => {
  it('maps squawk ids to the built-in rule that lists them', () => {
    expect(aliases('require-lock-timeout')).toBe('require-timeout-settings');
    expect(aliases('adding-required-field')).toBe('adding-not-nullable-field');
    expect(aliases('ban-drop-table')).toBeUndefined();
  });
});

describe('mergeFindings', () => {
  it('reports an aliased hazard on the same statement once, keeping the built-in fix', () => {
    const fix = { description: 'add a default first', sql: 'ALTER TABLE …' };
    const builtin = [f('adding-not-nullable-field', 3, { endLine: 4, severity: 'error', fix })];
    const squawk = [f('adding-required-field', 4, { engine: 'squawk', column: 5 })];
    const merged = mergeFindings(builtin, squawk, aliases);
    expect(merged).toHaveLength(1);
    expect(merged[0]).toMatchObject({
      rule: 'adding-not-nullable-field',
      severity: 'error',
      engine: 'builtin',
      engines: ['builtin', 'squawk'],
      fix,
    });
    // Inputs are not mutated.
    expect(builtin[0]!.engines).toBeUndefined();
  });

  it('merges on the same id when no alias exists', () => {
    const merged = mergeFindings([f('ban-drop-table', 7)], [f('ban-drop-table', 7, { engine: 'squawk' })], aliases);
    expect(merged.map((x) => [x.rule, x.engines])).toEqual([['ban-drop-table', ['builtin', 'squawk']]]);
  });

  it('folds two squawk rules into the one built-in rule that covers both', () => {
    const merged = mergeFindings(
      [f('require-timeout-settings', 2)],
      [f('require-lock-timeout', 2, { engine: 'squawk' }), f('require-statement-timeout', 2, { engine: 'squawk' })],
      aliases,
    );
    expect(merged).toHaveLength(1);
    expect(merged[0]!.engines).toEqual(['builtin', 'squawk']);
  });

  it('keeps findings on different statements, and squawk-only hazards', () => {
    const merged = mergeFindings(
      [f('ban-drop-table', 7)],
      [
        f('ban-drop-table', 9, { engine: 'squawk' }),
        f('prefer-robust-stmts', 1, { engine: 'squawk' }),
        f('adding-required-field', 7, { engine: 'squawk' }),
      ],
      aliases,
    );
    expect(merged.map((x) => [x.rule, x.line, x.engine, x.engines])).toEqual([
      ['prefer-robust-stmts', 1, 'squawk', undefined],
      ['adding-required-field', 7, 'squawk', undefined],
      ['ban-drop-table', 7, 'builtin', undefined],
      ['ban-drop-table', 9, 'squawk', undefined],
    ]);
  });
});

describe('mergeFindings with covered', () => {
  const catalog = [
    { meta: { id: 'require-timeout-settings', squawk: ['require-lock-timeout'] } },
    { meta: { id: 'require-concurrent-index-creation' } },
  ];
  const covered = squawkCovered(catalog);

  it('knows the covered squawk ids: aliases and same ids', () => {
    expect(['require-lock-timeout', 'require-concurrent-index-creation', 'prefer-robust-stmts'].map(covered)).toEqual([true, true, false]);
  });

  it('drops a covered squawk finding the built-in engine judged safe, keeps uncovered ones', () => {
    const merged = mergeFindings(
      [f('require-timeout-settings', 2)],
      [
        // The built-in rule flagged line 2 but not line 9 (say, a table created earlier in the file).
        f('require-lock-timeout', 2, { engine: 'squawk' }),
        f('require-lock-timeout', 9, { engine: 'squawk' }),
        f('require-concurrent-index-creation', 9, { engine: 'squawk' }),
        f('prefer-robust-stmts', 9, { engine: 'squawk' }),
      ],
      squawkAliases(catalog),
      { covered },
    );
    expect(merged.map((x) => [x.rule, x.line, x.engines ?? [x.engine]])).toEqual([
      ['require-timeout-settings', 2, ['builtin', 'squawk']],
      ['prefer-robust-stmts', 9, ['squawk']],
    ]);
  });
});

describe('sortFindings', () => {
  it('orders by position, then severity (most severe first), then rule', () => {
    const sorted = sortFindings([
      f('b', 2),
      f('z', 1, { severity: 'info' }),
      f('y', 1, { severity: 'error' }),
      f('a', 1, { severity: 'error' }),
      f('c', 1, { column: 0 }),
    ]);
    expect(sorted.map((x) => x.rule)).toEqual(['c', 'a', 'y', 'z', 'b']);
  });
});
