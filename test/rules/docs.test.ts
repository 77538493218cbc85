// The committed rule docs must equal what the generator produces from the metadata.
// Regenerate with: DBARCH_UPDATE_DOCS=1 npx vitest run test/rules/docs.test.ts
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { RULES } from '../../src/rules/registry.js';
import { generateRuleDocs, renderRuleDocs } from '../../scripts/gen-rule-docs.js';

const DIR = join(import.meta.dirname, '../../docs/rules');

describe('docs/rules', () => {
  beforeAll(async () => {
    if (process.env.DBARCH_UPDATE_DOCS) await generateRuleDocs(DIR);
  });

  it('has exactly one page per rule plus the index', () => {
    const files = readdirSync(DIR).filter((f) => f.endsWith('.md')).sort();
    expect(files).toEqual([...RULES.map((r) => `${r.meta.id}.md`), 'README.md'].sort());
  });

  it('is up to date with the rule metadata', () => {
    for (const [name, content] of renderRuleDocs()) {
      expect(readFileSync(join(DIR, name), 'utf8'), name).toBe(content);
    }
  });

  it('shows hazard, bad example, safe rewrite, lock and versions', () => {
    const page = renderRuleDocs().get('constraint-missing-not-valid.md')!;
    expect(page).toContain('## Hazard');
    expect(page).toContain('ALTER TABLE orders ADD CONSTRAINT orders_total_check CHECK (total >= 0);');
    expect(page).toContain('Safe rewrite:');
    expect(page).toContain('CHECK (total >= 0) NOT VALID');
    expect(page).toContain('| Lock taken | ACCESS EXCLUSIVE |');
    expect(page).toContain('| PostgreSQL versions | all |');
    expect(renderRuleDocs().get('require-concurrent-reindex.md')).toContain('| PostgreSQL versions | 12 and later |');
    expect(renderRuleDocs().get('README.md')).toContain('| [require-concurrent-index-creation](require-concurrent-index-creation.md) | error | SHARE |');
  });
});
