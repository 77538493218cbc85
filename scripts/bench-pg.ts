// Lock model over ../shared/corpus (or $DBARCH_CORPUS): every project's history in apply
// order, with the catalog carried from file to file. Reports crashes, statements by
// kind, rewrites / non-transactional statements found, and the time buildFacts takes
// (median of several runs; parsing is done once beforehand and not timed).
// Run: node dist/scripts/bench-pg.js
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildFacts, Catalog } from '../src/pg/index.js';
import { initParser, parseSql } from '../src/sql/index.js';
import type { ParsedFile, StatementFacts } from '../src/types.js';

const here = dirname(fileURLToPath(import.meta.url));

function corpusDir(): string | undefined {
  const candidates = [
    process.env.DBARCH_CORPUS,
    resolve(here, '..', '..', '..', 'shared', 'corpus'),
    resolve(here, '..', '..', 'shared', 'corpus'),
    resolve(process.cwd(), '..', 'shared', 'corpus'),
  ];
  return candidates.find((d): d is string => !!d && existsSync(join(d, 'order')));
}

interface Project {
  name: string;
  files: { parsed: ParsedFile; noTransaction: boolean }[];
}

function loadProjects(dir: string): Project[] {
  const projects: Project[] = [];
  for (const tsv of readdirSync(join(dir, 'order')).filter((f) => f.endsWith('.tsv')).sort()) {
    const name = tsv.replace(/\.tsv$/, '');
    const files: Project['files'] = [];
    for (const row of readFileSync(join(dir, 'order', tsv), 'utf8').split('\n').slice(1)) {
      const [, phase, path, flags] = row.split('\t');
      if (!path || (phase !== 'base' && phase !== 'up')) continue;
      const full = join(dir, name, path);
      if (!existsSync(full)) continue;
      files.push({ parsed: parseSql(readFileSync(full), { path: full }), noTransaction: (flags ?? '').includes('no-transaction') });
    }
    projects.push({ name, files });
  }
  return projects;
}

function factsOf(projects: Project[], onFacts?: (facts: StatementFacts[]) => void): { crashes: string[] } {
  const crashes: string[] = [];
  for (const p of projects) {
    const catalog = new Catalog();
    for (const f of p.files) {
      try {
        const facts = buildFacts(f.parsed, {
          transaction: f.noTransaction ? 'none' : 'transaction',
          pgVersion: 15,
          catalog,
        });
        onFacts?.(facts);
        for (const s of f.parsed.statements) if (s.ast && !s.error) catalog.observe(s.ast, facts[s.index]?.searchPath ?? ['public']);
      } catch (err) {
        crashes.push(`${f.parsed.path}: ${(err as Error).message}`);
      }
    }
  }
  return { crashes };
}

export async function run(): Promise<string> {
  const dir = corpusDir();
  if (!dir) return '## Lock model\n\nSkipped: corpus not found (set DBARCH_CORPUS).\n';
  await initParser();
  const projects = loadProjects(dir);
  const files = projects.reduce((n, p) => n + p.files.length, 0);

  let statements = 0;
  const kinds = new Map<string, number>();
  let rewrites = 0;
  let aeHeldAfter = 0;
  let concurrentInTx = 0;
  const { crashes } = factsOf(projects, (facts) => {
    statements += facts.length;
    for (const s of facts) {
      kinds.set(s.kind, (kinds.get(s.kind) ?? 0) + 1);
      if (s.rewrites.length) rewrites++;
      if (!s.transactional && s.inTransaction) concurrentInTx++;
      if (s.heldLocks.some((l) => l.mode === 'ACCESS EXCLUSIVE') && !s.locks.some((l) => l.mode === 'ACCESS EXCLUSIVE'))
        aeHeldAfter++;
    }
  });

  const RUNS = 5;
  const times: number[] = [];
  for (let r = 0; r < RUNS; r++) {
    const t0 = process.hrtime.bigint();
    factsOf(projects);
    times.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  times.sort((a, b) => a - b);
  const median = times[Math.floor(RUNS / 2)]!;

  const top = [...kinds].sort((a, b) => b[1] - a[1]).slice(0, 15);
  return [
    '## Lock model (buildFacts)',
    '',
    `Files: ${files} (base + up phases), statements: ${statements}, crashes: ${crashes.length}.`,
    `buildFacts over the whole corpus: median ${median.toFixed(0)} ms of ${RUNS} runs (${((statements / median) * 1000).toFixed(0)} statements/s); parsing not included.`,
    '',
    `Statements that rewrite a table: ${rewrites}; non-transactional statements inside a transaction: ${concurrentInTx}; statements run while an ACCESS EXCLUSIVE lock is held from earlier in the transaction: ${aeHeldAfter}.`,
    '',
    '| kind | statements |',
    '|---|---|',
    ...top.map(([k, n]) => `| ${k} | ${n} |`),
    '',
    ...(crashes.length ? ['Crashes:', '', ...crashes.slice(0, 20).map((c) => `- ${c}`), ''] : []),
  ].join('\n');
}

if (import.meta.url === `file://${process.argv[1]}`) console.log(await run());
