// Trace benchmark on the largest migration histories of ../shared/corpus: a one-file change
// (the newest up migration) traced with every earlier migration replayed first.
//
// 1. End to end, the real CLI path: `node bin/dbarch.js lint --trace --format json FILE`
//    in a new process, cold (empty replay cache) and again with the replay cache the cold
//    run left (`--trace-cache DIR`). Wall time, CPU (user+sys, all threads) and peak RSS
//    from /usr/bin/time when present. The two reports must be identical.
// 2. In one process, as the App's worker runs reviews: cold, then the same base again
//    (memory cache), then with the instance kept warm between reviews.
// 3. Where the cold time goes, phase by phase, on the same code the trace uses.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { initParser, parseSql } from '../src/sql/index.js';
import { clearReplayCache, keepWarmInstance, traceFile, traceFiles, type TraceFilesResult } from '../src/trace/index.js';
import { applyBatched } from '../src/trace/batch.js';
import { applyQuietly, collectRequirements, emptyRequirements, partitionExtensions, startBlank, type HistoryFile, type ReplayIssue } from '../src/trace/replay.js';
import { PgliteWorker, pgliteWasmModule } from '../src/trace/worker.js';
import type { TransactionMode } from '../src/types.js';

const CORPUS = resolve(process.env.DBARCH_CORPUS ?? join(process.cwd(), '..', 'shared', 'corpus'));
const ROOT = resolve(fileURLToPath(import.meta.url), '..', '..', '..');
const TIME = '/usr/bin/time';

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

const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

/** CPU of this process in ms (all threads: PGlite runs in a worker thread). */
function cpuMs(): number {
  const c = process.cpuUsage();
  return (c.user + c.system) / 1000;
}

async function measure<T>(fn: () => Promise<T>): Promise<{ value: T; ms: number; cpu: number }> {
  const c0 = cpuMs();
  const t0 = performance.now();
  const value = await fn();
  return { value, ms: performance.now() - t0, cpu: cpuMs() - c0 };
}

interface CliRun {
  ms: number;
  cpuMs?: number;
  rssMb?: number;
  report: string;
  exit: number | null;
  stderr: string;
}

/** One CLI process, timed by /usr/bin/time (wall, user+sys of all its threads, peak RSS). */
function cli(file: string, cacheDir: string): CliRun {
  const args = [join(ROOT, 'bin', 'dbarch.js'), 'lint', '--trace', '--format', 'json', '--trace-cache', cacheDir, file];
  const timed = existsSync(TIME);
  const t0 = performance.now();
  const r = timed
    ? spawnSync(TIME, ['-f', '@@time %e %U %S %M', process.execPath, ...args], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 })
    : spawnSync(process.execPath, args, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  const ms = performance.now() - t0;
  const m = /@@time ([\d.]+) ([\d.]+) ([\d.]+) (\d+)/.exec(r.stderr);
  return {
    ms: m ? Number(m[1]) * 1000 : ms,
    ...(m ? { cpuMs: (Number(m[2]) + Number(m[3])) * 1000, rssMb: Math.round(Number(m[4]) / 1024) } : {}),
    report: r.stdout,
    exit: r.status,
    stderr: r.stderr.replace(/@@time.*\n?/, '').trim(),
  };
}

/** The trace part of a JSON report: per statement locks/rewrites/errors (not durations), trace findings, fix verdicts. */
function traceOf(report: string): unknown {
  type Trace = { durationMs?: number } & Record<string, unknown>;
  type Found = { engine?: string; fix?: { verified?: unknown } };
  const parsed = JSON.parse(report) as { files: { path: string; statements: { trace?: Trace }[]; findings: Found[] }[] };
  return parsed.files.map((f) => ({
    path: f.path,
    traces: f.statements.map(({ trace }) => (trace ? { ...trace, durationMs: undefined } : null)),
    findings: f.findings.filter((x) => x.engine === 'trace'),
    verdicts: f.findings.map((x) => x.fix?.verified ?? null),
  }));
}

async function endToEnd(p: Project, last: HistoryFile, lines: string[]): Promise<void> {
  const file = join(CORPUS, p.name, last.path);
  const cacheDir = mkdtempSync(join(tmpdir(), 'dbarch-bench-trace-cli-'));
  try {
    const cold = cli(file, cacheDir);
    const cached = cli(file, cacheDir);
    for (const [label, r] of [
      ['cold (no replay cache)', cold],
      ['replay cache (new process)', cached],
    ] as const) {
      if (r.exit !== 0 && r.exit !== 1) throw new Error(`dbarch exited ${r.exit}: ${r.stderr}`);
      lines.push(`| ${p.name} | ${label} | ${s(r.ms)} | ${r.cpuMs !== undefined ? s(r.cpuMs) : 'n/a'} | ${r.rssMb ?? 'n/a'} MB |`);
    }
    const same = JSON.stringify(traceOf(cold.report)) === JSON.stringify(traceOf(cached.report));
    if (!same) throw new Error(`${p.name}: the trace differs with the replay cache`);
  } finally {
    rmSync(cacheDir, { recursive: true, force: true });
  }
}

