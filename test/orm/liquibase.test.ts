// Liquibase changelogs (XML, YAML, JSON): discovered in changelog order, translated to the SQL
// Liquibase's PostgreSQL generators send, each finding at the change's line with a fix written
// as a Liquibase change.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { analyze } from '../../src/analyze.js';
import { configSchema } from '../../src/config/schema.js';
import { discover } from '../../src/migrations/index.js';
import { loadChangelogReaders, parseChangelog } from '../../src/migrations/changelog.js';
import { ModelState } from '../../src/orm/model.js';
import { evaluate, pgType, runsOnPostgres, translateChangelog } from '../../src/orm/liquibase.js';
import type { FileReport } from '../../src/types.js';

const root = join(import.meta.dirname, '../../fixtures/projects/liquibase');
const DIR = 'db/changelog';
const PATHS = [
  `${DIR}/changes/later/006-sqlfile.xml`,
  `${DIR}/changes/003-hazards.yaml`,
  `${DIR}/db.changelog-master.xml`,
  `${DIR}/changes/002-hazards.xml`,
  `${DIR}/changes/001-create-users.xml`,
  `${DIR}/changes/004-hazards.json`,
  `${DIR}/changes/later/005-safe.yaml`,
  `${DIR}/changes/sql/backfill.sql`,
  `${DIR}/changes/later/007-formatted.sql`,
];
const config = configSchema.parse({ engines: ['builtin'] });

const readFile = (p: string) => {
  try {
    return readFileSync(join(root, p), 'utf8');
  } catch {
    return undefined;
  }
};

async function lint(cfg = config): Promise<Map<string, FileReport[]>> {
  const found = discover({ paths: PATHS, config: cfg, readFile });
  const files = found.migrations.map((m) => ({ path: m.path, content: readFile(m.path)! }));
  const report = await analyze({ files, config: cfg, readFile });
  const out = new Map<string, FileReport[]>();
  for (const f of report.files) out.set(f.path, [...(out.get(f.path) ?? []), f]);
  return out;
}

// The fixture project is linted once; each test reads its files' reports.
let linted: Map<string, FileReport[]>;
beforeAll(async () => {
  await loadChangelogReaders();
  linted = await lint();
});

function up(name: string, direction: 'up' | 'down' = 'up', files = linted): FileReport {
  return files.get(`${DIR}/changes/${name}`)!.find((f) => f.direction === direction)!;
}

function statements(name: string, direction: 'up' | 'down' = 'up', files = linted): [number, string][] {
  return up(name, direction, files).statements.map((s) => [s.line, s.kind]);
}

function hazards(file: FileReport) {
  return file.findings
    .filter((f) => f.severity !== 'info' && f.rule !== 'require-timeout-settings')
    .map((f) => ({ line: f.line, rule: f.rule, dsl: f.fix?.dsl?.code, replacesLine: f.fix?.replaces?.line }));
}

describe('Liquibase discovery', () => {
  it('orders changelogs as the master includes them (includeAll alphabetically), one set, changesets own their transactions', () => {
    const found = discover({ paths: PATHS, config, readFile });
    expect(found.migrations.map((m) => [m.path.slice(DIR.length + 1), m.framework, m.set, m.transaction])).toEqual([
      ['db.changelog-master.xml', 'liquibase', DIR, 'none'],
      ['changes/001-create-users.xml', 'liquibase', DIR, 'none'],
      ['changes/002-hazards.xml', 'liquibase', DIR, 'none'],
      ['changes/003-hazards.yaml', 'liquibase', DIR, 'none'],
      ['changes/004-hazards.json', 'liquibase', DIR, 'none'],
      ['changes/later/005-safe.yaml', 'liquibase', DIR, 'none'],
      ['changes/later/006-sqlfile.xml', 'liquibase', DIR, 'none'],
      // A formatted SQL changelog is told by its first line; the sqlFile's plain SQL is not one.
      ['changes/later/007-formatted.sql', 'liquibase', DIR, 'none'],
    ]);
  });

  it('leaves YAML, JSON and XML files that are not changelogs alone', () => {
    const texts: Record<string, string> = { 'db/migrations/config.yaml': 'name: x\n', 'db/migrations/package.json': '{"name":"x"}', 'db/migrations/pom.xml': '<project/>' };
    const found = discover({ paths: Object.keys(texts), config, readFile: (p) => texts[p] });
    expect(found.migrations).toEqual([]);
    expect(found.ignored).toEqual([]);
  });
});

