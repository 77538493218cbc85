// A file is reviewed on the schema its history and the earlier files of its set built; tables
// an earlier file of the same change created are new, those of other changes exist. The
// runner's way of sending the file decides its transactions; schema dumps are not migrations.
import { describe, expect, it } from 'vitest';
import { analyze, type SourceFile } from '../../src/analyze.js';
import { configSchema } from '../../src/config/schema.js';
import type { Report } from '../../src/types.js';

const config = configSchema.parse({ engines: ['builtin'] });
const dir = 'migrations';
const file = (name: string, content: string, change?: string): SourceFile => ({
  path: `${dir}/${name}`,
  content,
  ...(change !== undefined ? { change } : {}),
});
const at = (report: Report, path: string, severity?: string) =>
  report.files
    .find((f) => f.path === `${dir}/${path}`)!
    .findings.filter((f) => !severity || f.severity === severity)
    .map((f) => `${f.line} ${f.rule}`);

describe('the schema earlier files built', () => {
  // sqlx-style files: plain SQL run as psql runs it, in timestamp order
  const create = file('20240101000000_users.sql', 'CREATE TABLE users (id bigint PRIMARY KEY, nid uuid, name text);\n');
  const sameType = file('20240102000000_nid.sql', 'SELECT 1;\nALTER TABLE users ALTER COLUMN nid TYPE uuid;\n');
  const newType = file('20240103000000_name.sql', 'SELECT 1;\nSELECT 2;\nALTER TABLE users ALTER COLUMN name TYPE varchar(20);\n');

  it('a later file sees the column type an earlier one created, whatever the order given', async () => {
    for (const files of [[create, sameType, newType], [newType, sameType, create]]) {
      const report = await analyze({ files: files.map((f) => ({ ...f, change: f.path })), config, parallel: false });
      // already uuid: no type change, no rewrite
      expect(at(report, '20240102000000_nid.sql', 'error')).toEqual([]);
      expect(at(report, '20240103000000_name.sql', 'error')).toEqual(['3 changing-column-type']);
    }
  });

  it('the history builds the schema too', async () => {
    const report = await analyze({ files: [{ ...sameType, change: 'pr' }], history: [create], config, parallel: false });
    expect(at(report, '20240102000000_nid.sql', 'error')).toEqual([]);
    const alone = await analyze({ files: [sameType], config, parallel: false });
    expect(at(alone, '20240102000000_nid.sql', 'error')).toEqual(['2 changing-column-type']);
  });

  const orders = file('20240104000000_orders.sql', 'CREATE TABLE orders (id bigint PRIMARY KEY, user_id bigint);\n');
  const fk = file(
    '20240105000000_orders_fk.sql',
    'SELECT 1;\nALTER TABLE orders ADD CONSTRAINT orders_user_id_fkey FOREIGN KEY (user_id) REFERENCES users (id);\n',
  );

  it('a table an earlier file of the same change created is new: no foreign-key scan to fear', async () => {
    const together = await analyze({ files: [orders, fk].map((f) => ({ ...f, change: 'pr' })), history: [create], config, parallel: false });
    expect(at(together, '20240105000000_orders_fk.sql', 'error')).toEqual([]);
  });

  it('a table an earlier change created exists and has rows', async () => {
    const apart = await analyze({ files: [{ ...orders, change: 'a' }, { ...fk, change: 'b' }], history: [create], config, parallel: false });
    expect(at(apart, '20240105000000_orders_fk.sql', 'error')).toEqual(['2 adding-foreign-key-constraint']);
    // without keys each file is a change of its own
    const unkeyed = await analyze({ files: [orders, fk], history: [create], config, parallel: false });
    expect(at(unkeyed, '20240105000000_orders_fk.sql', 'error')).toEqual(['2 adding-foreign-key-constraint']);
    const fromHistory = await analyze({ files: [fk], history: [create, orders], config, parallel: false });
    expect(at(fromHistory, '20240105000000_orders_fk.sql', 'error')).toEqual(['2 adding-foreign-key-constraint']);
  });

  it('a new table renamed or dropped in a later file of the change is followed', async () => {
    const rename = file('20240105000000_rename.sql', 'ALTER TABLE orders RENAME TO purchases;\n');
    const index = file('20240106000000_index.sql', 'SELECT 1;\nCREATE INDEX purchases_user_idx ON purchases (user_id);\nCREATE INDEX users_name_idx ON users (name);\n');
    const report = await analyze({ files: [orders, rename, index].map((f) => ({ ...f, change: 'pr' })), history: [create], config, parallel: false });
    expect(at(report, '20240106000000_index.sql', 'error')).toEqual(['3 require-concurrent-index-creation']);
    const dropped = file('20240105000000_drop.sql', 'DROP TABLE orders;\nCREATE TABLE orders (id bigint);\n');
    const again = await analyze({ files: [{ ...orders, change: 'a' }, { ...dropped, change: 'b' }, { ...fk, change: 'b' }], history: [create], config, parallel: false });
    // re-created by the change the foreign key belongs to: new again
    expect(at(again, '20240105000000_orders_fk.sql', 'error')).toEqual([]);
  });

  it('context files build the schema but get no report', async () => {
    const report = await analyze({ files: [sameType], context: [create], config, parallel: false });
    expect(report.files.map((f) => f.path)).toEqual([`${dir}/20240102000000_nid.sql`]);
    expect(at(report, '20240102000000_nid.sql', 'error')).toEqual([]);
  });
});

