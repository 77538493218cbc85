// Templated migrations (Go text/template, Jinja/dbt, Flyway/Liquibase, psql variables):
// placeholders never cause syntax errors, values come from `vars`, positions stay exact.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, test } from 'vitest';
import { initParser, parseSql } from '../../src/sql/index.js';
import { fromProperties, fromToml } from '../../src/migrations/flyway-conf.js';
import { main } from '../../src/cli/main.js';
import type { ParsedFile } from '../../src/types.js';

const root = join(import.meta.dirname, '../..');
const fixture = (p: string): string => readFileSync(join(root, p), 'utf8');

beforeAll(async () => {
  await initParser();
});

const kinds = (f: ParsedFile): string[] => f.statements.map((s) => (s.ast ? Object.keys(s.ast)[0]! : 'ERROR'));
const rules = (f: ParsedFile): string[] => f.notices.map((n) => n.rule);
const relation = (f: ParsedFile, i: number): unknown => {
  const ast = f.statements[i]!.ast as Record<string, { relation?: unknown }>;
  return Object.values(ast)[0]!.relation;
};

describe('fixtures for each template syntax parse without syntax errors', () => {
  test.each([
    ['fixtures/sql/templates/go-template.sql', ['CreateStmt', 'IndexStmt', 'AlterTableStmt'], [2, 6, 8], [1, 1, 50]],
    ['fixtures/sql/templates/dbt-jinja.sql', ['CreateTableAsStmt', 'IndexStmt'], [3, 10], [1, 1, 41]],
    ['fixtures/sql/templates/liquibase.sql', ['CreateStmt', 'AlterTableStmt', 'CreateSeqStmt', 'IndexStmt'], [3, 5, 6, 7], [3, 14, 27]],
    ['fixtures/sql/templates/psql-variables.sql', ['CreateStmt', 'AlterTableStmt', 'SelectStmt'], [4, 5, 6], [4, 14, 23]],
    ['fixtures/projects/templates-pop/migrations/00_initial_schema.up.sql', ['CreateSchemaStmt', 'CreateStmt', 'IndexStmt', 'CommentStmt'], [2, 3, 10, 11], [2, 29, 61]],
    ['fixtures/projects/templates-pop/migrations/20210710035447_alter_users.up.sql', ['AlterTableStmt', 'IndexStmt'], [3, 7], [3, 13, 45]],
    ['fixtures/projects/templates-flyway/db/migration/V1__create_invoices.sql', ['CreateSchemaStmt', 'CreateStmt', 'CommentStmt'], [1, 2, 7], [1, 29, 52]],
  ])('%s', (path, expectedKinds, lines, [line, column, endColumn]) => {
    const f = parseSql(fixture(path), { path });
    expect(kinds(f)).toEqual(expectedKinds);
    expect(f.statements.map((s) => s.span.line)).toEqual(lines);
    expect(rules(f).filter((r) => r !== 'skipped-meta-command')).toEqual(['template-substituted']);
    const info = f.notices.find((n) => n.rule === 'template-substituted')!;
    expect([info.severity, info.line, info.column, info.endColumn]).toEqual(['info', line, column, endColumn]);
  });
});

