// Replays every project of ../shared/corpus and measures how often the static model agrees
// with PostgreSQL: strongest lock per table, rewrites (relfilenode), failures.
// Results are kept per engine in .dbarch-cache/agreement-<engine>.json and docs/agreement.md
// is written from all of them, so the PGlite run and the PostgreSQL runs share one report.
// Usage: node dist/scripts/agreement.js [--corpus dir] [--project name]… [--database-url url]
//        [--pg-version N] [--out docs/agreement.md] [--timeout-s 120]
import { mkdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import {
  corpusDir,
  corpusProjects,
  loadCorpusProject,
  pct,
  replayProject,
  summarize,
  type AgreementSummary,
  type ProjectAgreement,
} from '../src/trace/agreement.js';
import { EXPLANATIONS } from './agreement-notes.js';

export interface EngineRun {
  engine: string;
  pgVersion: number;
  command: string;
  date: string;
  results: ProjectAgreement[];
}

function row(cells: (string | number)[]): string {
  return `| ${cells.map((c) => String(c).replace(/\|/g, '\\|').replace(/\n/g, ' ')).join(' | ')} |`;
}

function explain(aspect: string, key: string): string {
  for (const e of EXPLANATIONS) if (e.aspect === aspect && e.match.test(key)) return e.why;
  return '';
}

function section(run: EngineRun): string {
  const s: AgreementSummary = summarize(run.results);
  const lines: string[] = [];
  lines.push(`## ${run.engine} (model for PostgreSQL ${run.pgVersion})`, '');
  lines.push(`Command: \`${run.command}\` (${run.date})`, '');
  lines.push(row(['statements compared', 'agree on strongest lock per table', 'agree on rewrites', 'failed on the server (model predicted)', 'lock not observable']));
  lines.push(row(['---:', '---:', '---:', '---:', '---:']));
  lines.push(
    row([
      s.statements,
      `${pct(s.lockAgree, s.lockCompared)} (${s.lockAgree}/${s.lockCompared})`,
      `${pct(s.rewriteAgree, s.rewriteCompared)} (${s.rewriteAgree}/${s.rewriteCompared})`,
      `${s.failed} (${s.failedPredicted})`,
      s.unobserved,
    ]),
    '',
  );
  lines.push('Per project:', '');
  lines.push(row(['project', 'files', 'statements', 'locks agree', 'rewrites agree', 'failed', 'time']));
  lines.push(row(['---', '---:', '---:', '---:', '---:', '---:', '---:']));
  for (const r of run.results) {
    const p = summarize([r]);
    lines.push(row([r.project, r.files, p.statements, pct(p.lockAgree, p.lockCompared), pct(p.rewriteAgree, p.rewriteCompared), p.failed, `${(r.ms / 1000).toFixed(1)} s`]));
  }
  lines.push('');
  const disagreements = s.classes.filter((c) => c.aspect !== 'failure');
  lines.push('Every class of disagreement:', '');
  if (!disagreements.length) lines.push('None.', '');
  else {
    lines.push(row(['aspect', 'class (statement kind: model → server)', 'count', 'example', 'why']));
    lines.push(row(['---', '---', '---:', '---', '---']));
    for (const c of disagreements) lines.push(row([c.aspect, c.key, c.count, c.example, explain(c.aspect, c.key)]));
    lines.push('');
  }
  const failures = s.classes.filter((c) => c.aspect === 'failure');
  if (failures.length) {
    lines.push(`Statements the server refused (${s.failed}; not compared for locks and rewrites). Most come from the history, not the model:`, '');
    lines.push(row(['class', 'count', 'example', 'why']));
    lines.push(row(['---', '---:', '---', '---']));
    for (const c of failures.slice(0, 40)) lines.push(row([c.key, c.count, c.example, explain('failure', c.key)]));
    if (failures.length > 40) lines.push('', `…and ${failures.length - 40} rarer classes (${failures.slice(40).reduce((n, c) => n + c.count, 0)} statements).`);
    lines.push('');
  }
  const stopped = run.results.flatMap((r) => r.stopped.map((x) => `${r.project}/${x.path}: ${x.message}`));
  if (stopped.length) lines.push('Files whose trace was stopped:', '', ...stopped.map((x) => `- ${x}`), '');
  return lines.join('\n');
}

export function render(runs: EngineRun[]): string {
  return [
    '# Agreement of the static model with PostgreSQL',
    '',
    'Every applied file of every project in `../shared/corpus` (phases `base`, `up`, `post` of `order/<project>.tsv`, in that order, each in the',
    "transaction mode dbarch's discovery gives it) is traced on one session, and for every top-level statement the static model",
    '(`src/pg`, with the catalog built from the earlier files, exactly as a review gets it) is compared with what the server did:',
    '',
    '- **locks**: the strongest mode per table / materialized view the model predicts vs the modes `pg_locks` shows the statement took',
    '  (a mode the transaction already held counts as taken). Statements that cannot run in a transaction block are not observable on',
    "  PGlite (single user: no second session can watch them) and are counted apart.",
    '- **rewrites**: the tables the model says are rewritten vs the tables whose `relfilenode` changed.',
    '- **failures**: the server refused the statement; the model predicts only "cannot run inside a transaction block".',
    '  After a failure the file goes on statement by statement, so one broken statement does not hide the rest.',
    '',
    'Regenerate: `npm run agreement` (PGlite, whole corpus); `npm run agreement -- --database-url postgres://postgres@127.0.0.1:5432/postgres --pg-version 15 --project harbor --project appflowy-cloud`.',
    '',
    ...runs.map(section),
  ].join('\n');
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      corpus: { type: 'string' },
      project: { type: 'string', multiple: true },
      'database-url': { type: 'string' },
      'pg-version': { type: 'string' },
      out: { type: 'string', default: 'docs/agreement.md' },
      'max-statements': { type: 'string' },
      // per-file trace timeout: a loaded machine needs more than the default for lago-api's one 2,700-statement file
      'timeout-s': { type: 'string' },
    },
  });
  const dir = corpusDir([values.corpus, process.env.DBARCH_CORPUS, resolve(process.cwd(), '../shared/corpus'), '/work/shared/corpus']);
  if (!dir) throw new Error('corpus not found: pass --corpus <dir> (the directory holding MANIFEST.tsv)');
  const url = values['database-url'];
  const pgVersion = Number(values['pg-version'] ?? (url ? 15 : 18));
  const names = values.project?.length ? values.project : corpusProjects(dir);
  const unknown = names.filter((n) => !corpusProjects(dir).includes(n));
  if (unknown.length) throw new Error(`unknown project(s): ${unknown.join(', ')}`);
  const results: ProjectAgreement[] = [];
  for (const name of names) {
    const project = loadCorpusProject(dir, name);
    process.stderr.write(`${name}: ${project.files.length} files\n`);
    const r = await replayProject(project, {
      pgVersion,
      timeoutMs: Number(values['timeout-s'] ?? 120) * 1000,
      memoryMb: 1024,
      cacheDir: join(process.cwd(), '.dbarch-cache'),
      ...(url ? { databaseUrl: url } : {}),
      ...(values['max-statements'] ? { maxStatements: Number(values['max-statements']) } : {}),
    });
    const s = summarize([r]);
    process.stderr.write(`${name}: ${s.statements} statements, locks ${pct(s.lockAgree, s.lockCompared)}, rewrites ${pct(s.rewriteAgree, s.rewriteCompared)}, ${s.failed} failed, ${(r.ms / 1000).toFixed(1)} s\n`);
    results.push(r);
  }
  const engine = url ? 'PostgreSQL server' : 'PGlite';
  const argv = process.argv.slice(2).map((a) => (a.startsWith('postgres') ? a.replace(/:[^:@/]*@/, ':***@') : a));
  const run: EngineRun = {
    engine: `${engine}${url ? ` ${pgVersion}` : ''}`,
    pgVersion,
    command: `npm run agreement${argv.length ? ` -- ${argv.join(' ')}` : ''}`,
    date: new Date().toISOString().slice(0, 10),
    results,
  };
  const store = join(process.cwd(), '.dbarch-cache', `agreement-${url ? 'postgres' : 'pglite'}.json`);
  mkdirSync(dirname(store), { recursive: true });
  writeFileSync(store, JSON.stringify(run));
  const runs: EngineRun[] = [];
  for (const kind of ['pglite', 'postgres']) {
    const f = join(process.cwd(), '.dbarch-cache', `agreement-${kind}.json`);
    if (existsSync(f)) runs.push(JSON.parse(readFileSync(f, 'utf8')) as EngineRun);
  }
  writeFileSync(values.out!, render(runs));
  const total = summarize(results);
  process.stderr.write(`total: ${total.statements} statements, locks ${pct(total.lockAgree, total.lockCompared)}, rewrites ${pct(total.rewriteAgree, total.rewriteCompared)}; wrote ${values.out}\n`);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main().catch((err) => {
    console.error((err as Error).message);
    process.exit(1);
  });
}
