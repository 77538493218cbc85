// The engine: severity resolution from config, version gating, ignore directives,
// large-table escalation, down migrations and the context given to rules.
import { beforeAll, describe, expect, it } from 'vitest';
import { configSchema, type DbarchConfigInput } from '../../src/config/schema.js';
import { lintFacts, lintSql } from '../../src/rules/engine.js';
import type { Rule } from '../../src/rules/types.js';
import { buildFacts } from '../../src/pg/index.js';
import { initParser, parseSql } from '../../src/sql/index.js';
import type { Finding } from '../../src/types.js';

beforeAll(async () => {
  await initParser();
});

const lint = (sql: string, config: DbarchConfigInput = {}, extra: Parameters<typeof lintSql>[1] = {}) =>
  lintSql(sql, { config: configSchema.parse(config), ...extra });
const of = (findings: Finding[], rule: string) => findings.filter((f) => f.rule === rule);

const INDEX = 'CREATE INDEX users_email_idx ON users (email);';

describe('severity from config', () => {
  it('uses the rule default', () => {
    const [f] = of(lint(INDEX), 'require-concurrent-index-creation');
    expect(f).toMatchObject({ severity: 'error', category: 'locking', line: 1, column: 1, endLine: 1, endColumn: 46 });
  });

  it('takes a per-rule severity, as a string or an object', () => {
    expect(of(lint(INDEX, { rules: { 'require-concurrent-index-creation': 'info' } }), 'require-concurrent-index-creation')[0]!.severity).toBe('info');
    const obj = lint(INDEX, { rules: { 'require-concurrent-index-creation': { severity: 'warning' } } });
    expect(of(obj, 'require-concurrent-index-creation')[0]!.severity).toBe('warning');
  });

  it('turns a rule off', () => {
    expect(of(lint(INDEX, { rules: { 'require-concurrent-index-creation': 'off' } }), 'require-concurrent-index-creation')).toEqual([]);
  });

  it('applies a category severity, and a per-rule setting wins over it', () => {
    const sql = 'CREATE TABLE events (id bigint PRIMARY KEY, at timestamp);';
    expect(of(lint(sql, { categories: { 'data-modeling': 'error' } }), 'prefer-timestamptz')[0]!.severity).toBe('error');
    const both = lint(sql, { categories: { 'data-modeling': 'error' }, rules: { 'prefer-timestamptz': 'info' } });
    expect(of(both, 'prefer-timestamptz')[0]!.severity).toBe('info');
  });

  it('switches whole categories off ("locking only")', () => {
    const sql = `${INDEX}\nCREATE TABLE events (id bigint PRIMARY KEY, at timestamp);\nGRANT SELECT ON events TO PUBLIC;`;
    const all = lint(sql);
    expect(new Set(all.map((f) => f.category))).toEqual(new Set(['locking', 'data-modeling', 'security']));
    const lockingOnly = lint(sql, {
      categories: { rewrite: 'off', 'backward-compatibility': 'off', integrity: 'off', 'data-modeling': 'off', security: 'off', style: 'off' },
    });
    expect(lockingOnly.length).toBeGreaterThan(0);
    expect(lockingOnly.every((f) => f.category === 'locking')).toBe(true);
  });

  it('lets a configured severity win over the severity a rule picks per finding', () => {
    const sql = 'ALTER TABLE users ADD COLUMN a text;\nCREATE INDEX orders_user_idx ON orders (user_id);';
    expect(of(lint(sql), 'hold-access-exclusive-lock')[0]!.severity).toBe('error');
    expect(of(lint(sql, { rules: { 'hold-access-exclusive-lock': 'warning' } }), 'hold-access-exclusive-lock')[0]!.severity).toBe('warning');
  });

  it('keeps default-off rules off until enabled', () => {
    const sql = 'ALTER TABLE orders ADD COLUMN quantity integer;';
    expect(of(lint(sql), 'prefer-bigint-over-int')).toEqual([]);
    expect(of(lint(sql, { rules: { 'prefer-bigint-over-int': 'warning' } }), 'prefer-bigint-over-int')).toHaveLength(1);
  });
});

