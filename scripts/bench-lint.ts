// `dbarch lint --format json` over the whole corpus against `squawk --reporter json` on the
// same files, side by side: median wall time of several runs each and peak RSS.
// Run: node dist/scripts/bench.js lint   or   node dist/scripts/bench-lint.js
// Env: DBARCH_CORPUS (corpus dir), DBARCH_BENCH_RUNS (default 3), DBARCH_BENCH_TIMEOUT_S (default 900).
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, openSync, closeSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { resolveSquawkBinary } from '../src/engines/squawk.js';

const here = dirname(fileURLToPath(import.meta.url));
const repo = existsSync(join(here, '..', 'package.json')) ? resolve(here, '..') : resolve(here, '..', '..');
const TIME = '/usr/bin/time';

function corpusDir(): string | undefined {
  const candidates = [process.env.DBARCH_CORPUS, resolve(repo, '..', 'shared', 'corpus'), resolve(process.cwd(), '..', 'shared', 'corpus')];
  return candidates.find((d): d is string => !!d && existsSync(join(d, 'order')));
}

/** Corpus-relative paths of every file in order/*.tsv, project by project in apply order. */
function corpusFiles(dir: string): string[] {
  const files: string[] = [];
  for (const tsv of readdirSync(join(dir, 'order')).filter((f) => f.endsWith('.tsv')).sort()) {
    const project = tsv.replace(/\.tsv$/, '');
    for (const row of readFileSync(join(dir, 'order', tsv), 'utf8').split('\n').slice(1)) {
      const path = row.split('\t')[2];
      if (path) files.push(`${project}/${path}`);
    }
  }
  return files;
}

/** A typical migration: the median-sized file of the largest project history. */
function oneFile(dir: string, files: string[]): string {
  const lemmy = files.filter((f) => f.startsWith('lemmy/') && f.endsWith('up.sql'));
  const pool = lemmy.length ? lemmy : files;
  const sized = pool.map((f) => [f, readFileSync(join(dir, f)).length] as const).sort((a, b) => a[1] - b[1]);
  return sized[sized.length >> 1]![0];
}

interface Measure {
  wallS: number;
  rssKb?: number;
  /** user + sys CPU seconds (GNU time); moves much less with other engineers' load than wall time. */
  cpuS?: number;
  exit: number | null;
}

/** Runs a command with stdout to a file; wall time and peak RSS from GNU time when present. */
function measure(cmd: string, args: string[], cwd: string, stdoutFile: string, timeoutS: number): Promise<Measure> {
  const scratch = mkdtempSync(join(tmpdir(), 'dbarch-bench-'));
  const timeFile = join(scratch, 'time');
  const useTime = existsSync(TIME);
  const [exe, argv] = useTime ? [TIME, ['-f', '%e %M %U %S', '-o', timeFile, cmd, ...args]] : [cmd, args];
  const out = openSync(stdoutFile, 'w');
  const started = process.hrtime.bigint();
  return new Promise((resolvePromise) => {
    const child = spawn(exe, argv, { cwd, stdio: ['ignore', out, 'ignore'] });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutS * 1000);
    child.on('close', (code) => {
      clearTimeout(timer);
      closeSync(out);
      const wallS = Number(process.hrtime.bigint() - started) / 1e9;
      let rssKb: number | undefined;
      let cpuS: number | undefined;
      if (useTime && existsSync(timeFile)) {
        const last = readFileSync(timeFile, 'utf8').trim().split('\n').at(-1) ?? '';
        const m = /^([\d.]+) (\d+) ([\d.]+) ([\d.]+)$/.exec(last);
        // Wall time from our own clock (GNU time rounds to 10 ms, too coarse for one file).
        if (m) {
          rssKb = Number(m[2]);
          cpuS = Number(m[3]) + Number(m[4]);
        }
      }
      rmSync(scratch, { recursive: true, force: true });
      resolvePromise({ wallS, rssKb, exit: code, ...(cpuS !== undefined ? { cpuS } : {}) });
    });
  });
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