describe('Go templates (gobuffalo/pop, supabase/auth)', () => {
  const src = 'CREATE UNIQUE INDEX users_email_idx ON {{ index .Options "Namespace" }}.users (email);\nALTER TABLE t ADD COLUMN x int;';

  test('the value from vars is what the parser reads; the statement keeps its exact span', () => {
    const f = parseSql(src, { path: 'x.sql', vars: { Namespace: 'auth' } });
    expect(relation(f, 0)).toMatchObject({ schemaname: 'auth', relname: 'users' });
    expect(f.statements[0]!.text).toBe('CREATE UNIQUE INDEX users_email_idx ON {{ index .Options "Namespace" }}.users (email)');
    expect(f.statements[0]!.rendered).toBe(`CREATE UNIQUE INDEX users_email_idx ON auth${' '.repeat(28)}.users (email)`);
    expect(f.statements[1]!.span).toMatchObject({ line: 2, column: 1, endLine: 2, endColumn: 31, offset: 87 });
    expect(f.notices).toEqual([
      {
        rule: 'template-substituted',
        severity: 'info',
        engine: 'builtin',
        line: 1,
        column: 40,
        endLine: 1,
        endColumn: 72,
        message: '1 template placeholder replaced before parsing: {{ index .Options "Namespace" }} → auth (from vars).',
      },
    ]);
  });

  test('without a value the placeholder is read as its name', () => {
    const f = parseSql(src, { path: 'x.sql' });
    expect(relation(f, 0)).toMatchObject({ schemaname: 'namespace', relname: 'users' });
    expect(f.notices[0]!.message).toBe(
      '1 template placeholder replaced before parsing: {{ index .Options "Namespace" }} → Namespace (no value). Give values with `vars:` in the config or `--var name=value`.',
    );
  });

  test('control actions are removed, keywords get a suffix, glued words stay one identifier', () => {
    const f = parseSql('{{ if .X }}CREATE TABLE {{ .Table }} (id int);{{ end }}\nCREATE INDEX {{ .Table }}_id_idx ON t (id);', { path: 'x.sql' });
    expect(kinds(f)).toEqual(['CreateStmt', 'IndexStmt']);
    expect(relation(f, 0)).toMatchObject({ relname: 'table_' });
    expect((f.statements[1]!.ast as { IndexStmt: { idxname: string } }).IndexStmt.idxname).toBe('table_id_idx');
    expect(f.statements[0]!.span).toMatchObject({ line: 1, column: 12, endColumn: 46 });
    expect(f.statements[1]!.span).toMatchObject({ line: 2, column: 1, endColumn: 43 });
  });

  test('a value longer than the placeholder is not put in: the name stands in, and the finding says so', () => {
    const f = parseSql('ALTER TABLE {{.S}}.t ADD c int;', { path: 'x.sql', vars: { S: 'a_long_schema' } });
    expect(relation(f, 0)).toMatchObject({ schemaname: 's', relname: 't' });
    expect(f.notices[0]!.message).toContain('{{.S}} → S (value longer than the template, name kept)');
  });

  test('positions after templates stay exact: a real syntax error is reported where it is', () => {
    const f = parseSql('CREATE TABLE {{ .Name }} (a int);\nALTER TABLE {{ .Name }} ADD COLUMN;', { path: 'x.sql' });
    const err = f.notices.find((n) => n.rule === 'syntax-error')!;
    expect([err.line, err.column, err.message]).toEqual([2, 35, 'syntax error at or near ";"']);
  });
});

describe('Flyway and Liquibase placeholders', () => {
  test('inside a string literal the value is exact: the closing quote moves, spaces follow', () => {
    const f = parseSql("SET search_path = '${schema}, public';\nSELECT 1;", { path: 'x.sql', vars: { schema: 'app' } });
    const set = f.statements[0]!.ast as { VariableSetStmt: { args: { A_Const: { sval: { sval: string } } }[] } };
    expect(set.VariableSetStmt.args[0]!.A_Const.sval.sval).toBe('app, public');
    expect(f.statements[0]!.rendered).toBe("SET search_path = 'app, public'");
    expect(f.statements[1]!.span).toMatchObject({ line: 2, column: 1 });
  });

  test('${flyway:defaultSchema} defaults to public; a placeholder inside a word makes one identifier', () => {
    const f = parseSql('CREATE INDEX idx_${prefix}_a ON ${flyway:defaultSchema}.t (a);', { path: 'V1__x.sql' });
    expect(relation(f, 0)).toMatchObject({ schemaname: 'public', relname: 't' });
    expect((f.statements[0]!.ast as { IndexStmt: { idxname: string } }).IndexStmt.idxname).toBe('idx_prefix_a');
  });

  test('where the grammar wants a literal, the placeholder becomes a number or a string', () => {
    const f = parseSql('CREATE SEQUENCE s START ${start};\nCOMMENT ON TABLE t IS ${note};', { path: 'x.sql' });
    expect(kinds(f)).toEqual(['CreateSeqStmt', 'CommentStmt']);
    expect(f.statements.map((s) => s.rendered)).toEqual(['CREATE SEQUENCE s START 0', "COMMENT ON TABLE t IS 'note'"]);
    expect(f.notices[0]!.message).toBe(
      "2 template placeholders replaced before parsing: ${start} → 0 (no value); ${note} → 'note' (no value). Give values with `vars:` in the config or `--var name=value`.",
    );
  });

  test('flyway.conf: placeholders, and defaultSchema from the first of flyway.schemas', () => {
    expect(fromProperties('# c\nflyway.schemas=billing, public\nflyway.placeholders.owner = app\nflyway.url=jdbc:x')).toEqual({
      owner: 'app',
      'flyway:defaultSchema': 'billing',
    });
  });

  test('flyway.toml: [flyway.placeholders], placeholders.x under [flyway], environment schemas', () => {
    const toml = '[environments.dev]\nschemas = ["sales", "public"]\n\n[flyway]\nplaceholders.region = "eu"\n\n[flyway.placeholders]\nowner = "app" # comment\n';
    expect(fromToml(toml)).toEqual({ region: 'eu', owner: 'app', 'flyway:defaultSchema': 'sales' });
    expect(fromToml('[flyway]\ndefaultSchema = \'x\'\nschemas = ["y"]')).toEqual({ 'flyway:defaultSchema': 'x' });
  });
});

