// Shared fixtures for the agent tests: a migration, its analyzer report, a fake snippet linter
// (the tests pin the agent's behaviour, not the analyzer's) and nock helpers.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import nock from 'nock';
import { defaultConfig, type DbarchConfig } from '../../src/config/schema.js';
import type { RuleMeta } from '../../src/rules/types.js';
import type { Finding, LockMode, Report, StatementReport } from '../../src/types.js';
import { splitStatements, stripComments } from '../../src/agent/sql-text.js';
import type { SnippetLinter } from '../../src/agent/types.js';

const here = path.dirname(fileURLToPath(import.meta.url));
export const FIXTURES = path.resolve(here, '../../fixtures/anthropic');

export function fixture(name: string): Record<string, unknown> {
  return JSON.parse(readFileSync(path.join(FIXTURES, `${name}.json`), 'utf8')) as Record<string, unknown>;
}

export const MIGRATION_PATH = 'db/migrations/20261125_add_email_verified.sql';
export const MIGRATION_LINES = [
  'ALTER TABLE users ADD COLUMN email_verified boolean;',
  'UPDATE users SET email_verified = false;',
  'ALTER TABLE users ALTER COLUMN email_verified SET NOT NULL;',
  'CREATE INDEX users_email_verified_idx ON users (email_verified);',
];
export const MIGRATION = `${MIGRATION_LINES.join('\n')}\n`;

export const PATCH = `@@ -0,0 +1,4 @@\n${MIGRATION_LINES.map((l) => `+${l}`).join('\n')}`;

export const SCHEMA_SQL = `CREATE TABLE public.users (
    id bigint NOT NULL,
    email text NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL
);

CREATE TABLE public.orders (
    id bigint NOT NULL,
    user_id bigint NOT NULL
);

ALTER TABLE ONLY public.users
    ADD CONSTRAINT users_pkey PRIMARY KEY (id);

CREATE UNIQUE INDEX users_email_idx ON public.users USING btree (email);
CREATE INDEX orders_user_id_idx ON public.orders USING btree (user_id);
`;

function stmt(line: number, text: string, kind: string, mode: LockMode | undefined, extra: Partial<StatementReport> = {}): StatementReport {
  return {
    line,
    column: 1,
    endLine: line,
    endColumn: text.length, // text includes the `;`, which the span excludes
    kind,
    locks: mode ? [{ relation: 'public.users', mode }] : [],
    rewritesTable: false,
    scansTable: false,
    inTransaction: true,
    transactional: true,
    blocks: { reads: mode === 'ACCESS EXCLUSIVE', writes: mode !== undefined && mode !== 'ROW EXCLUSIVE', ddl: mode !== undefined },
    ...extra,
  };
}

export const SET_NOT_NULL_FIX =
  'ALTER TABLE users ADD CONSTRAINT users_email_verified_nn CHECK (email_verified IS NOT NULL) NOT VALID;\n' +
  'ALTER TABLE users VALIDATE CONSTRAINT users_email_verified_nn;\n' +
  'ALTER TABLE users ALTER COLUMN email_verified SET NOT NULL;';

export function sampleFindings(): Finding[] {
  return [
    {
      rule: 'adding-not-nullable-field',
      severity: 'error',
      category: 'locking',
      line: 3,
      column: 1,
      endLine: 3,
      endColumn: 59,
      message: 'SET NOT NULL scans public.users under ACCESS EXCLUSIVE',
      help: 'Setting NOT NULL scans the whole table while holding ACCESS EXCLUSIVE, blocking reads and writes.',
      relation: 'public.users',
      lockMode: 'ACCESS EXCLUSIVE',
      engine: 'builtin',
      fix: {
        description: 'Add a NOT VALID CHECK constraint, validate it, then SET NOT NULL (PostgreSQL 12+ skips the scan).',
        sql: SET_NOT_NULL_FIX,
        replaces: { line: 3, column: 1, endLine: 3, endColumn: 59, offset: 93, endOffset: 151 },
      },
    },
    {
      rule: 'require-concurrent-index-creation',
      severity: 'error',
      category: 'locking',
      line: 4,
      column: 1,
      endLine: 4,
      endColumn: 64,
      message: 'CREATE INDEX blocks writes on public.users',
      help: 'CREATE INDEX without CONCURRENTLY takes SHARE on the table: writes wait for the whole build.',
      relation: 'public.users',
      lockMode: 'SHARE',
      engine: 'builtin',
      fix: {
        description: 'Build the index CONCURRENTLY, outside a transaction.',
        sql: 'CREATE INDEX CONCURRENTLY users_email_verified_idx ON users (email_verified);',
        outsideTransaction: true,
      },
    },
  ];
}

export function sampleReport(): Report {
  const findings = sampleFindings();
  return {
    files: [
      {
        path: MIGRATION_PATH,
        framework: 'sql',
        direction: 'up',
        transaction: 'transaction',
        statements: [
          stmt(1, MIGRATION_LINES[0]!, 'ALTER TABLE', 'ACCESS EXCLUSIVE'),
          stmt(2, MIGRATION_LINES[1]!, 'UPDATE', 'ROW EXCLUSIVE'),
          stmt(3, MIGRATION_LINES[2]!, 'ALTER TABLE', 'ACCESS EXCLUSIVE', { scansTable: true }),
          stmt(4, MIGRATION_LINES[3]!, 'CREATE INDEX', 'SHARE'),
        ],
        findings,
      },
    ],
    summary: { files: 1, statements: 4, errors: 2, warnings: 0, infos: 0 },
  };
}

