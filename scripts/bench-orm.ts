// ORM migrations: the share of DSL schema operations that come back as analysed statements at
// the DSL call's line (counted by scripts/orm-count.ts, independently of the translator), and the
// lint cost per statement of the ORM corpus against the SQL corpus, in one process, interleaved.
// Run: node dist/scripts/bench.js orm   or   node dist/scripts/orm-count.js (share only)
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { analysisUnits, analyze, type SourceFile } from '../src/analyze.js';
import { prepareOrm } from '../src/orm/index.js';
import { configSchema } from '../src/config/schema.js';
import { FIXTURE_PROJECTS, fixtureFiles, fixturesDir, measure, ormCorpusDir, orderedFiles, PROJECTS } from './orm-count.js';

const RUNS = Number(process.env.DBARCH_BENCH_RUNS ?? 3);

function sqlCorpusDir(): string | undefined {
  const candidates = [process.env.DBARCH_CORPUS, resolve(process.cwd(), '..', 'shared', 'corpus'), '/work/shared/corpus'];
  return candidates.find((d): d is string => !!d && existsSync(join(d, 'order')));
}

function load(root: string, project: string, paths: string[]): SourceFile[] {
  return paths.filter((p) => existsSync(join(root, project, p))).map((p) => ({ path: `${project}/${p}`, content: readFileSync(join(root, project, p), 'utf8') }));
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1]!;
}

