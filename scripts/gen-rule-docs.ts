// Generates docs/rules/<id>.md and docs/rules/README.md from the rule metadata.
// Run: node dist/scripts/gen-rule-docs.js [outDir]
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { RULES } from '../src/rules/registry.js';
import type { Rule } from '../src/rules/types.js';
import { CATEGORIES } from '../src/types.js';

function versions(rule: Rule): string {
  const v = rule.meta.pgVersions;
  if (!v || (v.min === undefined && v.max === undefined)) return 'all';
  if (v.min !== undefined && v.max !== undefined) return `${v.min}–${v.max}`;
  return v.min !== undefined ? `${v.min} and later` : `${v.max} and earlier`;
}

function fence(sql: string): string {
  return ['```sql', sql.trimEnd(), '```'].join('\n');
}

export function renderRulePage(rule: Rule): string {
  const m = rule.meta;
  const lines = [
    `# ${m.id}`,
    '',
    m.description,
    '',
    '| | |',
    '|---|---|',
    `| Category | ${m.category} |`,
    `| Default severity | ${m.defaultSeverity} |`,
    `| PostgreSQL versions | ${versions(rule)} |`,
    `| Lock taken | ${m.lock ?? '—'} |`,
  ];
  if (m.escalateOnLargeTables) lines.push('| On `largeTables` | a warning becomes an error |');
  if (m.squawk?.length) lines.push(`| squawk | ${m.squawk.map((s) => `\`${s}\``).join(', ')} |`);
  lines.push('', '## Hazard', '', m.hazard, '');
  m.examples.forEach((ex, i) => {
    lines.push(m.examples.length > 1 ? `## Example ${i + 1}` : '## Example', '');
    if (ex.schema) lines.push('Given the schema earlier migrations built:', '', fence(ex.schema), '');
    lines.push('Flagged:', '', fence(ex.bad), '', 'Safe rewrite:', '', fence(ex.good), '');
    if (ex.transaction === 'none') lines.push('_Runs outside a transaction block._', '');
    if (ex.note) lines.push(`> ${ex.note}`, '');
  });
  lines.push(
    '## Configuration',
    '',
    '```yaml',
    'rules:',
    `  ${m.id}: ${m.defaultSeverity === 'off' ? 'warning' : 'off'}`,
    '```',
    '',
    `Ignore one statement with \`-- dbarch-ignore ${m.id}\` on the line before it, or a whole file with \`-- dbarch-ignore-file ${m.id}\`.`,
    '',
  );
  return lines.join('\n');
}

export function renderRuleIndex(rules: readonly Rule[]): string {
  const lines = [
    '# Rules',
    '',
    'Generated from the rule metadata in `rules/` by `scripts/gen-rule-docs.ts`; do not edit by hand.',
    '',
    'Severities are defaults: change them per rule (`rules: { <id>: warning }`) or per category ' +
      '(`categories: { style: off }`).',
    '',
    '## Severity policy',
    '',
    'dbarch is meant to be a *required* check, so `error` is reserved for two cases:',
    '',
    '- **blocks-existing-table**: reads or writes on a table that already exists are blocked by a scan, a rewrite ' +
      'or an index build (a table created earlier in the same file, or proven empty there, is not existing);',
    '- **fails-at-runtime**: the statement fails when it runs (CONCURRENTLY inside a transaction, NOT NULL without ' +
      'a default on a table with rows, …).',
    '',
    'Everything else is `warning` or `info`. Every rule that can report `error` names its case in its metadata ' +
      '(`severityReason`), and the rule catalog test fails for a rule that reports `error` without one. ' +
      'Measured precision per rule on real migrations: [docs/precision.md](../precision.md).',
    '',
    '| Rule | Why it may be an error |',
    '|---|---|',
    ...[...rules]
      .filter((r) => r.meta.severityReason)
      .sort((a, b) => a.meta.id.localeCompare(b.meta.id))
      .map((r) => `| [${r.meta.id}](${r.meta.id}.md) | ${r.meta.severityReason} |`),
    '',
  ];
  for (const category of CATEGORIES) {
    const inCategory = rules.filter((r) => r.meta.category === category);
    if (!inCategory.length) continue;
    lines.push(`## ${category}`, '', '| Rule | Default | Lock | PostgreSQL | Description |', '|---|---|---|---|---|');
    for (const r of [...inCategory].sort((a, b) => a.meta.id.localeCompare(b.meta.id))) {
      const m = r.meta;
      lines.push(`| [${m.id}](${m.id}.md) | ${m.defaultSeverity} | ${m.lock ?? '—'} | ${versions(r)} | ${m.description} |`);
    }
    lines.push('');
  }
  return lines.join('\n');
}

/** File name → content of every generated page. */
export function renderRuleDocs(rules: readonly Rule[] = RULES): Map<string, string> {
  const pages = new Map<string, string>();
  for (const rule of rules) pages.set(`${rule.meta.id}.md`, renderRulePage(rule));
  pages.set('README.md', renderRuleIndex(rules));
  return pages;
}

export async function generateRuleDocs(outDir = 'docs/rules'): Promise<string[]> {
  await mkdir(outDir, { recursive: true });
  const written: string[] = [];
  for (const [name, content] of renderRuleDocs()) {
    const path = join(outDir, name);
    await writeFile(path, content);
    written.push(path);
  }
  return written;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const written = await generateRuleDocs(process.argv[2] ?? 'docs/rules');
  console.log(`wrote ${written.length} files`);
}