describe('Jinja / dbt', () => {
  test('blocks and comments are removed (apostrophes inside them included), expressions read as names', () => {
    const f = parseSql("{# don't #}{% set s = 'x' %}\nSELECT * FROM {{ ref('orders') }} WHERE a = {{ var(\"v\") }};", { path: 'x.sql' });
    expect(kinds(f)).toEqual(['SelectStmt']);
    expect(f.statements[0]!.span).toMatchObject({ line: 2, column: 1, endColumn: 59 });
    expect(f.statements[0]!.rendered).toBe('SELECT * FROM orders              WHERE a = v');
  });
});

describe('psql variables', () => {
  test(':name, :\'name\' and :"name" from psql -v are read as identifier, literal and quoted identifier', () => {
    const f = parseSql('ALTER TABLE :"schema".t OWNER TO :owner;\nSELECT :\'msg\';', { path: 'x.sql' });
    expect(kinds(f)).toEqual(['AlterTableStmt', 'SelectStmt']);
    expect(relation(f, 0)).toMatchObject({ schemaname: 'schema', relname: 't' });
    expect(f.statements[1]!.rendered).toBe("SELECT 'msg'");
  });

  test('values from \\set and from vars are put in when they fit; slices and casts are not variables', () => {
    const f = parseSql('\\set n 5\nSELECT a[1:n], b::int, :n FROM :tbl;', { path: 'x.sql', vars: { tbl: 'xy' } });
    expect(f.statements[0]!.rendered).toBe('SELECT a[1:n], b::int, 5  FROM xy');
    expect(f.statements[0]!.span).toMatchObject({ line: 2, column: 1, endColumn: 36 });
  });
});

describe('CLI and config', () => {
  const run = async (cwd: string, args: string[]): Promise<{ code: number; out: string; err: string }> => {
    let out = '';
    let err = '';
    const code = await main(['lint', '.', '--format', 'json', '--engines', 'builtin', ...args], {
      cwd: join(root, cwd),
      stdout: (s) => void (out += s),
      stderr: (s) => void (err += s),
    });
    return { code, out, err };
  };
  type Json = { files: { path: string; findings: { rule: string; severity: string; line: number; column: number; message: string }[] }[] };

  test('a pop project: vars from dbarch.yml reveal the blocking unique index on auth.users', async () => {
    const { code, out, err } = await run('fixtures/projects/templates-pop', []);
    expect(err).toBe('');
    expect(code).toBe(1);
    const report = JSON.parse(out) as Json;
    const findings = report.files.flatMap((f) => f.findings.map((x) => ({ path: f.path, ...x })));
    expect(findings.filter((f) => f.rule === 'syntax-error')).toEqual([]);
    const index = findings.find((f) => f.rule === 'require-concurrent-index-creation')!;
    expect([index.path, index.severity, index.line, index.column, index.message]).toEqual([
      'migrations/20210710035447_alter_users.up.sql',
      'error',
      7,
      1,
      'CREATE INDEX on auth.users without CONCURRENTLY blocks writes to the table while the index builds.',
    ]);
  });

  test('--var overrides the config', async () => {
    const { out } = await run('fixtures/projects/templates-pop', ['--var', 'Namespace=tenant']);
    expect(out).toContain('CREATE INDEX on tenant.users without CONCURRENTLY');
    expect(out).not.toContain('auth.users');
  });

  test('a Flyway project takes placeholder values and the default schema from flyway.conf', async () => {
    const report = JSON.parse((await run('fixtures/projects/templates-flyway', [])).out) as Json;
    const v2 = report.files.find((f) => f.path.endsWith('V2__index_invoices.sql'))!;
    expect(v2.findings.find((f) => f.rule === 'require-concurrent-index-creation')!.message).toContain('billing.invoices');
    const info = report.files[0]!.findings.find((f) => f.rule === 'template-substituted')!;
    expect(info.message).toBe(
      "5 template placeholders replaced before parsing: ${flyway:defaultSchema} → billing (from vars) (3×); ${tablespace} → pg_default (from vars); ${owner} → admin (from vars).",
    );
  });

  test('--var without "=" is a usage error', async () => {
    const { code, err } = await run('fixtures/projects/templates-pop', ['--var', 'Namespace']);
    expect(code).toBe(2);
    expect(err).toBe("dbarch: invalid --var 'Namespace': expected name=value\n");
  });
});
