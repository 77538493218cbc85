// Parser alone over ../shared/corpus (or $DBARCH_CORPUS): files, statements, syntax
// errors and wall time (median of several runs, files read into memory first).
// Run: node dist/scripts/bench.js parser   or   node dist/scripts/bench-parser.js
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { initParser, parseAll, parseSql } from '../src/sql/index.js';
import { lex } from '../src/sql/lexer.js';

const here = dirname(fileURLToPath(import.meta.url));

export function corpusDir(): string | undefined {
  const candidates = [
    process.env.DBARCH_CORPUS,
    resolve(here, '..', '..', '..', 'shared', 'corpus'), // dist/scripts -> repo/../shared
    resolve(here, '..', '..', 'shared', 'corpus'), // scripts -> repo/../shared
    resolve(process.cwd(), '..', 'shared', 'corpus'),
  ];
  return candidates.find((d): d is string => !!d && existsSync(join(d, 'order')));
}

/** Every corpus file, project by project in apply order. */
export function corpusFiles(dir: string): string[] {
  const files: string[] = [];
  for (const tsv of readdirSync(join(dir, 'order')).filter((f) => f.endsWith('.tsv')).sort()) {
    const project = tsv.replace(/\.tsv$/, '');
    const rows = readFileSync(join(dir, 'order', tsv), 'utf8').split('\n').slice(1);
    for (const row of rows) {
      const path = row.split('\t')[2];
      if (path) files.push(join(dir, project, path));
    }
  }
  return files;
}

export async function run(): Promise<string> {
  const dir = corpusDir();
  if (!dir) return '## Parser\n\nSkipped: corpus not found (set DBARCH_CORPUS).\n';
  await initParser();
  const paths = corpusFiles(dir).filter((p) => existsSync(p) && statSync(p).isFile());
  const inputs = paths.map((p) => ({ path: p, bytes: readFileSync(p) }));
  const totalBytes = inputs.reduce((n, f) => n + f.bytes.length, 0);

  let statements = 0;
  let nested = 0;
  const errorFiles = new Set<string>();
  let syntaxErrors = 0;
  const byRule = new Map<string, number>();
  const ms = (t0: bigint) => Number(process.hrtime.bigint() - t0) / 1e6;
  // The floor: libpg-query's own parse of each whole file (no positions, DO blocks, notices),
  // on the text it really gets, with psql meta-commands blanked (the raw musicbrainz files
  // would fail at their first `\set` line, which is cheap but parses nothing).
  const texts = inputs.map((f) => lex(f.bytes.toString('utf8')).parserText);
  const rawPass = () => {
    for (const t of texts) {
      try {
        parseAll(t);
      } catch {
        // a syntax error costs time too; only the time matters here
      }
    }
  };

  // First run in a fresh process: what a one-shot CLI run pays (JIT and WASM tier-up).
  let t0 = process.hrtime.bigint();
  for (const f of inputs) {
    const parsed = parseSql(f.bytes, { path: f.path });
    statements += parsed.statements.length;
    nested += parsed.statements.filter((s) => s.nested).length;
    for (const n of parsed.notices) {
      byRule.set(n.rule, (byRule.get(n.rule) ?? 0) + 1);
      if (n.rule === 'syntax-error') {
        syntaxErrors++;
        errorFiles.add(f.path);
      }
    }
  }
  const first = ms(t0);

  // Warm runs, parseSql and the floor interleaved so machine load hits both alike.
  const RUNS = 5;
  const runs: number[] = [];
  const raw: number[] = [];
  for (let r = 0; r < RUNS; r++) {
    t0 = process.hrtime.bigint();
    for (const f of inputs) parseSql(f.bytes, { path: f.path });
    runs.push(ms(t0));
    t0 = process.hrtime.bigint();
    rawPass();
    raw.push(ms(t0));
  }
  const rawMedian = [...raw].sort((a, b) => a - b)[Math.floor(RUNS / 2)]!;
  const sorted = [...runs].sort((a, b) => a - b);
  const median = sorted[Math.floor(sorted.length / 2)]!;
  const mb = totalBytes / 1024 / 1024;
  const notices = [...byRule].sort((a, b) => b[1] - a[1]).map(([rule, n]) => `\`${rule}\` ${n}`).join(', ');
  return [
    '## Parser',
    '',
    `\`parseSql\` alone (src/sql) over the corpus, files already in memory: the first run of a fresh process, then ${RUNS} warm runs interleaved with libpg-query's bare parse of the same text (${new Date().toISOString().slice(0, 10)}).`,
    '',
    '| files | MiB | statements (nested from DO) | syntax errors (files) | first run ms | median ms | min ms | MiB/s | libpg-query parse only, median ms |',
    '|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
    `| ${inputs.length} | ${mb.toFixed(1)} | ${statements} (${nested}) | ${syntaxErrors} (${errorFiles.size}) | ${first.toFixed(0)} | ${median.toFixed(0)} | ${sorted[0]!.toFixed(0)} | ${(mb / (median / 1000)).toFixed(1)} | ${rawMedian.toFixed(0)} |`,
    '',
    `Load average at the end: ${loadavg()[0]!.toFixed(1)} on ${cpus().length} cores (other processes share the machine, so compare within one run).`,
    '',
    `Notices: ${notices || 'none'}.`,
    '',
  ].join('\n');
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  run().then((md) => process.stdout.write(md)).catch((err) => {
    console.error(err);
    process.exitCode = 1;
  });
}
