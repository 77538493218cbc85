// hold-access-exclusive-lock: the time at stake in its message, what it rests on, and both orders
// of DDL and data change in one transaction.
import { beforeAll, describe, expect, it } from 'vitest';
import { configSchema } from '../../src/config/schema.js';
import { RuleOptionsError, lintSql } from '../../src/rules/engine.js';
import { getRule } from '../../src/rules/registry.js';
import { initParser } from '../../src/sql/index.js';
import { runRule } from './support.js';

beforeAll(async () => {
  await initParser();
});

const id = 'hold-access-exclusive-lock';
const rule = getRule(id)!;
const backfill = "ALTER TABLE users ADD COLUMN status text;\nUPDATE users SET status = 'active';";

describe('hold-access-exclusive-lock duration', () => {
  it('estimates from the assumed row count and the measured UPDATE throughput, and says so', () => {
    const [f] = runRule(rule, backfill);
    expect([f!.line, f!.severity, f!.lockMode, f!.relation]).toEqual([2, 'error', 'ACCESS EXCLUSIVE', 'public.users']);
    expect(f!.message).toBe(
      'This statement updates rows of public.users while the ACCESS EXCLUSIVE lock on public.users taken at line 1 is still held: all reads and writes on public.users wait until the transaction commits, about 20 s: 1,000,000 rows assumed (set rows.public.users in the rule\'s options) at 50,000 rows/s for an UPDATE.',
    );
  });

  it('uses configured rows and throughput', () => {
    const options = { rows: { users: 40_000_000 }, rowsPerSecond: { update: 100_000 } };
    const [f] = runRule(rule, backfill, { config: { rules: { [id]: { severity: 'warning', options } } } });
    expect(f!.message).toContain('about 7 min: 40,000,000 rows (configured) at 100,000 rows/s for an UPDATE.');
    const [scan] = runRule(rule, 'ALTER TABLE users ADD COLUMN a text;\nALTER TABLE orders VALIDATE CONSTRAINT orders_fk;', {
      config: { rules: { [id]: { options: { defaultRows: 3_000_000 } } } },
    });
    expect(scan!.message).toContain('about 3 s: 3,000,000 rows assumed (set rows.public.orders in the rule\'s options) at 1,000,000 rows/s for a validation scan.');
  });

  it('has no figure for a lock wait, only what bounds it', () => {
    const [f] = runRule(rule, 'ALTER TABLE users ADD COLUMN a text;\nALTER TABLE orders ADD COLUMN b text;');
    expect(f!.message).toMatch(/wait until the transaction commits, as long as the longest query running on that table\.$/);
  });

  it('flags the DDL after a whole-table data change on the same table, as a warning', () => {
    const sql = "SELECT 1;\nUPDATE users SET status = 'active';\nALTER TABLE users ALTER COLUMN status SET NOT NULL;";
    const found = runRule(rule, sql);
    expect(found.map((f) => [f.line, f.severity, f.relation])).toEqual([[3, 'warning', 'public.users']]);
    expect(found[0]!.message).toBe(
      "This statement takes an ACCESS EXCLUSIVE lock on public.users in the transaction whose statement at line 2 updates rows of public.users: writes to those rows have been blocked since line 2 (about 20 s: 1,000,000 rows assumed (set rows.public.users in the rule's options) at 50,000 rows/s for an UPDATE), and now reads and writes on all of public.users wait until the transaction commits. Commit the data change first, or run it in batches in its own migration.",
    );
    // committed in between, batched, a point update or another table: nothing held across
    expect(runRule(rule, "BEGIN;\nUPDATE users SET status = 'a';\nCOMMIT;\nALTER TABLE users ADD COLUMN b text;", { transaction: 'none' })).toEqual([]);
    expect(runRule(rule, "UPDATE users SET status = 'a' WHERE id = 1;\nALTER TABLE users ADD COLUMN b text;")).toEqual([]);
    expect(runRule(rule, "UPDATE orders SET status = 'a';\nALTER TABLE users ADD COLUMN b text;")).toEqual([]);
  });

  it('rejects bad options with the key named', () => {
    const config = configSchema.parse({ rules: { [id]: { options: { rowsPerSecond: { upsert: 5 } } } } });
    expect(() => lintSql('SELECT 1;', { config, rules: [rule] })).toThrow(RuleOptionsError);
    expect(() => lintSql('SELECT 1;', { config, rules: [rule] })).toThrow('rowsPerSecond.upsert: unknown kind of work');
    const neg = configSchema.parse({ rules: { [id]: { options: { rows: { users: -1 } } } } });
    expect(() => lintSql('SELECT 1;', { config: neg, rules: [rule] })).toThrow('rows.users: expected a number of rows');
  });
});
