// SARIF 2.1.0 for GitHub code scanning.
import { RULES } from '../rules/registry.js';
import type { Rule } from '../rules/types.js';
import type { Finding, Report, Severity } from '../types.js';
import { docsBaseUri, packageInfo } from './version.js';

export interface SarifOptions {
  /** The rule catalog; default: the registry. */
  rules?: readonly Rule[];
  /** Where `docs/rules/<id>.md` is published; default from package.json's repository, else relative. */
  docsBaseUri?: string;
}

const LEVEL: Record<Severity, 'error' | 'warning' | 'note'> = { error: 'error', warning: 'warning', info: 'note' };
const SARIF_SCHEMA = 'https://json.schemastore.org/sarif-2.1.0.json';

/** Rules that come from the engines themselves rather than the catalog. */
const ENGINE_RULES: Record<string, string> = {
  'syntax-error': 'The statement could not be parsed by the PostgreSQL parser.',
  'squawk-syntax-error': 'squawk could not parse this file; the built-in engine still covers it.',
  'engine-unavailable': 'A lint engine could not run on this file.',
};

export function toSarif(report: Report, opts: SarifOptions = {}): Record<string, unknown> {
  const catalog = new Map((opts.rules ?? RULES).map((r) => [r.meta.id, r]));
  const base = opts.docsBaseUri ?? docsBaseUri() ?? 'docs/rules/';
  const ruleIds: string[] = [];
  const ruleIndex = new Map<string, number>();
  // Catalog rules first, in a stable order, then anything else the report used.
  for (const id of [...catalog.keys()].sort()) ruleIndex.set(id, ruleIds.push(id) - 1);
  const firstFinding = new Map<string, Finding>();
  for (const file of report.files) {
    for (const f of file.findings) {
      if (!ruleIndex.has(f.rule)) ruleIndex.set(f.rule, ruleIds.push(f.rule) - 1);
      if (!firstFinding.has(f.rule)) firstFinding.set(f.rule, f);
    }
  }

  const rules = ruleIds.map((id) => {
    const rule = catalog.get(id);
    if (rule) return catalogDescriptor(rule, base);
    const f = firstFinding.get(id)!;
    const squawkRule = f.engine === 'squawk' && !ENGINE_RULES[id];
    return {
      id,
      name: pascal(id),
      shortDescription: { text: ENGINE_RULES[id] ?? f.message },
      ...(squawkRule ? { helpUri: `https://squawkhq.com/docs/${id}` } : {}),
      defaultConfiguration: { level: LEVEL[f.severity] },
      properties: { tags: ['postgresql', 'migrations', squawkRule ? 'squawk' : 'dbarch'] },
    };
  });

  const results = report.files.flatMap((file) =>
    file.findings.map((f) => {
      const artifactLocation = artifact(file.path);
      const text = f.fix ? `${f.message} Safe rewrite: ${f.fix.description}` : f.message;
      const result: Record<string, unknown> = {
        ruleId: f.rule,
        ruleIndex: ruleIndex.get(f.rule),
        level: LEVEL[f.severity],
        message: {
          text,
          ...(f.fix ? { markdown: `${escapeMd(f.message)}\n\n**Safe rewrite:** ${escapeMd(f.fix.description)}\n\n\`\`\`sql\n${f.fix.sql.trimEnd()}\n\`\`\`` } : {}),
        },
        locations: [{ physicalLocation: { artifactLocation, region: region(f) } }],
        properties: {
          engines: f.engines ?? [f.engine],
          ...(f.relation ? { relation: f.relation } : {}),
          ...(f.lockMode ? { lockMode: f.lockMode } : {}),
          ...(f.category ? { category: f.category } : {}),
        },
      };
      if (f.fix?.replaces) {
        result.fixes = [
          {
            description: { text: f.fix.description },
            artifactChanges: [
              {
                artifactLocation,
                replacements: [{ deletedRegion: region(f.fix.replaces), insertedContent: { text: f.fix.dsl?.code ?? f.fix.sql } }],
              },
            ],
          },
        ];
      }
      return result;
    }),
  );

  const pkg = packageInfo();
  return {
    $schema: SARIF_SCHEMA,
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: 'dbarch',
            version: pkg.version,
            semanticVersion: pkg.version,
            ...(base.startsWith('http') ? { informationUri: base.replace(/docs\/rules\/$/, '') } : {}),
            rules,
          },
        },
        columnKind: 'unicodeCodePoints',
        originalUriBaseIds: { '%SRCROOT%': { description: { text: 'The directory dbarch was run in.' } } },
        results,
      },
    ],
  };
}

export function formatSarif(report: Report, opts: SarifOptions = {}): string {
  return `${JSON.stringify(toSarif(report, opts), null, 2)}\n`;
}

function catalogDescriptor(rule: Rule, base: string): Record<string, unknown> {
  const m = rule.meta;
  const example = m.examples[0];
  const markdown = [
    m.hazard.trim(),
    ...(m.lock ? [`Lock taken: \`${m.lock}\`.`] : []),
    ...(example ? ['**Bad**', fenced(example.bad), '**Safe rewrite**', fenced(example.good), ...(example.note ? [example.note] : [])] : []),
  ].join('\n\n');
  return {
    id: m.id,
    name: pascal(m.id),
    shortDescription: { text: m.description },
    fullDescription: { text: plain(m.hazard) },
    help: { text: plain(m.hazard), markdown },
    helpUri: `${base}${m.id}.md`,
    defaultConfiguration: m.defaultSeverity === 'off' ? { level: 'warning', enabled: false } : { level: LEVEL[m.defaultSeverity] },
    properties: {
      category: m.category,
      tags: ['postgresql', 'migrations', m.category],
      ...(m.squawk?.length ? { squawk: m.squawk } : {}),
      ...(m.pgVersions ? { pgVersions: m.pgVersions } : {}),
    },
  };
}

function region(s: { line: number; column: number; endLine: number; endColumn: number }) {
  return { startLine: s.line, startColumn: s.column, endLine: s.endLine, endColumn: s.endColumn };
}

function artifact(path: string): Record<string, string> {
  const posix = path.replace(/\\/g, '/');
  if (posix.startsWith('/')) return { uri: `file://${encodePath(posix)}` };
  return { uri: encodePath(posix.replace(/^\.\//, '')), uriBaseId: '%SRCROOT%' };
}

function encodePath(p: string): string {
  return p.split('/').map(encodeURIComponent).join('/');
}

function pascal(id: string): string {
  return id.replace(/(^|-)([a-z0-9])/g, (_m, _d, c: string) => c.toUpperCase());
}

function plain(markdown: string): string {
  return markdown.replace(/`/g, '').trim();
}

function fenced(sql: string): string {
  return `\`\`\`sql\n${sql.trimEnd()}\n\`\`\``;
}

function escapeMd(text: string): string {
  return text.replace(/([[\]])/g, '\\$1');
}
