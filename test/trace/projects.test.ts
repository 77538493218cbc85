// Replay of the fixture project of every framework: discovery's order and transaction
// modes, the earlier migrations as history, the newest one traced.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { defaultConfig } from '../../src/config/schema.js';
import { discover, sqlUnits } from '../../src/migrations/index.js';
import { initParser, parseSql } from '../../src/sql/index.js';
import { traceFiles } from '../../src/trace/index.js';
import { ModelHistory, ormUnits, prepareOrm } from '../../src/orm/index.js';
import type { HistoryFile } from '../../src/trace/replay.js';

const root = fileURLToPath(new URL('../../fixtures/projects/', import.meta.url));
const projects = readdirSync(root).filter((d) => statSync(join(root, d)).isDirectory()).sort();

function readIfPresent(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

function listFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? listFiles(p) : [p];
  });
}

/** Real findings of the fixtures (the generic project's seed breaks a NOT NULL column). */
const EXPECTED_FAILURES: Record<string, string[]> = {
  generic: ['trace-failed: migration fails on the base schema: null value in column "email" of relation "customers" violates not-null constraint'],
  // the newest Rails migration builds an index CONCURRENTLY without disable_ddl_transaction!
  rails: ['trace-failed: migration fails on the base schema: CREATE INDEX CONCURRENTLY cannot run inside a transaction block'],
  // the newest changelog (formatted SQL) builds an index CONCURRENTLY in a changeset without runInTransaction:false
  liquibase: ['trace-failed: migration fails on the base schema: CREATE INDEX CONCURRENTLY cannot run inside a transaction block'],
};

/** Known replay issues: Django binds RunSQL's `(sql, params)` at run time; the replay sees the `%s` placeholder. */
const EXPECTED_REPLAY_ISSUES: Record<string, string[]> = {
  django: ['shop/migrations/0003_order_note.py:17: column "x_" does not exist'],
  // the fixture's hazard: addIndex with concurrently: true inside sequelize.transaction()
  'sequelize-dsl': ['db/migrations/20240301090000-index-in-transaction.js:7: CREATE INDEX CONCURRENTLY cannot run inside a transaction block'],
  // The hazards changelog builds an index CONCURRENTLY inside a changeset's transaction (a real
  // failure); the replay then retries the file's statements one by one, which meet what the first
  // attempt had already created.
  liquibase: [
    'db/changelog/changes/002-hazards.xml:5: column "account_id" of relation "users" already exists',
    'db/changelog/changes/002-hazards.xml:8: relation "idx_users_email" already exists',
    'db/changelog/changes/002-hazards.xml:11: constraint "fk_users_account" for relation "users" already exists',
    'db/changelog/changes/002-hazards.xml:20: CREATE INDEX CONCURRENTLY cannot run inside a transaction block',
    'db/changelog/changes/003-hazards.yaml:6: relation "idx_accounts_name" already exists',
    'db/changelog/changes/003-hazards.yaml:13: constraint "fk_users_account_2" for relation "users" already exists',
    'db/changelog/changes/003-hazards.yaml:19: index "idx_users_email" does not exist',
  ],
};

beforeAll(async () => {
  await initParser();
  await prepareOrm(['x.rb', 'x.exs', 'x.py', 'x.js', 'x.ts', 'x.xml']);
});

describe('replay of the fixture projects', () => {
  it.each(projects)('%s: the history replays and the newest migration traces', async (project) => {
    const dir = join(root, project);
    const paths = listFiles(dir).map((p) => relative(dir, p));
    const found = discover({ paths, config: defaultConfig(), readFile: (p) => readFileSync(join(dir, p), 'utf8') });
    const ups: HistoryFile[] = [];
    const models = new ModelHistory();
    for (const m of found.migrations) {
      if (m.kind !== 'migration' || m.direction !== 'up') continue;
      const content = readFileSync(join(dir, m.path), 'utf8');
      // Rails, Ecto, Django, Alembic, Knex and Sequelize DSL is translated to SQL; other frameworks give their embedded SQL only.
      // Files a migration reads (Scenic's db/views) come from the project, as analyze() reads them.
      const translated = ormUnits(m, content, models, { readFile: (p) => readIfPresent(join(dir, p)) });
      const unit = (translated ?? sqlUnits(m, content)).find((u) => u.direction === 'up');
      // Template values from the framework's configuration (Flyway placeholders), as analyze() uses them.
      const parsed = m.vars ? { parsed: parseSql(unit?.sql ?? '', { path: m.path, vars: m.vars }) } : {};
      if (unit && unit.sql.trim()) ups.push({ path: m.path, source: unit.sql, transaction: unit.transaction, partial: m.language !== 'sql' && !translated, ...parsed });
    }
    expect(ups.length).toBeGreaterThan(0);
    const last = ups[ups.length - 1]!;
    const r = await traceFiles({
      targets: [{ path: last.path, source: last.source, parsed: last.parsed ?? parseSql(last.source, { path: last.path }), transaction: last.transaction, direction: 'up', partial: last.partial }],
      history: ups.slice(0, -1),
      options: { timeoutMs: 60_000, memoryMb: 512, pgVersion: 18 },
    });
    const failures = (r.findings.get(last.path) ?? []).filter((f) => f.rule !== 'trace-lock-mismatch');
    console.log(
      `${project}: ${ups.length} up migrations, replay ${r.base.replayMs} ms, ${r.base.issues.length} replay issues` +
        r.base.issues.map((i) => `\n  ${i.path}:${i.line}: ${i.message}`).join('') +
        failures.map((f) => `\n  target ${last.path}:${f.line}: ${f.rule}: ${f.message}`).join(''),
    );
    const dsl = ups.some((u) => u.partial);
    if (dsl) {
      // create_table & co. are not SQL: the replayed schema is incomplete, so a failure is
      // "could not trace", never an error
      expect(failures.filter((f) => f.severity !== 'info')).toEqual([]);
    } else {
      expect(r.base.issues.map((i) => `${i.path}:${i.line}: ${i.message}`)).toEqual(EXPECTED_REPLAY_ISSUES[project] ?? []);
      expect(failures.map((f) => `${f.rule}: ${f.message}`)).toEqual(EXPECTED_FAILURES[project] ?? []);
    }
    expect(r.perStatement.get(last.path)?.size).toBeGreaterThan(0);
  }, 300_000);
});