describe('Liquibase changelogs', () => {
  it('XML: each hazard at its change line, with the fix as a Liquibase change', () => {
    const file = up('002-hazards.xml');
    expect(statements('002-hazards.xml')).toEqual([
      [3, 'BEGIN'],
      [5, 'ALTER TABLE'],
      [8, 'CREATE INDEX'],
      [11, 'ALTER TABLE'],
      [12, 'UPDATE'],
      [12, 'ALTER TABLE'],
      [13, 'ALTER TABLE'],
      [17, 'COMMIT'],
      [18, 'BEGIN'],
      [20, 'CREATE INDEX CONCURRENTLY'],
      [22, 'COMMIT'],
      [24, 'CREATE INDEX CONCURRENTLY'],
    ]);
    expect(hazards(file)).toEqual([
      { line: 8, rule: 'require-concurrent-index-creation', dsl: '<sql splitStatements="false">CREATE INDEX CONCURRENTLY idx_users_email ON users(email)</sql>', replacesLine: 8 },
      {
        line: 11,
        rule: 'adding-foreign-key-constraint',
        dsl: '<addForeignKeyConstraint baseTableName="users" baseColumnNames="account_id" constraintName="fk_users_account" referencedTableName="accounts" referencedColumnNames="id" validate="false"/>',
        replacesLine: 11,
      },
      { line: 11, rule: 'require-index-for-foreign-key', dsl: undefined, replacesLine: undefined },
      { line: 12, rule: 'adding-not-nullable-field', dsl: '<sql splitStatements="false">ALTER TABLE users ADD CONSTRAINT users_status_not_null CHECK (status IS NOT NULL) NOT VALID</sql>', replacesLine: 12 },
      // Liquibase's addNotNullConstraint fills NULLs first (defaultNullValue), in one UPDATE.
      { line: 12, rule: 'unbatched-data-migration', dsl: undefined, replacesLine: undefined },
      { line: 13, rule: 'changing-column-type', dsl: undefined, replacesLine: undefined },
      // CONCURRENTLY in a changeset that runs in a transaction: the switch is on the changeset.
      { line: 20, rule: 'ban-concurrent-index-creation-in-transaction', dsl: 'runInTransaction="false"', replacesLine: undefined },
    ]);
    const index = file.findings.find((f) => f.rule === 'require-concurrent-index-creation')!;
    expect(index.fix!.sql).toContain('CREATE INDEX CONCURRENTLY');
    expect(index.fix!.description).toContain('runInTransaction="false"');
    const fk = file.findings.find((f) => f.rule === 'adding-foreign-key-constraint')!;
    expect(fk.fix!.description).toContain('ALTER TABLE users VALIDATE CONSTRAINT fk_users_account');
    const notes = file.findings.filter((f) => f.severity === 'info' && (f.rule === 'orm-not-analysed' || f.rule === 'orm-no-sql'));
    expect(notes.map((n) => [n.line, n.rule, n.message])).toEqual([
      [26, 'orm-no-sql', 'changeset 5::dev runs no SQL on PostgreSQL (dbms: mysql)'],
      [30, 'orm-not-analysed', 'not analysed: `customChange`: `customChange` is not a change dbarch translates'],
    ]);
  });

  it('XML: the rollback is reviewed as the down direction', () => {
    expect(statements('002-hazards.xml', 'down')).toEqual([[15, 'ALTER TABLE']]);
  });

  it('YAML: hazards at the change key, fixes written in YAML at its indentation', () => {
    const file = up('003-hazards.yaml');
    expect(statements('003-hazards.yaml')).toEqual([
      [2, 'BEGIN'],
      [6, 'CREATE INDEX'],
      [13, 'ALTER TABLE'],
      [19, 'DROP INDEX'],
      [21, 'COMMIT'],
      [29, 'CREATE INDEX CONCURRENTLY'],
      [30, 'CREATE INDEX CONCURRENTLY'],
    ]);
    expect(hazards(file)).toEqual([
      {
        line: 6,
        rule: 'require-concurrent-index-creation',
        dsl: 'sql:\n            sql: "CREATE UNIQUE INDEX CONCURRENTLY idx_accounts_name ON accounts(name)"\n            splitStatements: false',
        replacesLine: 6,
      },
      {
        line: 13,
        rule: 'adding-foreign-key-constraint',
        dsl: [
          'addForeignKeyConstraint:',
          '            validate: false',
          '            baseTableName: users',
          '            baseColumnNames: account_id',
          '            constraintName: fk_users_account_2',
          '            referencedTableName: accounts',
          '            referencedColumnNames: id',
        ].join('\n'),
        replacesLine: 13,
      },
      { line: 19, rule: 'require-concurrent-index-deletion', dsl: 'sql:\n            sql: "DROP INDEX CONCURRENTLY idx_users_email"\n            splitStatements: false', replacesLine: 19 },
    ]);
  });

  it('JSON: hazards at the change, fixes as JSON members', () => {
    const file = up('004-hazards.json');
    expect(statements('004-hazards.json')).toEqual([
      [4, 'BEGIN'],
      [8, 'CREATE INDEX'],
      [9, 'ALTER TABLE'],
      [10, 'ALTER TABLE RENAME COLUMN'],
      [12, 'COMMIT'],
    ]);
    expect(hazards(file)).toEqual([
      { line: 8, rule: 'require-concurrent-index-creation', dsl: '"sql": { "sql": "CREATE INDEX CONCURRENTLY idx_users_lower_email ON users(lower(email))", "splitStatements": false }', replacesLine: 8 },
      { line: 9, rule: 'adding-not-nullable-field', dsl: '"sql": { "sql": "ALTER TABLE users ADD CONSTRAINT users_email_not_null CHECK (email IS NOT NULL) NOT VALID", "splitStatements": false }', replacesLine: 9 },
      { line: 10, rule: 'renaming-column', dsl: undefined, replacesLine: undefined },
    ]);
  });

  it('sqlFile: the file is read relative to the changelog and reviewed at the sqlFile line', () => {
    const file = up('later/006-sqlfile.xml');
    expect(statements('later/006-sqlfile.xml')).toEqual([
      [3, 'BEGIN'],
      [4, 'UPDATE'],
      [5, 'COMMIT'],
    ]);
    expect(hazards(file)).toEqual([{ line: 4, rule: 'unbatched-data-migration', dsl: undefined, replacesLine: undefined }]);
  });

  it('new tables created in the PR are not flagged; changelog properties are expanded', () => {
    const file = up('001-create-users.xml');
    expect(statements('001-create-users.xml')).toEqual([
      [3, 'BEGIN'],
      [4, 'CREATE TABLE'],
      [15, 'CREATE TABLE'],
      [21, 'COMMIT'],
    ]);
    expect(file.findings.filter((f) => f.severity === 'error')).toEqual([]);
  });
});