describe('PostgreSQL version', () => {
  it('gates rules by pgVersions', () => {
    const sql = 'REINDEX INDEX users_email_idx;';
    expect(of(lint(sql, { pgVersion: 11 }), 'require-concurrent-reindex')).toEqual([]);
    expect(of(lint(sql, { pgVersion: 12 }), 'require-concurrent-reindex')).toHaveLength(1);
    // the explicit option overrides config (a migration set's own version)
    expect(of(lint(sql, { pgVersion: 12 }, { pgVersion: 11 }), 'require-concurrent-reindex')).toEqual([]);
  });

  it('judges constant defaults by version', () => {
    const sql = "ALTER TABLE users ADD COLUMN plan text DEFAULT 'free';";
    expect(of(lint(sql, { pgVersion: 15 }), 'adding-field-with-default')).toEqual([]);
    const old = of(lint(sql, { pgVersion: 10 }), 'adding-field-with-default');
    expect(old).toHaveLength(1);
    expect(old[0]!.message).toBe('Before PostgreSQL 11, adding column plan with a default rewrites the whole of public.users under an ACCESS EXCLUSIVE lock.');
  });
});

describe('ignore directives', () => {
  it('honours dbarch-ignore on the line before a statement', () => {
    const sql = `-- dbarch-ignore require-concurrent-index-creation\n${INDEX}\nCREATE INDEX users_name_idx ON users (name);`;
    expect(of(lint(sql), 'require-concurrent-index-creation').map((f) => f.line)).toEqual([3]);
  });

  it('honours squawk ids, mapped to the dbarch rule', () => {
    const sql = '-- squawk-ignore prefer-timestamp-tz\nCREATE TABLE events (id bigint PRIMARY KEY, at timestamp);';
    expect(of(lint(sql), 'prefer-timestamptz')).toEqual([]);
    const fileWide = `-- squawk-ignore-file require-concurrent-index-creation\n${INDEX}`;
    expect(of(lint(fileWide), 'require-concurrent-index-creation')).toEqual([]);
  });

  it('honours dbarch-ignore-file for all rules', () => {
    const sql = `-- dbarch-ignore-file\n${INDEX}\nALTER TABLE users DROP COLUMN legacy;`;
    expect(lint(sql).filter((f) => f.engine === 'builtin' && f.rule !== 'syntax-error')).toEqual([]);
  });

  it('leaves other rules active', () => {
    const sql = `-- dbarch-ignore require-timeout-settings\n${INDEX}`;
    expect(of(lint(sql), 'require-timeout-settings')).toEqual([]);
    expect(of(lint(sql), 'require-concurrent-index-creation')).toHaveLength(1);
  });
});

describe('largeTables', () => {
  const sql = 'DROP INDEX users_email_idx;\nREFRESH MATERIALIZED VIEW public.users_summary;';
  it('escalates warnings on configured tables (bare or qualified names)', () => {
    const plain = lint(sql);
    expect(of(plain, 'require-concurrent-refresh')[0]!.severity).toBe('warning');
    const bare = lint(sql, { largeTables: ['users_summary'] });
    expect(of(bare, 'require-concurrent-refresh')[0]!.severity).toBe('error');
    const qualified = lint(sql, { largeTables: ['public.users_summary'] });
    expect(of(qualified, 'require-concurrent-refresh')[0]!.severity).toBe('error');
    const other = lint(sql, { largeTables: ['app.users_summary'] });
    expect(of(other, 'require-concurrent-refresh')[0]!.severity).toBe('warning');
  });

  it('does not escalate rules that do not ask for it', () => {
    const f = lint('ALTER TABLE users DROP COLUMN legacy;', { largeTables: ['users'] });
    expect(of(f, 'ban-drop-column')[0]!.severity).toBe('warning');
  });
});

describe('down migrations', () => {
  it('downgrade backward-compatibility findings to info', () => {
    const sql = 'ALTER TABLE users DROP COLUMN nickname;';
    expect(of(lint(sql), 'ban-drop-column')[0]!.severity).toBe('warning');
    expect(of(lint(sql, {}, { direction: 'down' }), 'ban-drop-column')[0]!.severity).toBe('info');
    // other categories keep their severity
    expect(of(lint(INDEX, {}, { direction: 'down' }), 'require-concurrent-index-creation')[0]!.severity).toBe('error');
  });
});

