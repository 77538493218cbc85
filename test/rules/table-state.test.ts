// Table state (new, renamed from an existing table, empty by evidence) as every rule sees it,
// and messages that name the right things.
import { beforeAll, describe, expect, it } from 'vitest';
import { analyze } from '../../src/analyze.js';
import { configSchema } from '../../src/config/schema.js';
import { getRule } from '../../src/rules/registry.js';
import { initParser } from '../../src/sql/index.js';
import { runRule, type RunOptions } from './support.js';

beforeAll(async () => {
  await initParser();
});

const run = (id: string, sql: string, opts: RunOptions = {}) => runRule(getRule(id)!, sql, opts);
const lines = (id: string, sql: string, opts: RunOptions = {}) => run(id, sql, opts).map((f) => f.line);

describe('a table renamed from an existing one is existing', () => {
  const sql =
    'ALTER TABLE old_users RENAME TO users;\nUPDATE users SET plan = 1;\n' +
    'ALTER TABLE users ALTER COLUMN plan SET NOT NULL;\nCREATE INDEX users_plan ON users (plan);';
  it('flags a full-table UPDATE, SET NOT NULL and CREATE INDEX on it', () => {
    expect(lines('unbatched-data-migration', sql)).toEqual([2]);
    expect(lines('adding-not-nullable-field', sql)).toEqual([3]);
    expect(lines('require-concurrent-index-creation', sql)).toEqual([4]);
    expect(run('require-concurrent-index-creation', sql)[0]!.relation).toBe('public.users');
  });
  it('keeps a table renamed from a new one new', () => {
    const fresh = 'CREATE TABLE n (a int);\nALTER TABLE n RENAME TO m;\nCREATE INDEX m_a ON m (a);\nALTER TABLE m ALTER COLUMN a SET NOT NULL;';
    expect(lines('require-concurrent-index-creation', fresh)).toEqual([]);
    expect(lines('adding-not-nullable-field', fresh)).toEqual([]);
  });
});

describe('a table proven empty earlier in the transaction', () => {
  it('gets no error for ADD COLUMN … NOT NULL after DELETE FROM t', () => {
    const sql = 'DELETE FROM t;\nALTER TABLE t ADD COLUMN x text NOT NULL;';
    expect(lines('adding-required-field', sql)).toEqual([]);
    expect(lines('adding-not-nullable-field', sql)).toEqual([]);
  });
  it('gets no error after a NOT NULL column without default succeeded', () => {
    const sql = 'ALTER TABLE t ADD COLUMN a int NOT NULL;\nALTER TABLE t ADD COLUMN b text NOT NULL;\nALTER TABLE t ALTER COLUMN c SET NOT NULL;';
    expect(lines('adding-required-field', sql)).toEqual([1]);
    expect(lines('adding-not-nullable-field', sql)).toEqual([]);
  });
  it('loses the evidence when its transaction ends', () => {
    const sql = 'BEGIN;\nDELETE FROM t;\nCOMMIT;\nALTER TABLE t ADD COLUMN x text NOT NULL;';
    expect(lines('adding-required-field', sql, { transaction: 'none' })).toEqual([4]);
  });
});

describe('DROP INDEX and its table', () => {
  const config = configSchema.parse({ engines: ['builtin'] });
  const history = [{ path: 'migrations/001.sql', content: 'CREATE TABLE t (id int, x int);\nCREATE INDEX t_x_idx ON t (x);\n' }];
  const review = async (sql: string) => {
    const report = await analyze({ files: [{ path: 'migrations/002.sql', content: sql }], history, config });
    return report.files[0]!.findings.filter((f) => f.rule === 'require-concurrent-index-deletion');
  };
  it('names the table the index belongs to', async () => {
    const [f] = await review('DROP INDEX t_x_idx;\n');
    expect(f!.relation).toBe('public.t');
    expect(f!.message).toBe('DROP INDEX public.t_x_idx without CONCURRENTLY takes an ACCESS EXCLUSIVE lock on public.t.');
  });
  it('says nothing when the table itself is dropped next', async () => {
    expect(await review('DROP INDEX t_x_idx;\nDROP TABLE t;\n')).toEqual([]);
    expect(await review('BEGIN;\nDROP INDEX t_x_idx;\nDROP TABLE other;\nDROP TABLE t;\nCOMMIT;\n')).toEqual([]);
    // another statement in between, outside a transaction: the table stays in use meanwhile
    expect((await review('DROP INDEX t_x_idx;\nUPDATE t SET x = 1 WHERE id = 1;\nDROP TABLE t;\n')).map((f) => f.line)).toEqual([1]);
  });
  it('says the table is unknown when the history does not show it', () => {
    expect(run('require-concurrent-index-deletion', 'DROP INDEX other_idx;')[0]!.message).toBe(
      'DROP INDEX public.other_idx without CONCURRENTLY takes an ACCESS EXCLUSIVE lock on the table it indexes (not in the reviewed history).',
    );
  });
});

describe('messages name the right things', () => {
  it('attributes a volatile default to its own column when a statement adds two', () => {
    const [f, ...rest] = run('adding-field-with-default', 'ALTER TABLE t ADD COLUMN a int DEFAULT 1, ADD COLUMN b uuid DEFAULT gen_random_uuid();');
    expect(rest).toEqual([]);
    expect(f!.message).toBe('Column b is added to public.t with the volatile default gen_random_uuid(): the whole table is rewritten under an ACCESS EXCLUSIVE lock.');
  });
  it('does not say "public.t and public.t" for a self-referencing foreign key', () => {
    const [f] = run('adding-foreign-key-constraint', 'ALTER TABLE t ADD CONSTRAINT t_parent FOREIGN KEY (parent_id) REFERENCES t (id);');
    expect(f!.message).toBe('Adding self-referencing foreign key t_parent on public.t validates every row while blocking writes to it.');
  });
  it('claims no validation scan for REFERENCES on a new column without a default', () => {
    expect(run('adding-foreign-key-constraint', 'ALTER TABLE t ADD COLUMN u bigint REFERENCES users (id);')).toEqual([]);
  });
});
