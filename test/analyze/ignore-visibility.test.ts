// Ignore directives never turn a failing migration green silently: what they suppress is
// counted and listed, and teams can require a reason or forbid file-level ignores.
import { describe, expect, it } from 'vitest';
import { analyze } from '../../src/analyze.js';
import { checkTitle } from '../../src/app/render.js';
import { configSchema } from '../../src/config/schema.js';
import { formatJson } from '../../src/report/json.js';
import { formatMarkdown } from '../../src/report/markdown.js';

const INDEX = 'CREATE INDEX idx_orders_user ON orders (user_id);\n';

async function run(sql: string, config: object = {}) {
  return analyze({ files: [{ path: 'db/001.sql', content: sql }], config: configSchema.parse({ engines: ['builtin'], rules: { 'require-timeout-settings': 'off' }, ...config }), trace: false });
}

const rules = (r: Awaited<ReturnType<typeof run>>) => r.files[0]!.findings.map((f) => [f.rule, f.severity, f.line]);

describe('suppressed findings are reported', () => {
  it('a file-level ignore that hides an error is counted, titled and listed', async () => {
    const r = await run(`-- dbarch-ignore-file\n${INDEX}`);
    expect(rules(r)).toEqual([]);
    expect(r.summary).toEqual({ files: 1, statements: 1, errors: 0, warnings: 0, infos: 0, suppressed: 1 });
    expect(r.files[0]!.suppressed!.map((f) => [f.rule, f.severity, f.line])).toEqual([['require-concurrent-index-creation', 'error', 2]]);
    expect(checkTitle(r)).toBe('No hazards found in 1 migration file (1 suppressed by ignore directives)');
    const md = formatMarkdown(r);
    expect(md).toContain('Reviewed 1 migration file (1 statement). **1 finding suppressed by ignore directives** (listed below).');
    expect(md).toContain('### Suppressed by ignore directives\n\n1 finding (1 error, 0 warnings, 0 infos) silenced by `dbarch-ignore` / `squawk-ignore` comments.');
    expect(md).toContain('- `db/001.sql:2` `require-concurrent-index-creation` (error): ');
    const json = JSON.parse(formatJson(r));
    expect(json.summary.suppressed).toBe(1);
    expect(json.files[0].suppressed[0].rule).toBe('require-concurrent-index-creation');
  });

  it('a report without directives has no suppressed fields', async () => {
    const r = await run(INDEX);
    expect(r.summary).toEqual({ files: 1, statements: 1, errors: 1, warnings: 0, infos: 0 });
    expect(r.files[0]!.suppressed).toBeUndefined();
  });
});

describe('ignoreDirectives policy', () => {
  it('requireReason: a directive without a reason is not honoured and is flagged; one with a reason is', async () => {
    const bare = await run(`-- dbarch-ignore require-concurrent-index-creation\n${INDEX}`, { ignoreDirectives: { requireReason: true } });
    expect(rules(bare)).toEqual([
      ['ignore-directive-refused', 'warning', 1],
      ['require-concurrent-index-creation', 'error', 2],
    ]);
    expect(bare.files[0]!.findings[0]!.message).toBe(
      'Ignore directive not honoured: ignore directive without a reason (ignoreDirectives.requireReason: true); write `-- dbarch-ignore <rule> -- <why>`.',
    );
    const reasoned = await run(`-- dbarch-ignore require-concurrent-index-creation -- orders has 40 rows\n${INDEX}`, { ignoreDirectives: { requireReason: true } });
    expect(rules(reasoned)).toEqual([]);
    expect(reasoned.summary.suppressed).toBe(1);
  });

  it('allowFileLevel: false refuses file-level ignores', async () => {
    const r = await run(`-- dbarch-ignore-file -- legacy\n${INDEX}`, { ignoreDirectives: { allowFileLevel: false } });
    expect(rules(r)).toEqual([
      ['ignore-directive-refused', 'warning', 1],
      ['require-concurrent-index-creation', 'error', 2],
    ]);
    expect(r.summary.suppressed).toBeUndefined();
  });
});
