// A finding on a Rails DSL call becomes a one-click suggestion that replaces the call with the
// safe Ruby, with the SQL it runs beside it; SQL is never suggested into a Ruby file.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { analyze } from '../../src/analyze.js';
import { buildReviewComments } from '../../src/app/render.js';
import { configSchema } from '../../src/config/schema.js';

const path = 'db/migrate/20240501090000_dsl_hazards.rb';
const source = readFileSync(join(import.meta.dirname, '../../fixtures/projects/rails', path), 'utf8');

describe('review comments on a Rails DSL migration', () => {
  it('suggest the safe DSL call in place of the flagged line', async () => {
    const report = await analyze({ files: [{ path, content: source }], config: configSchema.parse({ engines: ['builtin'] }) });
    const comments = buildReviewComments(report, new Map([[path, { path, source, hunks: [{ start: 1, end: 12 }] }]]));
    const index = comments.find((c) => c.body.includes('require-concurrent-index-creation'))!;
    expect(index.line).toBe(3);
    expect(index.start_line).toBeUndefined();
    expect(index.body).toContain('```suggestion\n    add_index :users, [:status, :created_at], algorithm: :concurrently\n```');
    expect(index.body).toContain('SQL it runs:');
    expect(index.body).toContain('CREATE INDEX CONCURRENTLY "index_users_on_status_and_created_at" ON "users" ("status", "created_at")');
    // a fix without a DSL form is shown as SQL advice, never as a suggestion into Ruby
    const volatile = comments.find((c) => c.body.includes('adding-field-with-default'))!;
    expect(volatile.line).toBe(7);
    expect(volatile.body).not.toContain('```suggestion');
    for (const c of comments) {
      const suggestion = /```suggestion\n([\s\S]*?)\n```/.exec(c.body)?.[1];
      if (suggestion) expect(suggestion, c.body).not.toMatch(/\b(ALTER TABLE|CREATE INDEX)\b/);
    }
  });
});

describe('review comments on a Django migration', () => {
  const djangoPath = 'shop/migrations/0004_dsl_hazards.py';
  const djangoSource = readFileSync(join(import.meta.dirname, '../../fixtures/projects/django', djangoPath), 'utf8');

  it('suggest AddIndexConcurrently in place of AddIndex, with the SQL beside it; never SQL into Python', async () => {
    const report = await analyze({ files: [{ path: djangoPath, content: djangoSource }], config: configSchema.parse({ engines: ['builtin'] }) });
    const comments = buildReviewComments(report, new Map([[djangoPath, { path: djangoPath, source: djangoSource, hunks: [{ start: 1, end: 30 }] }]]));
    const index = comments.find((c) => c.body.includes('require-concurrent-index-creation') && c.line === 14)!;
    expect(index.start_line).toBeUndefined();
    expect(index.body).toContain(
      '```suggestion\n        AddIndexConcurrently(model_name="order", index=models.Index(fields=["created_at"], name="shop_order_created_at_idx")),\n```',
    );
    expect(index.body).toContain('atomic = False');
    expect(index.body).toContain('CREATE INDEX CONCURRENTLY "shop_order_created_at_idx" ON "shop_order" ("created_at")');
    for (const c of comments) {
      const suggestion = /```suggestion\n([\s\S]*?)\n```/.exec(c.body)?.[1];
      if (suggestion) expect(suggestion, c.body).not.toMatch(/\b(ALTER TABLE|CREATE INDEX)\b/);
    }
  });
});

describe('review comments on Knex and Sequelize migrations', () => {
  const lintOne = async (project: string, path: string) => {
    const source = readFileSync(join(import.meta.dirname, '../../fixtures/projects', project, path), 'utf8');
    const report = await analyze({ files: [{ path, content: source }], config: configSchema.parse({ engines: ['builtin'] }) });
    return buildReviewComments(report, new Map([[path, { path, source, hunks: [{ start: 1, end: 30 }] }]]));
  };

  it('Knex: a one-line alterTable callback is replaced whole by the raw CONCURRENTLY call', async () => {
    const comments = await lintOne('knex-dsl', 'db/migrations/20240201090000_dsl_hazards.js');
    const index = comments.find((c) => c.body.includes('require-concurrent-index-creation'))!;
    expect([index.start_line, index.line]).toEqual([2, 4]);
    expect(index.body).toContain('```suggestion\n  await knex.raw(\'create index CONCURRENTLY "users_status_created_at_index" on "users" ("status", "created_at")\');\n```');
    expect(index.body).toContain('exports.config = { transaction: false };');
    // inside a callback with other lines, the raw call is advice, not a suggestion
    const fk = comments.find((c) => c.body.includes('adding-foreign-key-constraint'))!;
    expect(fk.line).toBe(7);
    expect(fk.body).not.toContain('```suggestion');
  });

  it('Sequelize: addIndex gets `concurrently: true` in place', async () => {
    const comments = await lintOne('sequelize-dsl', 'db/migrations/20240201090000-dsl-hazards.js');
    const index = comments.find((c) => c.body.includes('require-concurrent-index-creation'))!;
    expect(index.line).toBe(5);
    expect(index.start_line).toBeUndefined();
    expect(index.body).toContain("```suggestion\n    await queryInterface.addIndex('users', ['status', 'createdAt'], { concurrently: true });\n```");
  });
});