interface Variant {
  name: string;
  command: string;
  cmd: string;
  args: string[];
}

export async function run(): Promise<string> {
  const dir = corpusDir();
  if (!dir) return '## Lint: dbarch vs squawk\n\nSkipped: corpus not found (set DBARCH_CORPUS).\n';
  const squawk = resolveSquawkBinary();
  const bin = join(repo, 'bin', 'dbarch.js');
  if (!squawk || !existsSync(join(repo, 'dist', 'src', 'cli', 'main.js'))) {
    return '## Lint: dbarch vs squawk\n\nSkipped: needs the build (`npm run build`) and the squawk binary.\n';
  }
  const loadAtStart = loadavg();
  const runs = Number(process.env.DBARCH_BENCH_RUNS ?? 3);
  const timeoutS = Number(process.env.DBARCH_BENCH_TIMEOUT_S ?? 900);
  const files = corpusFiles(dir).filter((f) => existsSync(join(dir, f)));
  const scratch = mkdtempSync(join(tmpdir(), 'dbarch-bench-lint-'));
  const emptyToml = join(scratch, 'empty.squawk.toml');
  writeFileSync(emptyToml, '');

  const cacheFile = join(scratch, 'dbarch.cache');
  const one = oneFile(dir, files);
  const variants: Variant[] = [
    {
      name: 'squawk 2.66 (native binary)',
      command: 'squawk -c empty.squawk.toml --reporter json <files>',
      cmd: squawk,
      args: ['-c', emptyToml, '--reporter', 'json', ...files],
    },
    {
      name: 'dbarch, built-in + squawk (default)',
      command: 'node bin/dbarch.js lint --format json <files>',
      cmd: process.execPath,
      args: [bin, 'lint', '--format', 'json', ...files],
    },
    {
      // The default on two cores is one thread (squawk keeps the other core busy): this row
      // measures what a worker thread would give, and checks it does not change the report.
      name: 'dbarch, default engines, two threads',
      command: 'node bin/dbarch.js lint --format json --concurrency 2 <files>',
      cmd: process.execPath,
      args: [bin, 'lint', '--format', 'json', '--concurrency', '2', ...files],
    },
    {
      name: 'dbarch, built-in engine',
      command: 'node bin/dbarch.js lint --format json --engines builtin <files>',
      cmd: process.execPath,
      args: [bin, 'lint', '--format', 'json', '--engines', 'builtin', ...files],
    },
    {
      name: 'dbarch --cache, unchanged corpus (warm cache)',
      command: 'node bin/dbarch.js lint --format json --cache --cache-location dbarch.cache <files>',
      cmd: process.execPath,
      args: [bin, 'lint', '--format', 'json', '--cache', '--cache-location', cacheFile, ...files],
    },
    {
      name: `squawk, one file`,
      command: `squawk -c empty.squawk.toml --reporter json ${one}`,
      cmd: squawk,
      args: ['-c', emptyToml, '--reporter', 'json', one],
    },
    {
      name: `dbarch, one file`,
      command: `node bin/dbarch.js lint --format json ${one}`,
      cmd: process.execPath,
      args: [bin, 'lint', '--format', 'json', one],
    },
    {
      name: 'dbarch --help (start-up only)',
      command: 'node bin/dbarch.js --help',
      cmd: process.execPath,
      args: [bin, '--help'],
    },
  ];
  // Fill the cache once, so every measured --cache run is a re-run on an unchanged corpus.
  await measure(process.execPath, [bin, 'lint', '--format', 'json', '--cache', '--cache-location', cacheFile, ...files], dir, join(scratch, 'warmup.json'), timeoutS);

  const results = new Map<string, Measure[]>(variants.map((v) => [v.name, []]));
  const outputs = new Map<string, string>(variants.map((v, i) => [v.name, join(scratch, `out-${i}.json`)]));
  // Interleave the variants so machine noise hits all of them alike.
  for (let i = 0; i < runs; i++) {
    for (const v of variants) {
      process.stderr.write(`bench-lint: ${v.name}, run ${i + 1}/${runs}\n`);
      results.get(v.name)!.push(await measure(v.cmd, v.args, dir, outputs.get(v.name)!, timeoutS));
    }
  }

  let statements: number | undefined;
  let summary = '';
  try {
    const report = JSON.parse(readFileSync(outputs.get(variants[1]!.name)!, 'utf8')) as {
      summary: { files: number; statements: number; errors: number; warnings: number; infos: number };
    };
    statements = report.summary.statements;
    const s = report.summary;
    summary = `dbarch (both engines) reported ${s.files.toLocaleString('en-US')} files, ${s.statements.toLocaleString('en-US')} statements: ${s.errors.toLocaleString('en-US')} errors, ${s.warnings.toLocaleString('en-US')} warnings, ${s.infos.toLocaleString('en-US')} infos.`;
  } catch {
    summary = 'dbarch produced no parsable JSON report (see the exit codes below).';
  }
  // Threads and the cache must not change a byte of the report.
  const reference = readFileSync(outputs.get(variants[1]!.name)!);
  const identical = [variants[2]!, variants[4]!].map((v) => `${v.name}: ${readFileSync(outputs.get(v.name)!).equals(reference) ? 'identical' : 'DIFFERENT'}`);
  let squawkEntries = 0;
  try {
    squawkEntries = (JSON.parse(readFileSync(outputs.get(variants[0]!.name)!, 'utf8')) as unknown[]).length;
  } catch {
    // reported as a missing figure
  }

  const wallOf = (v: Variant) => median(results.get(v.name)!.map((m) => m.wallS));
  const rssOf = (v: Variant) => Math.max(...results.get(v.name)!.map((m) => m.rssKb ?? 0)) / 1024;
  const cpuOf = (v: Variant) => median(results.get(v.name)!.map((m) => m.cpuS ?? NaN));
  const rows = variants.map((v) => {
    const ms = results.get(v.name)!;
    const wall = wallOf(v);
    const peer = v.name.includes('one file') ? variants[5]! : variants[0]!;
    const exits = [...new Set(ms.map((m) => String(m.exit)))].join('/');
    const many = !v.name.includes('one file') && !v.name.includes('--help');
    return `| ${v.name} | \`${v.command}\` | ${wall.toFixed(3)} | ${ms.map((m) => m.wallS.toFixed(3)).join(', ')} | ${cpuOf(v).toFixed(2)} | ${rssOf(v).toFixed(0)} | ${many ? Math.round(files.length / wall).toLocaleString('en-US') : '–'} | ${many && statements ? Math.round(statements / wall).toLocaleString('en-US') : '–'} | ${(wall / wallOf(peer)).toFixed(2)}× | ${(rssOf(v) / rssOf(peer)).toFixed(1)}× | ${exits} |`;
  });
  const cold = wallOf(variants[1]!);
  const ratios = [
    `- whole corpus, default engines: **${(cold / wallOf(variants[0]!)).toFixed(2)}×** squawk's wall time (target ≤ 1.5×), peak RSS **${rssOf(variants[1]!).toFixed(0)} MiB** (target ≤ 120 MiB)`,
    `- one file end to end: **${wallOf(variants[6]!).toFixed(2)} s** (target ≤ 0.25 s; fastest run ${Math.min(...results.get(variants[6]!.name)!.map((m) => m.wallS)).toFixed(2)} s, CPU ${cpuOf(variants[6]!).toFixed(2)} s), ${(wallOf(variants[6]!) / wallOf(variants[5]!)).toFixed(0)}× squawk; \`--help\` alone ${wallOf(variants[7]!).toFixed(2)} s`,
    `- \`--cache\` re-run on the unchanged corpus: **${((wallOf(variants[4]!) / cold) * 100).toFixed(0)}%** of the cold run (target ≤ 20%); CPU (user + sys) ${((cpuOf(variants[4]!) / cpuOf(variants[1]!)) * 100).toFixed(0)}% of the cold run's`,
    `- same report: ${identical.join('; ')}`,
  ];
  process.stderr.write(`${ratios.join('\n')}\n`);
  const machine = `${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, Node ${process.version}, load average (1 / 5 / 15 min) at the start ${loadAtStart.map((l) => l.toFixed(1)).join(' / ')}, at the end ${loadavg().map((l) => l.toFixed(1)).join(' / ')}`;

  const threshold = await thresholdTable(dir, files, bin, runs, timeoutS, scratch);
  rmSync(scratch, { recursive: true, force: true });

  return [
    '## Lint: dbarch vs squawk on the whole corpus',
    '',
    `Measured ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC on ${machine}; the machine is shared with other engineers' builds and tests, so compare the ratios (each measured in the same interleaved runs), not the absolute times. ${files.length.toLocaleString('en-US')} files (every path in \`order/*.tsv\`), passed explicitly, cwd = the corpus; ${runs} interleaved runs per variant; wall time from the parent's clock (process spawn to exit), peak RSS and CPU (user + sys) from \`/usr/bin/time\`. Statements/s uses dbarch's statement count for all rows. squawk printed ${squawkEntries.toLocaleString('en-US')} JSON entries. One file: \`${one}\`.`,
    '',
    ...ratios,
    '',
    '| variant | command | median wall (s) | runs (s) | median CPU (s) | peak RSS (MiB) | files/s | statements/s | time vs squawk | RSS vs squawk | exit |',
    '|---|---|---:|---|---:|---:|---:|---:|---:|---:|---|',
    ...rows,
    '',
    summary,
    '',
    threshold,
    '',
  ].join('\n');
}