describe('runners that send the file as one query', () => {
  const path = (name: string) => `db/migrations/${name}`;
  const lint = async (name: string, content: string) => {
    const report = await analyze({ files: [{ path: path(name), content }], config, parallel: false });
    return { file: report.files[0]!, findings: report.files[0]!.findings.filter((f) => f.severity !== 'info').map((f) => `${f.line} ${f.rule}`) };
  };

  it('golang-migrate: the statements of a file are one implicit transaction, so TRUNCATE proves the table empty', async () => {
    const { file, findings } = await lint('000001_scopes.down.sql', 'TRUNCATE TABLE scopes CASCADE;\nALTER TABLE scopes ADD COLUMN resource_id integer NOT NULL;\n');
    expect(file).toMatchObject({ framework: 'golang-migrate', transaction: 'none' });
    expect(file.statements.map((s) => s.inTransaction)).toEqual([true, true]);
    // the column add cannot fail: the table was emptied in the same transaction
    expect(findings.filter((f) => f.endsWith('adding-required-field') || f.endsWith('adding-not-nullable-field'))).toEqual([]);
  });

  it('golang-migrate: CONCURRENTLY fails next to other statements, and runs alone', async () => {
    const many = await lint('000002_idx.up.sql', 'SET lock_timeout = \'2s\';\nCREATE INDEX CONCURRENTLY users_email_idx ON users (email);\n');
    expect(many.findings).toContain('2 ban-concurrent-index-creation-in-transaction');
    const alone = await lint('000003_idx.up.sql', 'CREATE INDEX CONCURRENTLY users_email_idx ON users (email);\n');
    expect(alone.file.statements[0]!.inTransaction).toBe(false);
    expect(alone.findings.filter((f) => f.endsWith('ban-concurrent-index-creation-in-transaction'))).toEqual([]);
  });

  it('golang-migrate: a COMMIT in the file starts the next implicit transaction', async () => {
    const { file } = await lint('000004_tx.up.sql', 'BEGIN;\nALTER TABLE users ADD COLUMN a int;\nCOMMIT;\nALTER TABLE users ADD COLUMN b int;\nSELECT 1;\n');
    expect(file.statements.map((s) => s.inTransaction)).toEqual([true, true, true, true, true]);
  });

  it('Prisma: the same', async () => {
    const report = await analyze({
      files: [{ path: 'prisma/migrations/20240101000000_x/migration.sql', content: 'DELETE FROM "User";\nALTER TABLE "User" ADD COLUMN "org" TEXT NOT NULL;\n' }],
      config,
      parallel: false,
    });
    expect(report.files[0]).toMatchObject({ framework: 'prisma', transaction: 'none' });
    expect(report.files[0]!.findings.filter((f) => f.severity === 'error')).toEqual([]);
  });

  it('a configured transaction mode wins', async () => {
    const none = configSchema.parse({ engines: ['builtin'], transaction: 'none' });
    const report = await analyze({ files: [{ path: path('000005_x.up.sql'), content: 'TRUNCATE scopes;\nALTER TABLE scopes ADD COLUMN r integer NOT NULL;\n' }], config: none, parallel: false });
    expect(report.files[0]!.statements.map((s) => s.inTransaction)).toEqual([false, false]);
    expect(report.files[0]!.findings.filter((f) => f.severity === 'error').map((f) => `${f.line} ${f.rule}`)).toEqual(['2 adding-required-field']);
  });
});

describe('schema dumps', () => {
  it('structure.sql is loaded into an empty database: one info finding, no migration findings', async () => {
    const sql =
      'DROP INDEX IF EXISTS public.index_users_on_email;\nDROP TABLE IF EXISTS public.users;\nDROP SCHEMA IF EXISTS extra;\n' +
      'CREATE TABLE public.users (id bigint PRIMARY KEY, seen timestamp);\nCREATE INDEX users_seen_idx ON public.users (seen);\n';
    const report = await analyze({ files: [{ path: 'db/structure.sql', content: sql }], config, parallel: false });
    // the --clean prelude is not flagged; the schema's design still is
    expect(report.files[0]!.findings.map((f) => `${f.line} ${f.severity} ${f.rule}`)).toEqual([
      '1 info schema-dump',
      '4 warning prefer-timestamptz',
    ]);
    expect(report.files[0]!.statements).toHaveLength(5);
    const migration = await analyze({ files: [{ path: 'sql/001_clean.sql', content: sql }], config, parallel: false });
    expect(migration.files[0]!.findings.map((f) => `${f.line} ${f.rule}`)).toEqual(expect.arrayContaining(['2 ban-drop-table', '3 ban-drop-schema']));
  });
});

describe('transaction shape after a statement that does not parse', () => {
  it('no uncommitted-transaction finding when a syntax error may hide the COMMIT', async () => {
    const bad = 'BEGIN;\nCREATE EXTENSION cube WITH SCHEMA musicbrainz FROM unpackaged;\nDROP TABLE t;\nCOMMIT;\n';
    const report = await analyze({ files: [{ path: 'updates/20130702-x.sql', content: bad }], config, parallel: false });
    expect(report.files[0]!.findings.map((f) => `${f.line} ${f.rule}`)).not.toContain('1 ban-uncommitted-transaction');
    const open = await analyze({ files: [{ path: 'updates/20130702-y.sql', content: 'BEGIN;\nDROP TABLE t;\n' }], config, parallel: false });
    expect(open.files[0]!.findings.map((f) => `${f.line} ${f.rule}`)).toContain('1 ban-uncommitted-transaction');
  });
});