describe('findings', () => {
  it('fill message placeholders, relation, lock mode, help and statement index', () => {
    const sql = "SET lock_timeout = '5s';\nALTER TABLE orders ADD CONSTRAINT orders_total_check CHECK (total >= 0);";
    const [f] = of(lint(sql), 'constraint-missing-not-valid');
    expect(f).toMatchObject({
      rule: 'constraint-missing-not-valid',
      severity: 'error',
      line: 2,
      column: 1,
      endLine: 2,
      endColumn: 72,
      message: 'Adding CHECK constraint orders_total_check to public.orders scans the whole table while holding an ACCESS EXCLUSIVE lock.',
      relation: 'public.orders',
      lockMode: 'ACCESS EXCLUSIVE',
      engine: 'builtin',
      statementIndex: 1,
    });
    expect(f!.help).toContain('NOT VALID');
    expect(f!.fix!.replaces).toMatchObject({ line: 2, column: 1, offset: 25, endOffset: 96 });
    expect(f!.fix!.sql).toBe(
      'ALTER TABLE orders ADD CONSTRAINT orders_total_check CHECK (total >= 0) NOT VALID;\n' +
        '-- In a separate migration:\nALTER TABLE orders VALIDATE CONSTRAINT orders_total_check;',
    );
  });

  it('include the parser notices and keep linting after a syntax error', () => {
    const f = lint(`ALTER TABLE users ADD COLUMN;\n${INDEX}`);
    expect(f.some((x) => x.rule === 'syntax-error' && x.line === 1)).toBe(true);
    expect(of(f, 'require-concurrent-index-creation').map((x) => x.line)).toEqual([2]);
  });

  it('turn a crashing rule into an info finding instead of failing the file', () => {
    const broken: Rule = {
      meta: { id: 'broken', description: 'x', category: 'style', defaultSeverity: 'warning', hazard: 'x', messages: {}, examples: [] },
      check: () => {
        throw new Error('boom');
      },
    };
    const parsed = parseSql(INDEX, { path: 'a.sql' });
    const facts = buildFacts(parsed, { transaction: 'transaction', pgVersion: 15 });
    const f = lintFacts(facts, { path: 'a.sql', config: configSchema.parse({}), direction: 'up', directives: parsed.directives, rules: [broken] });
    expect(f).toEqual([expect.objectContaining({ rule: 'internal-error', severity: 'info', line: 1, message: 'Rule broken failed on this statement: boom' })]);
  });
});

describe('rule context', () => {
  it('treats tables created earlier in the file as safe for locking and rewrite rules', () => {
    const sql = [
      'CREATE TABLE things (id bigint PRIMARY KEY, name text, owner_id bigint);',
      'CREATE INDEX things_name_idx ON things (name);',
      'ALTER TABLE things ADD CONSTRAINT things_name_check CHECK (name <> \'\');',
      'ALTER TABLE things ALTER COLUMN name SET NOT NULL;',
      'ALTER TABLE things ADD COLUMN token uuid DEFAULT gen_random_uuid();',
      'ALTER TABLE things ALTER COLUMN id TYPE text;',
    ].join('\n');
    const f = lint(sql).filter((x) => x.category === 'locking' || x.category === 'rewrite');
    expect(f).toEqual([]);
  });

  it('resolves names through SET search_path', () => {
    const f = lint(`SET search_path = app, public;\n${INDEX}`);
    expect(of(f, 'require-concurrent-index-creation')[0]!.relation).toBe('app.users');
  });

  it('tracks lock_timeout: set, disabled with 0, reset', () => {
    const alter = 'ALTER TABLE users ADD COLUMN nickname text;';
    expect(of(lint(alter), 'require-timeout-settings')).toHaveLength(1);
    expect(of(lint(`SET lock_timeout = '2s';\n${alter}`), 'require-timeout-settings')).toEqual([]);
    expect(of(lint(`SET LOCAL lock_timeout TO 2000;\n${alter}`), 'require-timeout-settings')).toEqual([]);
    expect(of(lint(`SELECT set_config('lock_timeout', '3s', false);\n${alter}`), 'require-timeout-settings')).toEqual([]);
    expect(of(lint(`SET lock_timeout = 0;\n${alter}`), 'require-timeout-settings')).toHaveLength(1);
    expect(of(lint(`SET lock_timeout = '2s';\nRESET lock_timeout;\n${alter}`), 'require-timeout-settings').map((x) => x.line)).toEqual([3]);
  });
});
