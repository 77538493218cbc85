import { describe, expect, it } from 'vitest';
import { flywayVersionKey, naturalKey, parseSqitchPlan, sortMigrations } from '../../src/migrations/index.js';
import { invertKey, leadingVersionKey, makeOrderKey } from '../../src/migrations/order.js';

const sorted = (keys: string[], key: (s: string) => string) => [...keys].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));

describe('order keys', () => {
  it('Flyway versions: numeric parts, _ = ., shorter first', () => {
    const versions = ['10.0', '9.0', '1.1', '1', '1_2', '7.0_2019_06_14', '7.0_2019.05.02', '7.0_2019.07.31', '2'];
    expect(sorted(versions, flywayVersionKey)).toEqual(['1', '1.1', '1_2', '2', '7.0_2019.05.02', '7.0_2019_06_14', '7.0_2019.07.31', '9.0', '10.0']);
    expect(flywayVersionKey('1_1')).toBe(flywayVersionKey('1.1'));
  });
  it('leading version numbers compare numerically, the rest like ls', () => {
    expect(sorted(['10_c.sql', '2_b.sql', '1_a.sql', '0002_a.sql'], leadingVersionKey)).toEqual(['1_a.sql', '0002_a.sql', '2_b.sql', '10_c.sql']);
    expect(sorted(['20190423-mbs-5387.sql', '20190423-mbs-10052.sql'], leadingVersionKey)).toEqual(['20190423-mbs-10052.sql', '20190423-mbs-5387.sql']);
    expect(sorted(['a10', 'a9', 'a009x'], naturalKey)).toEqual(['a9', 'a009x', 'a10']);
  });
  it('inverted keys sort in reverse, including prefixes', () => {
    const keys = ['abc', 'abcd', 'ab', 'b', 'a\uffff'];
    expect(sorted(keys, invertKey)).toEqual([...sorted(keys, (k) => k)].reverse());
  });
  it('phases: up, then repeatable, then down (newest first)', () => {
    const files = [
      { set: 's', path: 'd1', orderKey: makeOrderKey('down', '1') },
      { set: 's', path: 'r', orderKey: makeOrderKey('repeatable', 'zzz') },
      { set: 's', path: 'u2', orderKey: makeOrderKey('up', '2') },
      { set: 's', path: 'd2', orderKey: makeOrderKey('down', '2') },
      { set: 's', path: 'u1', orderKey: makeOrderKey('up', '1') },
      { set: 'a', path: 'other', orderKey: makeOrderKey('up', '9') },
    ];
    expect(sortMigrations(files).map((f) => f.path)).toEqual(['other', 'u1', 'u2', 'r', 'd2', 'd1']);
  });
});

describe('sqitch.plan', () => {
  const plan = parseSqitchPlan(
    [
      '%syntax-version=1.0.0',
      '%project=x',
      '',
      'users 2024-01-01T00:00:00Z A <a@x> # users',
      '# a comment',
      'flips [users] 2024-01-02T00:00:00Z A <a@x>',
      '@v1.0 2024-01-03T00:00:00Z A <a@x>',
      'users [users@v1.0] 2024-01-04T00:00:00Z A <a@x> # reworked',
      '',
    ].join('\n'),
  );
  it('positions changes; a reworked change maps to its last occurrence, name@tag to the one before the tag', () => {
    expect(plan.position('flips')).toBe(1);
    expect(plan.position('users')).toBe(2);
    expect(plan.position('users@v1.0')).toBe(0);
    expect(plan.position('missing')).toBeUndefined();
  });
});