async function inProcess(p: Project, history: HistoryFile[], last: HistoryFile, lines: string[]): Promise<void> {
  const input = () => ({
    targets: [{ path: last.path, source: last.source, parsed: parseSql(last.source, { path: last.path }), transaction: last.transaction, direction: 'up' as const }],
    history,
    options: { timeoutMs: 120_000, memoryMb: 1024, pgVersion: 18 },
  });
  clearReplayCache();
  const runs: [string, Awaited<ReturnType<typeof measure<TraceFilesResult>>>][] = [];
  runs.push(['cold', await measure(() => traceFiles(input()))]);
  runs.push(['same base again (memory cache)', await measure(() => traceFiles(input()))]);
  keepWarmInstance(true);
  try {
    await traceFiles(input()); // parks an instance on the base state
    await new Promise((r) => setTimeout(r, 15_000)); // the App's idle time between two jobs
    runs.push(['same base, instance kept warm', await measure(() => traceFiles(input()))]);
  } finally {
    keepWarmInstance(false);
  }
  for (const [label, m] of runs) {
    const r = m.value;
    lines.push(`| ${p.name} | ${label} | ${r.base.fromCache || 'replayed'} | ${s(m.ms)} | ${s(m.cpu)} | ${r.base.issues.length} | ${r.perStatement.get(last.path)?.size ?? 0} |`);
  }
}

/** The cold path taken apart, on the functions the trace runs. */
async function breakdown(history: HistoryFile[], last: HistoryFile, lines: string[]): Promise<void> {
  clearReplayCache();
  const rows: [string, { ms: number; cpu: number }][] = [];
  const parsed = await measure(async () => history.map((f) => ({ file: f, parsed: parseSql(f.source, { path: f.path, maxBytes: 64 * 1024 * 1024 }) })));
  rows.push([`parse the history (${history.length} files)`, parsed]);
  const req = emptyRequirements();
  for (const { parsed: pf } of parsed.value) collectRequirements(pf, req);
  const { load } = partitionExtensions(req.extensions);
  rows.push(['compile pglite.wasm (once per process)', await measure(() => pgliteWasmModule())]);
  const boot = await measure(() => startBlank({ extensions: load, memoryMb: 1024 }));
  rows.push([`start PGlite from the build snapshot (extensions: ${load.join(', ') || 'none'})`, boot]);
  const w = boot.value;
  const issues: ReplayIssue[] = [];
  rows.push(['replay the history (untraced, batched)', await measure(() => applyBatched(w, parsed.value, 60_000, (f, pf) => applyQuietly(w, f, pf, 60_000, issues)))]);
  const dump = await measure(() => w.dump(120_000));
  rows.push([`checkpoint + dump the data dir (${Math.round(dump.value.byteLength / 1024 / 1024)} MB tar)`, dump]);
  await w.close();
  const again = await measure(() => PgliteWorker.start({ dump: dump.value, extensions: load, memoryMb: 1024 }));
  rows.push(['start PGlite from the replayed state (what the cache saves to)', again]);
  const target = parseSql(last.source, { path: last.path });
  rows.push([`trace the changed file (${target.statements.length} statements, locks and rewrites per statement)`, await measure(() => traceFile(again.value, target, { transaction: last.transaction, pgVersion: 18, timeoutMs: 60_000 }))]);
  await again.value.close();
  for (const [label, m] of rows) lines.push(`| ${label} | ${s(m.ms)} | ${s(m.cpu)} |`);
}

export async function run(): Promise<string> {
  if (!existsSync(join(CORPUS, 'order'))) return `## Trace\n\nSkipped: no corpus at ${CORPUS}.\n`;
  await initParser();
  const load = () => (process.platform === 'linux' ? readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ') : 'n/a');
  const lines = [
    '## Trace (a one-file change on the largest histories)',
    '',
    `Corpus: \`${CORPUS}\`. The newest up migration is traced after every earlier one is replayed in framework order. ${new Date().toISOString().slice(0, 10)}, load average at start ${load()}. CPU is user+sys of all threads (PGlite runs in a worker thread); on a busy machine wall time is a multiple of it.`,
    '',
    '### End to end: `node bin/dbarch.js lint --trace --format json FILE` (new process each)',
    '',
    '| project | run | wall | CPU | peak RSS |',
    '|---|---|---:|---:|---:|',
  ];
  const data = PROJECTS.filter((p) => existsSync(join(CORPUS, 'order', `${p.name}.tsv`))).map((p) => {
    const all = loadHistory(p);
    return { p, history: all.slice(0, -1), last: all[all.length - 1]! };
  });
  for (const { p, last } of data) await endToEnd(p, last, lines);
  lines.push('', 'The trace results (locks, rewrites, failures per statement, trace findings) are identical with and without the replay cache (checked on each run).');
  lines.push('', '### In one process, as an App worker runs reviews (`traceFiles`)', '', '| project | run | base | wall | CPU | replay issues | traced statements |', '|---|---|---|---:|---:|---:|---:|');
  for (const { p, history, last } of data) await inProcess(p, history, last, lines);
  const lemmy = data.find((d) => d.p.name === 'lemmy');
  if (lemmy) {
    lines.push('', `### Where the cold time goes (lemmy, ${lemmy.history.length} history files)`, '', '| phase | wall | CPU |', '|---|---:|---:|');
    await breakdown(lemmy.history, lemmy.last, lines);
  }
  lines.push('', `Load average at the end: ${load()}.`);
  return `${lines.join('\n')}\n`;
}
