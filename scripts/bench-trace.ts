// Trace benchmark: replay the largest migration histories of ../shared/corpus on PGlite and
// trace the newest migration, cold vs with the replay cache (memory and disk), with peak RSS
// (PGlite's WebAssembly heap lives in the worker thread, i.e. in this process).
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { initParser, parseSql } from '../src/sql/index.js';
import { clearReplayCache, traceFiles, type TraceFilesResult } from '../src/trace/index.js';
import type { HistoryFile } from '../src/trace/replay.js';
import type { TransactionMode } from '../src/types.js';

const CORPUS = resolve(process.env.DBARCH_CORPUS ?? join(process.cwd(), '..', 'shared', 'corpus'));

interface Project {
  name: string;
  /** How the framework runs each file. */
  transaction: TransactionMode;
}

const PROJECTS: Project[] = [
  { name: 'lemmy', transaction: 'transaction' }, // diesel: one transaction per migration
  { name: 'trigger-dev', transaction: 'none' }, // prisma: the file as one multi-statement query
];

function loadHistory(p: Project): HistoryFile[] {
  const rows = readFileSync(join(CORPUS, 'order', `${p.name}.tsv`), 'utf8').trim().split('\n').slice(1);
  return rows
    .map((r) => r.split('\t'))
    .filter(([, phase]) => phase === 'base' || phase === 'up')
    .map(([, , path, flags]) => ({
      path: path!,
      source: readFileSync(join(CORPUS, p.name, path!), 'utf8'),
      transaction: flags?.includes('no-transaction') ? 'none' : p.transaction,
    }));
}

async function measure<T>(fn: () => Promise<T>): Promise<{ value: T; ms: number; peakRssMb: number }> {
  let peak = process.memoryUsage().rss;
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().rss);
  }, 25);
  const t0 = performance.now();
  try {
    const value = await fn();
    peak = Math.max(peak, process.memoryUsage().rss);
    return { value, ms: performance.now() - t0, peakRssMb: Math.round(peak / 1024 / 1024) };
  } finally {
    clearInterval(timer);
  }
}

export async function run(): Promise<string> {
  if (!existsSync(join(CORPUS, 'order'))) return `## Trace\n\nSkipped: no corpus at ${CORPUS}.\n`;
  await initParser();
  const lines = [
    '## Trace (PGlite replay + trace of the newest migration)',
    '',
    `Corpus: \`${CORPUS}\`. Each run replays every earlier up migration in framework order, then traces the newest one statement by statement. Peak RSS is the whole process (PGlite runs in a worker thread of it).`,
    '',
    '| project | history files | run | replay source | total time | replay time | peak RSS | replay issues | traced statements |',
    '|---|---:|---|---|---:|---:|---:|---:|---:|',
  ];
  for (const p of PROJECTS) {
    if (!existsSync(join(CORPUS, 'order', `${p.name}.tsv`))) continue;
    const all = loadHistory(p);
    const last = all[all.length - 1]!;
    const history = all.slice(0, -1);
    const cacheDir = mkdtempSync(join(tmpdir(), 'dbarch-bench-trace-'));
    const input = () => ({
      targets: [{ path: last.path, source: last.source, parsed: parseSql(last.source, { path: last.path }), transaction: last.transaction, direction: 'up' as const }],
      history,
      options: { timeoutMs: 120_000, memoryMb: 1024, pgVersion: 18, cacheDir },
    });
    try {
      clearReplayCache();
      const runs: [string, Awaited<ReturnType<typeof measure<TraceFilesResult>>>][] = [];
      runs.push(['cold (no replay cache; blank cluster from the build snapshot)', await measure(() => traceFiles(input()))]);
      runs.push(['second review, same process', await measure(() => traceFiles(input()))]);
      clearReplayCache();
      runs.push(['new process (disk cache)', await measure(() => traceFiles(input()))]);
      for (const [label, m] of runs) {
        const r = m.value;
        lines.push(
          `| ${p.name} | ${history.length} | ${label} | ${r.base.fromCache || 'replayed'} | ${(m.ms / 1000).toFixed(1)} s | ${(r.base.replayMs / 1000).toFixed(1)} s | ${m.peakRssMb} MB | ${r.base.issues.length} | ${r.perStatement.get(last.path)?.size ?? 0} |`,
        );
      }
      const issues = runs[0]![1].value.base.issues;
      if (issues.length) {
        lines.push('', `${p.name}: first replay issues: ${issues.slice(0, 3).map((i) => `\`${i.path}:${i.line}\` ${i.message}`).join('; ')}`, '');
      }
    } finally {
      rmSync(cacheDir, { recursive: true, force: true });
    }
  }
  return `${lines.join('\n')}\n`;
}
