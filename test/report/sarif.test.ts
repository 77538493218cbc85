import { describe, expect, it } from 'vitest';
import { RULES } from '../../src/rules/registry.js';
import type { Rule } from '../../src/rules/types.js';
import { formatSarif, toSarif } from '../../src/report/sarif.js';
import { SAMPLE_PATH, sampleReport } from './sample.js';

const catalog: Rule[] = [
  {
    meta: {
      id: 'adding-not-nullable-field',
      description: 'Adding a NOT NULL column without a default fails on existing rows.',
      category: 'backward-compatibility',
      defaultSeverity: 'error',
      hazard: 'Existing rows `violate` the constraint.',
      lock: 'ACCESS EXCLUSIVE',
      squawk: ['adding-required-field'],
      messages: {},
      examples: [{ bad: 'ALTER TABLE t ADD COLUMN c int NOT NULL;', good: 'ALTER TABLE t ADD COLUMN c int;' }],
    },
    check: () => [],
  },
  {
    meta: {
      id: 'require-concurrent-index-creation',
      description: 'Build indexes concurrently.',
      category: 'locking',
      defaultSeverity: 'off',
      hazard: 'Blocks writes.',
      messages: {},
      examples: [],
    },
    check: () => [],
  },
];

type Json = Record<string, any>;

describe('formatSarif', () => {
  const sarif = JSON.parse(formatSarif(sampleReport(), { rules: catalog, docsBaseUri: 'https://example.org/docs/rules/' })) as Json;
  const run = sarif.runs[0];

  it('is a SARIF 2.1.0 log with one run, code-point columns and the dbarch driver', () => {
    expect(sarif.version).toBe('2.1.0');
    expect(sarif.$schema).toBe('https://json.schemastore.org/sarif-2.1.0.json');
    expect(sarif.runs).toHaveLength(1);
    expect(run.columnKind).toBe('unicodeCodePoints');
    expect(run.tool.driver.name).toBe('dbarch');
    expect(run.tool.driver.version).toMatch(/^\d+\.\d+\.\d+/);
  });

  it('describes catalog rules from their metadata, with helpUri to docs/rules/<id>.md', () => {
    const rules = run.tool.driver.rules as Json[];
    const rule = rules.find((r) => r.id === 'adding-not-nullable-field')!;
    expect(rule).toMatchObject({
      name: 'AddingNotNullableField',
      shortDescription: { text: 'Adding a NOT NULL column without a default fails on existing rows.' },
      fullDescription: { text: 'Existing rows violate the constraint.' },
      helpUri: 'https://example.org/docs/rules/adding-not-nullable-field.md',
      defaultConfiguration: { level: 'error' },
      properties: { category: 'backward-compatibility', squawk: ['adding-required-field'] },
    });
    expect(rule.help.markdown).toContain('```sql\nALTER TABLE t ADD COLUMN c int;\n```');
    expect(rules.find((r) => r.id === 'require-concurrent-index-creation')!.defaultConfiguration).toEqual({ level: 'warning', enabled: false });
    // Rules that are not in the catalog (squawk's own) still get a descriptor.
    expect(rules.find((r) => r.id === 'prefer-robust-stmts')).toMatchObject({ helpUri: 'https://squawkhq.com/docs/prefer-robust-stmts' });
  });

  it('maps each finding to a result at its exact region, with ruleIndex and level', () => {
    const results = run.results as Json[];
    expect(results).toHaveLength(4);
    const [first, second, third, fourth] = results;
    expect(run.tool.driver.rules[first!.ruleIndex].id).toBe(first!.ruleId);
    expect(first).toMatchObject({
      ruleId: 'adding-not-nullable-field',
      level: 'error',
      locations: [
        {
          physicalLocation: {
            artifactLocation: { uri: SAMPLE_PATH, uriBaseId: '%SRCROOT%' },
            region: { startLine: 3, startColumn: 21, endLine: 3, endColumn: 51 },
          },
        },
      ],
      properties: { engines: ['builtin', 'squawk'], relation: 'public.üsers', lockMode: 'ACCESS EXCLUSIVE' },
    });
    expect(first!.message.text).toBe(
      'Adding NOT NULL column "email" without a default fails on a table with rows. Safe rewrite: Add the column nullable, backfill, then enforce NOT NULL with a validated CHECK.',
    );
    expect(second!.level).toBe('error');
    expect(third!.level).toBe('warning');
    expect(fourth!.level).toBe('note');
  });

  it('emits a fix that replaces the statement when the finding has one', () => {
    const [first, second] = run.results as Json[];
    expect(first!.fixes).toEqual([
      {
        description: { text: 'Add the column nullable, backfill, then enforce NOT NULL with a validated CHECK.' },
        artifactChanges: [
          {
            artifactLocation: { uri: SAMPLE_PATH, uriBaseId: '%SRCROOT%' },
            replacements: [
              {
                deletedRegion: { startLine: 3, startColumn: 1, endLine: 3, endColumn: 51 },
                insertedContent: { text: expect.stringContaining('ALTER TABLE "üsers" ADD COLUMN email text;') },
              },
            ],
          },
        ],
      },
    ]);
    // A fix without a span to replace is described in the message instead.
    expect(second!.fixes).toBeUndefined();
    expect(second!.message.markdown).toContain('```sql\nCREATE INDEX CONCURRENTLY idx_users_email ON "üsers" (email);\n```');
  });

  it('percent-encodes artifact URIs and uses file:// for absolute paths', () => {
    const report = sampleReport();
    report.files[0]!.path = 'db/my migrations/0001 é.sql';
    report.files.push({ ...report.files[0]!, path: '/abs/x.sql' });
    const out = toSarif(report, { rules: catalog }) as Json;
    const uris = (out.runs[0].results as Json[]).map((r) => r.locations[0].physicalLocation.artifactLocation.uri);
    expect(uris[0]).toBe('db/my%20migrations/0001%20%C3%A9.sql');
    expect(uris.at(-1)).toBe('file:///abs/x.sql');
  });

  it('lists every rule of the real catalog', () => {
    const out = toSarif({ files: [], summary: { files: 0, statements: 0, errors: 0, warnings: 0, infos: 0 } }) as Json;
    const ids = (out.runs[0].tool.driver.rules as Json[]).map((r) => r.id);
    expect(ids).toEqual(RULES.map((r) => r.meta.id).sort());
    for (const r of out.runs[0].tool.driver.rules as Json[]) expect(r.helpUri).toMatch(new RegExp(`docs/rules/${r.id}\\.md$`));
  });
});
