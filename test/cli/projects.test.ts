// `dbarch lint <dir>` works on a project of every supported framework with no configuration.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';

const root = join(import.meta.dirname, '../../fixtures/projects');
const FRAMEWORK_OF: Record<string, string> = {
  alembic: 'alembic',
  dbmate: 'dbmate',
  ecto: 'ecto',
  diesel: 'diesel',
  django: 'django',
  flyway: 'flyway',
  generic: 'generic',
  'golang-migrate': 'golang-migrate',
  knex: 'knex',
  'knex-dsl': 'knex',
  prisma: 'prisma',
  rails: 'rails',
  sequelize: 'sequelize',
  'sequelize-dsl': 'sequelize',
  sqitch: 'sqitch',
  supabase: 'supabase',
  typeorm: 'typeorm',
};

describe('dbarch lint on each framework fixture, without configuration', () => {
  const projects = readdirSync(root).filter((d) => d in FRAMEWORK_OF);
  it('covers every framework fixture', () => {
    expect(projects.sort()).toEqual(Object.keys(FRAMEWORK_OF).sort());
  });

  it.each(projects)('%s: every migration is found and attributed to the framework, and its SQL parsed', async (project) => {
    let out = '';
    let err = '';
    const code = await main(['lint', '.', '--format', 'json', '--engines', 'builtin'], {
      cwd: join(root, project),
      stdout: (s: string) => void (out += s),
      stderr: (s: string) => void (err += s),
    });
    expect(err).toBe('');
    expect([0, 1]).toContain(code);
    const report = JSON.parse(out) as { files: { path: string; framework: string; statements: unknown[] }[] };
    expect(report.files.length).toBeGreaterThan(0);
    for (const file of report.files) expect(file.framework, file.path).toBe(FRAMEWORK_OF[project]);
    // DSL-only migrations (a Django CreateModel, a knex.schema call) hold no SQL; the embedded SQL ones do.
    expect(report.files.some((f) => f.statements.length > 0)).toBe(true);
  });
});
