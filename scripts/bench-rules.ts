// The rules engine over ../shared/corpus (or $DBARCH_CORPUS): every file of every phase,
// parsed and modelled once beforehand (not timed); then lintFacts with the default config,
// median of several runs on fresh facts (so no per-file cache carries over).
// Also reports findings per severity and per rule, and the ten most frequent errors.
// Run: node dist/scripts/bench-rules.js
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { configSchema } from '../src/config/schema.js';
import { buildFacts } from '../src/pg/index.js';
import { lintFacts } from '../src/rules/engine.js';
import { RULES } from '../src/rules/registry.js';
import { initParser, parseSql } from '../src/sql/index.js';
import type { Finding, ParsedFile, TransactionMode } from '../src/types.js';

const here = dirname(fileURLToPath(import.meta.url));
const RUNS = 5;

function corpusDir(): string | undefined {
  const candidates = [
    process.env.DBARCH_CORPUS,
    resolve(here, '..', '..', '..', 'shared', 'corpus'),
    resolve(here, '..', '..', 'shared', 'corpus'),
    resolve(process.cwd(), '..', 'shared', 'corpus'),
  ];
  return candidates.find((d): d is string => !!d && existsSync(join(d, 'order')));
}

interface Input {
  project: string;
  parsed: ParsedFile;
  transaction: TransactionMode;
  direction: 'up' | 'down';
}

function load(dir: string): Input[] {
  const inputs: Input[] = [];
  for (const tsv of readdirSync(join(dir, 'order')).filter((f) => f.endsWith('.tsv')).sort()) {
    const project = tsv.replace(/\.tsv$/, '');
    for (const row of readFileSync(join(dir, 'order', tsv), 'utf8').split('\n').slice(1)) {
      const [, phase, path, flags] = row.split('\t');
      const full = path ? join(dir, project, path) : '';
      if (!path || !existsSync(full)) continue;
      inputs.push({
        project,
        parsed: parseSql(readFileSync(full), { path: `${project}/${path}` }),
        transaction: (flags ?? '').includes('no-transaction') ? 'none' : 'transaction',
        direction: phase === 'down' ? 'down' : 'up',
      });
    }
  }
  return inputs;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

export async function run(): Promise<string> {
  const dir = corpusDir();
  if (!dir) return '## Rules engine\n\nSkipped: ../shared/corpus not found (set DBARCH_CORPUS).\n';
  await initParser();
  const inputs = load(dir);
  const config = configSchema.parse({});
  const times: number[] = [];
  let findings: Finding[] = [];
  let statements = 0;
  for (let r = 0; r < RUNS; r++) {
    const facts = inputs.map((i) => buildFacts(i.parsed, { transaction: i.transaction, pgVersion: config.pgVersion }));
    const started = performance.now();
    const out: Finding[] = [];
    facts.forEach((f, k) => {
      const i = inputs[k]!;
      for (const x of lintFacts(f, { path: i.parsed.path, config, direction: i.direction, directives: i.parsed.directives, transaction: i.transaction })) {
        out.push({ ...x, relation: x.relation, message: `${i.parsed.path}:${x.line} ${x.message}` });
      }
    });
    times.push(performance.now() - started);
    findings = out;
    statements = facts.reduce((n, f) => n + f.length, 0);
  }
  const bySeverity = { error: 0, warning: 0, info: 0 };
  const byRule = new Map<string, { error: number; warning: number; info: number; example?: string }>();
  for (const f of findings) {
    bySeverity[f.severity]++;
    const row = byRule.get(f.rule) ?? { error: 0, warning: 0, info: 0 };
    row[f.severity]++;
    if (f.severity === 'error' && !row.example) row.example = f.message;
    byRule.set(f.rule, row);
  }
  const ms = median(times);
  const lines = [
    '## Rules engine',
    '',
    `${inputs.length} files, ${statements} statements, ${RULES.length} rules. lintFacts over the whole corpus (parse and lock model not timed), default config:`,
    '',
    `- median of ${RUNS} runs: **${Math.round(ms)} ms** (${((ms * 1000) / Math.max(1, statements)).toFixed(1)} µs per statement); runs: ${times.map((t) => Math.round(t)).join(', ')} ms`,
    `- findings: ${bySeverity.error} errors, ${bySeverity.warning} warnings, ${bySeverity.info} infos`,
    '',
    '| Rule | errors | warnings | infos |',
    '|---|---|---|---|',
    ...[...byRule]
      .sort((a, b) => b[1].error + b[1].warning + b[1].info - (a[1].error + a[1].warning + a[1].info))
      .map(([rule, r]) => `| ${rule} | ${r.error} | ${r.warning} | ${r.info} |`),
    '',
    'Ten most frequent errors, one example each:',
    '',
    ...[...byRule]
      .filter(([, r]) => r.error > 0)
      .sort((a, b) => b[1].error - a[1].error)
      .slice(0, 10)
      .map(([rule, r]) => `- \`${rule}\` (${r.error}): ${r.example}`),
    '',
  ];
  return lines.join('\n');
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  console.log(await run());
}