export function testConfig(over: Partial<DbarchConfig> = {}): DbarchConfig {
  return { ...defaultConfig(), ...over };
}

/** A stand-in analyzer for snippets: regex lock model + the two index rules. */
export const fakeLint: SnippetLinter = async (sql, { transaction }) => {
  const statements: StatementReport[] = [];
  const findings: Finding[] = [];
  let from = 0;
  let inTx = transaction;
  for (const piece of splitStatements(sql)) {
    const at = sql.indexOf(piece, from);
    from = at + piece.length;
    const line = sql.slice(0, at).split('\n').length;
    const s = stripComments(piece).toUpperCase();
    let kind = 'OTHER';
    let mode: LockMode | undefined;
    let transactional = true;
    if (/^(BEGIN|COMMIT)\b/.test(s)) {
      inTx = s.startsWith('BEGIN');
      continue;
    }
    if (/^SET\b/.test(s)) kind = 'SET';
    else if (/^CREATE (UNIQUE )?INDEX CONCURRENTLY/.test(s)) {
      kind = 'CREATE INDEX CONCURRENTLY';
      mode = 'SHARE UPDATE EXCLUSIVE';
      transactional = false;
      if (inTx) findings.push(finding(line, 'ban-concurrent-index-creation-in-transaction', 'CREATE INDEX CONCURRENTLY cannot run inside a transaction block'));
    } else if (/^CREATE (UNIQUE )?INDEX/.test(s)) {
      kind = 'CREATE INDEX';
      mode = 'SHARE';
      findings.push(finding(line, 'require-concurrent-index-creation', 'CREATE INDEX blocks writes on public.users'));
    } else if (/^ALTER TABLE/.test(s)) {
      kind = 'ALTER TABLE';
      mode = /VALIDATE CONSTRAINT/.test(s) ? 'SHARE UPDATE EXCLUSIVE' : 'ACCESS EXCLUSIVE';
    } else if (/^UPDATE/.test(s)) {
      kind = 'UPDATE';
      mode = 'ROW EXCLUSIVE';
    }
    statements.push(stmt(line, piece, kind, mode, { transactional, inTransaction: inTx }));
  }
  return { findings, statements };
};

function finding(line: number, rule: string, message: string): Finding {
  return { rule, severity: 'error', line, column: 1, endLine: line, endColumn: 2, message, engine: 'builtin' };
}

export const RULES: RuleMeta[] = [
  {
    id: 'require-concurrent-index-creation',
    description: 'Create indexes CONCURRENTLY on existing tables.',
    category: 'locking',
    defaultSeverity: 'error',
    hazard: 'A plain CREATE INDEX holds a SHARE lock for the whole build: every INSERT, UPDATE and DELETE waits.',
    lock: 'SHARE',
    squawk: ['require-concurrent-index-creation'],
    messages: { default: 'CREATE INDEX blocks writes on {relation}' },
    examples: [
      {
        bad: 'CREATE INDEX users_email_idx ON users (email);',
        good: 'CREATE INDEX CONCURRENTLY users_email_idx ON users (email);',
        note: 'Run outside a transaction block.',
      },
    ],
  },
  {
    id: 'adding-not-nullable-field',
    description: 'SET NOT NULL scans the table under ACCESS EXCLUSIVE.',
    category: 'locking',
    defaultSeverity: 'error',
    hazard: 'The scan holds ACCESS EXCLUSIVE: reads and writes wait.',
    lock: 'ACCESS EXCLUSIVE',
    messages: { default: 'SET NOT NULL scans {relation}' },
    examples: [{ bad: 'ALTER TABLE t ALTER COLUMN c SET NOT NULL;', good: SET_NOT_NULL_FIX }],
  },
];

export const SECRET_ENV = {
  ANTHROPIC_API_KEY: 'sk-ant-test-SECRETKEY-0123456789',
  GITHUB_TOKEN: 'ghs_TESTSECRETTOKEN0123456789',
  WEBHOOK_SECRET: 'whsec-super-secret-value-42',
};

/** Captures every request body sent to the Messages API. */
export function anthropicScope(baseUrl = 'https://api.anthropic.com'): { scope: nock.Scope; bodies: Record<string, unknown>[]; reply: (name: string, status?: number, headers?: Record<string, string>) => void } {
  const scope = nock(baseUrl);
  const bodies: Record<string, unknown>[] = [];
  const reply = (name: string, status = 200, headers: Record<string, string> = {}) => {
    scope
      .post('/v1/messages', (body: Record<string, unknown>) => {
        bodies.push(body);
        return true;
      })
      .reply(status, fixture(name), { 'content-type': 'application/json', ...headers });
  };
  return { scope, bodies, reply };
}

/** Records any request nock could not match (which would otherwise surface as a swallowed error). */
export function trackUnmatched(): { unmatched: string[]; stop: () => void } {
  const unmatched: string[] = [];
  const listener = (req: { method?: string; path?: string; options?: { host?: string } }) => {
    unmatched.push(`${req.method ?? '?'} ${req.options?.host ?? ''}${req.path ?? ''}`);
  };
  nock.emitter.on('no match', listener);
  return { unmatched, stop: () => nock.emitter.removeListener('no match', listener) };
}
