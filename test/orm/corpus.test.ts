// The real ORM histories in ../shared/corpus-orm: every file discovered in apply order, analysed
// without a crash, and the share of DSL schema operations that come back as statements at
// their line (counted independently of the translator by scripts/orm-count.ts).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { configSchema } from '../../src/config/schema.js';
import { discover } from '../../src/migrations/index.js';
import { FIXTURE_PROJECTS, fixtureFiles, fixturesDir, measure, ormCorpusDir, orderedFiles, PROJECTS, type Coverage } from '../../scripts/orm-count.js';

const corpus = ormCorpusDir();
const cache = new Map<string, Promise<Coverage>>();

function coverage(project: string): Promise<Coverage> {
  const p = PROJECTS.find((x) => x.project === project)!;
  let c = cache.get(project);
  if (!c) {
    c = measure(corpus!, project, p.count);
    cache.set(project, c);
  }
  return c;
}

describe.skipIf(!corpus)('ORM corpus', () => {
  if (!corpus) console.warn('ORM corpus tests skipped: ../shared/corpus-orm not found (set DBARCH_ORM_CORPUS)');

  it.each(PROJECTS.map((p) => [p.project, p.framework]))('%s: every file is discovered as %s, in the order of order/<project>.tsv, with its transaction mode', (project, framework) => {
    const tsv = readFileSync(join(corpus!, 'order', `${project}.tsv`), 'utf8').trim().split('\n').slice(1).map((l) => l.split('\t'));
    const paths = orderedFiles(corpus!, project);
    const result = discover({ paths: [...paths].reverse(), config: configSchema.parse({}), readFile: (p) => readFileSync(join(corpus!, project, p), 'utf8') });
    expect(result.migrations.map((m) => m.path)).toEqual(paths);
    expect(result.migrations.every((m) => m.framework === framework)).toBe(true);
    expect(result.migrations.map((m) => (m.transaction === 'none' ? 'no-transaction' : ''))).toEqual(tsv.map((row) => row[3] ?? ''));
  });

  it.each(PROJECTS.map((p) => [p.project]))('%s: analysed without a crash', { timeout: 120_000 }, async (project) => {
    const c = await coverage(project);
    expect(c.report.files.filter((f) => f.direction === 'up').map((f) => f.path)).toEqual(orderedFiles(corpus!, project));
    const internal = c.report.files.flatMap((f) => f.findings.filter((x) => x.rule === 'internal-error').map((x) => `${f.path}:${x.line} ${x.message}`));
    expect(internal).toEqual([]);
  });

  it('lago-api (Rails): ≥ 95% of the DSL operations are analysed at their line; Scenic bodies missing from the corpus are reported, and counted as partly analysed', { timeout: 120_000 }, async () => {
    const c = await coverage('lago-api');
    expect(c.analysed / c.ops).toBeGreaterThanOrEqual(0.95);
    // db/views/*.sql is not in the corpus: update_view reviews its DROP VIEW (partly analysed),
    // create_view has nothing to review without its body.
    expect([...c.partly]).toEqual([['update_view', 35]]);
    expect(c.missed.get('create_view')).toBe(32);
    const notices = c.report.files.flatMap((f) => f.findings.filter((x) => x.rule === 'orm-not-analysed' && /Scenic/.test(x.message)));
    expect(notices.length).toBe(35 + 32);
    expect(notices.every((n) => /db\/views\/\w+_v\d{2,}\.sql, which is not among the files/.test(n.message))).toBe(true);
    console.info(`lago-api: ${c.analysed}/${c.ops} DSL operations analysed (${((100 * c.analysed) / c.ops).toFixed(1)}%), of which 35 partly (view body missing)`);
  });

  it.each([['hexpm', 'Ecto'], ['saleor', 'Django'], ['redash', 'Alembic']])('%s (%s): ≥ 95% of the DSL operations are analysed at their line', { timeout: 120_000 }, async (project) => {
    const c = await coverage(project);
    expect(c.analysed / c.ops).toBeGreaterThanOrEqual(0.95);
    console.info(`${project}: ${c.analysed}/${c.ops} DSL operations analysed (${((100 * c.analysed) / c.ops).toFixed(1)}%), ${c.noSql} of them run no SQL`);
  });
});

describe('Knex and Sequelize (no corpus project: their fixture projects)', () => {
  it.each(FIXTURE_PROJECTS.map((p) => [p.project, p] as const))('%s: every DSL call counted independently comes back at its line', async (_name, p) => {
    const c = await measure(fixturesDir(), p.project, p.count, fixtureFiles(p));
    expect(c.ops).toBeGreaterThanOrEqual(19);
    expect([...c.missed]).toEqual([]);
    expect(c.analysed).toBe(c.ops);
  });
});