describe('Liquibase formatted SQL changelogs', () => {
  const name = 'later/007-formatted.sql';

  it('each statement at its own lines, each changeset in its own transaction unless runInTransaction:false', () => {
    expect(statements(name)).toEqual([
      [3, 'BEGIN'],
      [5, 'CREATE INDEX'],
      [7, 'COMMIT'],
      // runInTransaction:false: no BEGIN/COMMIT; preconditions and comments are not SQL.
      [12, 'CREATE INDEX CONCURRENTLY'],
      [14, 'BEGIN'],
      [15, 'CREATE INDEX CONCURRENTLY'],
      [15, 'COMMIT'],
      // Every changeset is reviewed by default, whatever its context.
      [17, 'BEGIN'],
      [18, 'UPDATE'],
      [18, 'COMMIT'],
      // endDelimiter:GO: the GO lines end chunks and are not SQL; the function body keeps its `;`.
      [20, 'BEGIN'],
      [21, 'CREATE FUNCTION'],
      [28, 'ALTER TABLE'],
      [32, 'COMMIT'],
    ]);
    const index = up(name).findings.find((f) => f.rule === 'require-concurrent-index-creation')!;
    expect([index.line, index.endLine]).toEqual([5, 6]);
  });

  it('hazards at the statement, fixes in SQL replacing its lines; the transaction switch goes on the --changeset line', () => {
    expect(hazards(up(name))).toEqual([
      { line: 5, rule: 'require-concurrent-index-creation', dsl: 'CREATE INDEX CONCURRENTLY idx_users_nickname ON users (nickname);', replacesLine: 5 },
      { line: 15, rule: 'ban-concurrent-index-creation-in-transaction', dsl: 'runInTransaction:false', replacesLine: undefined },
      { line: 18, rule: 'unbatched-data-migration', dsl: expect.stringContaining('UPDATE users SET nickname'), replacesLine: 18 },
      { line: 28, rule: 'changing-column-type', dsl: undefined, replacesLine: undefined },
    ]);
    const findings = up(name).findings;
    const index = findings.find((f) => f.rule === 'require-concurrent-index-creation')!;
    expect(index.fix!.replaces).toMatchObject({ line: 5, endLine: 6 });
    expect(index.fix!.description).toContain('runInTransaction:false');
    expect(findings.find((f) => f.rule === 'ban-concurrent-index-creation-in-transaction')!.fix!.description).toContain('`--changeset` line (line 14)');
  });

  it('--rollback lines and /* liquibase rollback */ blocks are the down direction, at their lines', () => {
    expect(statements(name, 'down')).toEqual([
      [7, 'DROP INDEX'],
      [31, 'DROP FUNCTION'],
    ]);
  });

  it('contexts and the label filter from the config: a changeset that would not run is reported, not reviewed', async () => {
    const files = await lint(configSchema.parse({ engines: ['builtin'], liquibase: { contexts: 'prod', labels: '!v2' } }));
    expect(statements(name, 'up', files)).toEqual([
      [12, 'CREATE INDEX CONCURRENTLY'],
      [14, 'BEGIN'],
      [15, 'CREATE INDEX CONCURRENTLY'],
      [15, 'COMMIT'],
      [20, 'BEGIN'],
      [21, 'CREATE FUNCTION'],
      [28, 'ALTER TABLE'],
      [32, 'COMMIT'],
    ]);
    expect(up(name, 'up', files).findings.filter((f) => f.rule === 'orm-no-sql').map((f) => [f.line, f.message])).toEqual([
      [3, 'changeset 20::dev does not run with the configured label filter `!v2` (labels: v2): not reviewed'],
      [17, 'changeset 23::dev does not run with the configured contexts `prod` (context: test): not reviewed'],
    ]);
    // The skipped changeset's rollback is not reviewed either.
    expect(statements(name, 'down', files)).toEqual([[31, 'DROP FUNCTION']]);
  });

  it('reports what Liquibase would refuse, and skips what it skips', () => {
    const sql = [
      '--liquibase formatted sql',
      'CREATE TABLE early (id int);',
      '--changeset nobody',
      'SELECT 1;',
      '--changeset "Jane Doe":7 ignore:true',
      'DROP TABLE t;',
      '--changeset a:8 dbms:mysql',
      'DROP TABLE t;',
      '--changeset a:9',
      '--rollback not required',
      '--changeset a:10',
      '--ignoreLines:start',
      'DROP TABLE t;',
      '--ignoreLines:end',
      'ALTER TABLE t ADD COLUMN c int; -- trailing',
      '--rollback ALTER TABLE t DROP COLUMN c;',
    ].join('\n');
    const t = translateChangelog(sql, new ModelState(), { path: 'db/changes.sql' });
    expect(t.statements.map((s) => [s.span.line, s.direction, s.sql])).toEqual([
      [11, 'up', 'BEGIN'],
      [15, 'up', 'ALTER TABLE t ADD COLUMN c int'],
      [16, 'up', 'COMMIT'],
      [16, 'down', 'ALTER TABLE t DROP COLUMN c'],
    ]);
    expect(t.notices.map((n) => [n.span.line, n.rule ?? 'orm-not-analysed', n.message])).toEqual([
      [2, 'orm-not-analysed', 'not analysed: SQL before the first `--changeset` belongs to no changeset (Liquibase refuses the changelog or runs none of it)'],
      [3, 'orm-not-analysed', 'not analysed: a `--changeset` line needs `author:id` (Liquibase refuses the changelog)'],
      [5, 'orm-no-sql', 'changeset 7::Jane Doe is skipped by Liquibase (ignore: true)'],
      [7, 'orm-no-sql', 'changeset 8::a runs no SQL on PostgreSQL (dbms: mysql)'],
      [9, 'orm-not-analysed', 'not analysed: changeset 9::a has no SQL (Liquibase refuses it)'],
    ]);
  });

  it('expands --property values, honours endDelimiter:/ and CRLF line ends, and keeps each statement at its lines', () => {
    const sql = [
      '--liquibase formatted sql',
      '--property name:tbl value:accounts',
      '--changeset a:1 endDelimiter:/ rollbackEndDelimiter:/',
      'CREATE INDEX idx_a ON ${tbl} (name)',
      '/',
      'ALTER TABLE ${tbl}',
      '  ADD COLUMN note text',
      '/',
      '--rollback DROP INDEX idx_a',
      '--rollback /',
      '--rollback ALTER TABLE ${tbl} DROP COLUMN note',
    ].join('\r\n');
    const t = translateChangelog(sql, new ModelState(), { path: 'db/changes.sql' });
    expect(t.notices).toEqual([]);
    expect(t.statements.map((s) => [s.span.line, s.span.endLine, s.direction, s.sql])).toEqual([
      [3, 11, 'up', 'BEGIN'],
      [4, 4, 'up', 'CREATE INDEX idx_a ON accounts (name)'],
      [6, 7, 'up', 'ALTER TABLE accounts ADD COLUMN note text'],
      [11, 11, 'up', 'COMMIT'],
      [9, 9, 'down', 'DROP INDEX idx_a'],
      [11, 11, 'down', 'ALTER TABLE accounts DROP COLUMN note'],
    ]);
  });

  it('evaluates context and label expressions as Liquibase does', () => {
    const active = (...names: string[]) => (n: string) => names.includes(n);
    expect(evaluate('test, dev', active('dev'))).toBe(true);
    expect(evaluate('test or dev', active('prod'))).toBe(false);
    expect(evaluate('!test', active('prod'))).toBe(true);
    expect(evaluate('not test', active('test'))).toBe(false);
    expect(evaluate('prod and (eu or us)', active('prod', 'us'))).toBe(true);
    expect(evaluate('prod and !(eu or us)', active('prod', 'us'))).toBe(false);
    expect(evaluate('PROD', active('prod'))).toBe(true);
  });
});

