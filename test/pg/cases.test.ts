// Every fixture in fixtures/locks/cases.json through the static model. The same file is
// checked against a real PostgreSQL in cases-postgres.test.ts and by the trace.
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { catalogOf, describe1, loadParser, tableLocks, type LockCase } from './helpers.js';

const cases = JSON.parse(readFileSync(new URL('../../fixtures/locks/cases.json', import.meta.url), 'utf8')) as LockCase[];

beforeAll(loadParser);

describe('fixtures/locks/cases.json', () => {
  it('has at least 60 cases with unique names', () => {
    expect(cases.length).toBeGreaterThanOrEqual(60);
    expect(new Set(cases.map((c) => c.name)).size).toBe(cases.length);
  });

  // the fixtures hold for every version the trace checks them on (PGlite is 18, the CI server 15)
  it.each(cases.flatMap((c) => [15, 18].map((v) => [c.name, v, c] as const)))('%s (PG %i)', (_name, pgVersion, c) => {
    const catalog = catalogOf(c.setup);
    const effect = describe1(c.sql, { catalog, pgVersion });
    expect(tableLocks(effect, catalog)).toEqual(c.expected);
    expect([...effect.rewrites].sort()).toEqual([...c.rewrites].sort());
    expect(effect.transactional).toBe(c.transactional);
  });
});