/**
 * Where worker threads start to pay: the first files of the corpus up to a byte budget,
 * built-in engine, one thread against two (the machine has two cores).
 */
async function thresholdTable(dir: string, files: string[], bin: string, runs: number, timeoutS: number, scratch: string): Promise<string> {
  const rows: string[] = [];
  const sizes = [64, 256, 1024, 4096].map((k) => k * 1024);
  for (const budget of sizes) {
    const picked: string[] = [];
    let bytes = 0;
    for (const f of files) {
      if (bytes >= budget) break;
      picked.push(f);
      bytes += readFileSync(join(dir, f)).length;
    }
    const times: Record<string, number[]> = { off: [], '2': [] };
    for (let i = 0; i < runs; i++) {
      for (const c of ['off', '2']) {
        const m = await measure(process.execPath, [bin, 'lint', '--format', 'json', '--engines', 'builtin', '--concurrency', c, ...picked], dir, join(scratch, 'threshold.json'), timeoutS);
        times[c]!.push(m.wallS);
      }
    }
    const one = median(times.off!);
    const two = median(times['2']!);
    rows.push(`| ${(bytes / 1024).toFixed(0)} KiB | ${picked.length} | ${one.toFixed(2)} | ${two.toFixed(2)} | ${(two / one).toFixed(2)}× |`);
  }
  return [
    '### Worker threads by input size (built-in engine, median of interleaved runs)',
    '',
    'The default (`--concurrency auto`) starts threads from 256 KiB of SQL (`PARALLEL_MIN_BYTES` in `src/parallel/pool.ts`), on the cores squawk leaves free, and only when at least three are (`MIN_LANES`): on two cores two threads were slower than one at every size below.',
    '',
    '| SQL | files | one thread (s) | two threads (s) | two / one |',
    '|---:|---:|---:|---:|---:|',
    ...rows,
  ].join('\n');
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  run().then((md) => process.stdout.write(md), (err) => {
    console.error(err);
    process.exitCode = 1;
  });
}