describe('Liquibase translation', () => {
  const translate = (path: string, source: string, state = new ModelState()) => translateChangelog(source, state, { path });

  it('writes the SQL Liquibase generates for PostgreSQL', () => {
    const xml = `<databaseChangeLog>
  <changeSet id="1" author="a" runInTransaction="false">
    <createTable tableName="orders" schemaName="shop">
      <column name="id" type="BIGINT" autoIncrement="true"><constraints primaryKey="true" primaryKeyName="orders_pk"/></column>
      <column name="user_id" type="bigint"><constraints nullable="false" foreignKeyName="fk_orders_user" references="users(id)" deleteCascade="true"/></column>
      <column name="code" type="varchar(20)" defaultValue="n/a"><constraints unique="true"/></column>
      <column name="paid" type="boolean" defaultValueBoolean="false"/>
      <column name="total" type="currency" defaultValueNumeric="0"/>
      <column name="order" type="clob"/>
    </createTable>
    <addUniqueConstraint tableName="orders" columnNames="user_id, code" constraintName="orders_user_code"/>
    <addPrimaryKey tableName="items" columnNames="id" constraintName="items_pkey"/>
    <addDefaultValue tableName="orders" columnName="paid" defaultValueBoolean="true"/>
    <dropNotNullConstraint tableName="orders" columnName="user_id"/>
    <dropForeignKeyConstraint baseTableName="orders" constraintName="fk_orders_user"/>
    <renameTable oldTableName="orders" newTableName="purchases"/>
    <createSequence sequenceName="seq_invoice" startValue="100" incrementBy="10"/>
    <dropTable tableName="legacy" cascadeConstraints="true"/>
    <addNotNullConstraint tableName="purchases" columnName="total" defaultNullValue="0"/>
    <modifyDataType tableName="purchases" columnName="code" newDataType="varchar(40)"/>
  </changeSet>
</databaseChangeLog>`;
    const t = translate('db/changelog.xml', xml);
    expect(t.notices).toEqual([]);
    expect(t.statements.map((s) => [s.span.line, s.sql])).toEqual([
      [3, 'CREATE TABLE shop.orders (id BIGINT GENERATED BY DEFAULT AS IDENTITY NOT NULL, user_id BIGINT NOT NULL, code VARCHAR(20) DEFAULT \'n/a\' UNIQUE, paid BOOLEAN DEFAULT FALSE, total DECIMAL DEFAULT 0, "order" TEXT, CONSTRAINT orders_pk PRIMARY KEY (id), CONSTRAINT fk_orders_user FOREIGN KEY (user_id) REFERENCES users(id) ON DELETE CASCADE)'],
      [11, 'ALTER TABLE orders ADD CONSTRAINT orders_user_code UNIQUE (user_id, code)'],
      [12, 'ALTER TABLE items ADD CONSTRAINT items_pkey PRIMARY KEY (id)'],
      [13, 'ALTER TABLE orders ALTER COLUMN paid SET DEFAULT TRUE'],
      [14, 'ALTER TABLE orders ALTER COLUMN user_id DROP NOT NULL'],
      [15, 'ALTER TABLE orders DROP CONSTRAINT fk_orders_user'],
      [16, 'ALTER TABLE orders RENAME TO purchases'],
      [17, 'CREATE SEQUENCE seq_invoice START WITH 100 INCREMENT BY 10'],
      [18, 'DROP TABLE legacy CASCADE'],
      [19, 'UPDATE purchases SET total = 0 WHERE total IS NULL'],
      [19, 'ALTER TABLE purchases ALTER COLUMN total SET NOT NULL'],
      [20, 'ALTER TABLE purchases ALTER COLUMN code TYPE VARCHAR(40) USING (code::VARCHAR(40))'],
    ]);
  });

  it('keeps the model state across changelogs: renames and types follow', () => {
    const state = new ModelState();
    translateChangelog('databaseChangeLog:\n  - changeSet:\n      id: 1\n      author: a\n      changes:\n        - createTable:\n            tableName: t\n            columns:\n              - column: { name: a, type: int }\n', state, { path: 'a.yaml' });
    translateChangelog('{"databaseChangeLog":[{"changeSet":{"id":"2","author":"a","changes":[{"renameColumn":{"tableName":"t","oldColumnName":"a","newColumnName":"b"}}]}}]}', state, { path: 'b.json' });
    expect(state.columnType('t', 'b')).toBe('INTEGER');
  });

  it('reports what it cannot read or translate, at its line', () => {
    const bad = translate('db/broken.xml', '<databaseChangeLog>\n  <changeSet id="1" author="a">\n    <createTable tableName="t">\n</databaseChangeLog>\n');
    expect(bad.notices.map((n) => [n.span.line, n.message.split(':')[0]])).toEqual([[4, 'not analysed']]);
    expect(bad.notices[0]!.message).toContain('XML changelog could not be read');
    const yaml = translate('db/broken.yaml', 'databaseChangeLog:\n  - changeSet: {id: 1\n');
    expect(yaml.notices[0]!.message).toMatch(/^not analysed: the YAML changelog could not be read/);
    const missing = translate('db/c.yaml', 'databaseChangeLog:\n  - changeSet:\n      id: 1\n      author: a\n      changes:\n        - addColumn:\n            columns:\n              - column: { name: a, type: int }\n        - sqlFile:\n            path: missing.sql\n');
    expect(missing.notices.map((n) => [n.span.line, n.message])).toEqual([
      [6, 'not analysed: `addColumn`: tableName missing'],
      [9, 'not analysed: `sqlFile`: missing.sql is not among the files given, so its SQL was not reviewed'],
    ]);
  });

  it('maps Liquibase types and dbms lists as its PostgreSQL database does', () => {
    expect(['int', 'bigint', 'datetime', 'timestamp(3)', 'clob', 'blob', 'varchar(10)', 'uuid', 'double', 'boolean', 'my_enum'].map(pgType)).toEqual([
      'INTEGER', 'BIGINT', 'TIMESTAMP WITHOUT TIME ZONE', 'TIMESTAMP(3) WITHOUT TIME ZONE', 'TEXT', 'BYTEA', 'VARCHAR(10)', 'UUID', 'DOUBLE PRECISION', 'BOOLEAN', 'my_enum',
    ]);
    expect([undefined, 'postgresql', 'mysql, oracle', '!postgresql', '!mysql', 'all', 'none'].map(runsOnPostgres)).toEqual([true, true, false, false, true, true, false]);
  });

  it('reads the three formats into the same elements', () => {
    const xml = parseChangelog('<databaseChangeLog><changeSet id="1" author="a"><addColumn tableName="t"><column name="c" type="int"/></addColumn></changeSet></databaseChangeLog>', 'xml');
    const yaml = parseChangelog('databaseChangeLog:\n  - changeSet:\n      id: 1\n      author: a\n      changes:\n        - addColumn:\n            tableName: t\n            columns:\n              - column:\n                  name: c\n                  type: int\n', 'yaml');
    const json = parseChangelog('{"databaseChangeLog":[{"changeSet":{"id":1,"author":"a","changes":[{"addColumn":{"tableName":"t","columns":[{"column":{"name":"c","type":"int"}}]}}]}}]}', 'json');
    const shape = (p: ReturnType<typeof parseChangelog>) => {
      if (!('root' in p)) throw new Error(p.error);
      const strip = (n: (typeof p.root)): unknown => ({ tag: n.tag, attrs: n.attrs, children: n.children.map(strip) });
      return strip(p.root);
    };
    expect(shape(yaml)).toEqual(shape(xml));
    expect(shape(json)).toEqual(shape(xml));
  });
});

describe('Liquibase in the App selection', () => {
  it('reads XML/YAML/JSON/SQL files of database folders to tell changelogs, and only those', async () => {
    const { needsContent } = await import('../../src/app/select.js');
    expect(needsContent(['db/changes/v1.yaml', 'config/app.yaml', 'package.json', 'db/changelog/master.xml'], config)).toEqual(['db/changes/v1.yaml']);
    // Formatted SQL outside a migrations folder is read; schema dumps and SQL elsewhere are not.
    expect(needsContent(['db/changelog/changes/001-init.sql', 'db/structure.sql', 'scripts/report.sql'], config)).toEqual(['db/changelog/changes/001-init.sql']);
  });
});