export async function run(): Promise<string> {
  const orm = ormCorpusDir();
  if (!orm) return '## ORM migrations\n\nSkipped: ../shared/corpus-orm not found (set DBARCH_ORM_CORPUS).\n';
  const lines = ['## ORM migrations', '', `Last run ${new Date().toISOString().slice(0, 10)}. Share measured by \`node dist/scripts/orm-count.js\` (a line-based count of the DSL calls, independent of \`src/orm\`); a call counts as analysed when the report has a statement starting on its line, or an \`orm-no-sql\` finding there (an operation the framework runs no SQL for, e.g. a Django \`AlterField\` of \`verbose_name\`; counted in its own column). A call is *partly* analysed when an \`orm-not-analysed\` notice stands at its line too: some of the SQL it runs was reviewed, some was not (a Scenic \`update_view\` whose view file is not in the corpus: its \`DROP VIEW\` is reviewed, the new body is not).`, ''];
  lines.push('| project | framework | files | DSL operations | analysed at their line | share | of which no SQL | of which partly | fully analysed | statements | not-analysed notices |', '|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
  const misses: string[] = [];
  const partial: string[] = [];
  const sum = (m: Map<string, number>) => [...m.values()].reduce((a, b) => a + b, 0);
  const row = (name: string, framework: string, c: Awaited<ReturnType<typeof measure>>) =>
    `| ${name} | ${framework} | ${c.files} | ${c.ops} | ${c.analysed} | ${((100 * c.analysed) / Math.max(1, c.ops)).toFixed(1)}% | ${c.noSql} | ${sum(c.partly)} | ${c.analysed - sum(c.partly)} (${((100 * (c.analysed - sum(c.partly))) / Math.max(1, c.ops)).toFixed(1)}%) | ${c.statements} | ${c.notAnalysed} |`;
  for (const p of PROJECTS) {
    const c = await measure(orm, p.project, p.count);
    lines.push(row(p.project, p.framework, c));
    if (c.partly.size) partial.push(`- ${p.project}: ${[...c.partly].sort((a, b) => b[1] - a[1]).map(([op, n]) => `\`${op}\` ×${n}`).join(', ')}`);
    if (c.missed.size) misses.push(`- ${p.project}: ${[...c.missed].sort((a, b) => b[1] - a[1]).map(([op, n]) => `\`${op}\` ×${n}`).join(', ')}`);
  }
  // Knex and Sequelize have no corpus project: their fixture projects are counted the same way.
  for (const p of FIXTURE_PROJECTS) {
    const c = await measure(fixturesDir(), p.project, p.count, fixtureFiles(p));
    lines.push(row(`${p.project} (fixture, no corpus)`, p.framework, c));
    if (c.missed.size) misses.push(`- ${p.project}: ${[...c.missed].sort((a, b) => b[1] - a[1]).map(([op, n]) => `\`${op}\` ×${n}`).join(', ')}`);
  }
  if (partial.length) lines.push('', 'Partly analysed (statements at the line and an `orm-not-analysed` info finding naming what was not reviewed):', ...partial);
  if (misses.length) lines.push('', 'Not analysed (each is an `orm-not-analysed` info finding at its line):', ...misses);

  // Per-statement lint cost: ORM corpus vs SQL corpus, same process, built-in engine, interleaved.
  const config = configSchema.parse({ engines: ['builtin'] });
  const inputs: { name: string; files: SourceFile[] }[] = PROJECTS.map((p) => ({ name: `${p.project} (${p.framework} DSL)`, files: load(orm, p.project, orderedFiles(orm, p.project)) }));
  // The same statements as plain SQL: each translated unit (both directions) as a .sql file of
  // its own. Against these rows the DSL rows show what the translation itself adds (parsing the
  // Ruby/Python/Elixir, translating, source maps), apart from the statement mix.
  await prepareOrm(inputs.flatMap((i) => i.files.map((f) => f.path)));
  for (const i of [...inputs]) {
    const units = analysisUnits(i.files, config);
    const files = units.filter((u) => /\S/.test(u.sql)).map((u, k) => ({ path: `sql/${String(k).padStart(5, '0')}_${u.direction}.sql`, content: u.sql }));
    inputs.push({ name: `${i.name.replace(/ DSL\)$/, ')')} translated, as .sql files`, files });
  }
  const sql = sqlCorpusDir();
  if (sql) {
    const all: SourceFile[] = [];
    for (const tsv of readdirSync(join(sql, 'order')).filter((f) => f.endsWith('.tsv')).sort()) {
      const project = tsv.replace(/\.tsv$/, '');
      all.push(...load(sql, project, orderedFiles(sql, project)));
    }
    inputs.push({ name: 'SQL corpus (all projects)', files: all });
  }
  const times = new Map<string, number[]>(inputs.map((i) => [i.name, []]));
  const cpu = new Map<string, number[]>(inputs.map((i) => [i.name, []]));
  const statements = new Map<string, number>();
  // Both serial: the SQL corpus would otherwise be spread over worker threads and the ORM corpus
  // (whose source maps stay in the main thread) not, which compares threads rather than work.
  for (const i of inputs) await analyze({ files: i.files.slice(0, 5), config, parallel: false }); // warm-up: parsers loaded
  for (let r = 0; r < RUNS; r++) {
    for (const i of inputs) {
      const t0 = performance.now();
      const c0 = process.cpuUsage();
      const report = await analyze({ files: i.files, config, parallel: false });
      const c = process.cpuUsage(c0);
      times.get(i.name)!.push(performance.now() - t0);
      cpu.get(i.name)!.push((c.user + c.system) / 1000);
      statements.set(i.name, report.summary.statements);
    }
  }
  lines.push('', `Lint cost per statement (in-process \`analyze()\`, built-in engine, serial, median of ${RUNS} interleaved runs; CPU time = user + system of the process; the ORM figures include parsing the Ruby/Python/Elixir and translating). Load average at the end: ${loadavg().map((l) => l.toFixed(1)).join(' ')}.`, '');
  lines.push('| input | files | statements | median ms | median CPU ms | µs CPU per statement | vs SQL corpus (CPU) | vs its translated SQL (CPU) |', '|---|---:|---:|---:|---:|---:|---:|---:|');
  const sqlName = 'SQL corpus (all projects)';
  const perStmt = (name: string) => (1000 * median(cpu.get(name)!)) / Math.max(1, statements.get(name)!);
  for (const i of inputs) {
    const ratio = times.has(sqlName) ? `${(perStmt(i.name) / perStmt(sqlName)).toFixed(2)}×` : 'n/a';
    const own = `${i.name.replace(/ DSL\)$/, ')')} translated, as .sql files`;
    const vsOwn = own !== i.name && cpu.has(own) ? `${(perStmt(i.name) / perStmt(own)).toFixed(2)}×` : '';
    lines.push(`| ${i.name} | ${i.files.length} | ${statements.get(i.name)} | ${median(times.get(i.name)!).toFixed(0)} | ${median(cpu.get(i.name)!).toFixed(0)} | ${perStmt(i.name).toFixed(1)} | ${ratio} | ${vsOwn} |`);
  }
  return lines.join('\n');
}

if (process.argv[1] && /bench-orm\.[jt]s$/.test(process.argv[1])) {
  console.log(await run());
}
