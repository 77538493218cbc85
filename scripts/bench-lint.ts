// `dbarch lint --format json` over the whole corpus against `squawk --reporter json` on the
// same files, side by side: median wall time of several runs each and peak RSS.
// Run: node dist/scripts/bench.js lint   or   node dist/scripts/bench-lint.js
// Env: DBARCH_CORPUS (corpus dir), DBARCH_BENCH_RUNS (default 3), DBARCH_BENCH_TIMEOUT_S (default 900).
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, openSync, closeSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
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

interface Measure {
  wallS: number;
  rssKb?: number;
  exit: number | null;
}

/** Runs a command with stdout to a file; wall time and peak RSS from GNU time when present. */
function measure(cmd: string, args: string[], cwd: string, stdoutFile: string, timeoutS: number): Promise<Measure> {
  const scratch = mkdtempSync(join(tmpdir(), 'dbarch-bench-'));
  const timeFile = join(scratch, 'time');
  const useTime = existsSync(TIME);
  const [exe, argv] = useTime ? [TIME, ['-f', '%e %M', '-o', timeFile, cmd, ...args]] : [cmd, args];
  const out = openSync(stdoutFile, 'w');
  const started = process.hrtime.bigint();
  return new Promise((resolvePromise) => {
    const child = spawn(exe, argv, { cwd, stdio: ['ignore', out, 'ignore'] });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutS * 1000);
    child.on('close', (code) => {
      clearTimeout(timer);
      closeSync(out);
      const elapsed = Number(process.hrtime.bigint() - started) / 1e9;
      let wallS = elapsed;
      let rssKb: number | undefined;
      if (useTime && existsSync(timeFile)) {
        const last = readFileSync(timeFile, 'utf8').trim().split('\n').at(-1) ?? '';
        const m = /^([\d.]+) (\d+)$/.exec(last);
        if (m) {
          wallS = Number(m[1]);
          rssKb = Number(m[2]);
        }
      }
      rmSync(scratch, { recursive: true, force: true });
      resolvePromise({ wallS, rssKb, exit: code });
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
  const runs = Number(process.env.DBARCH_BENCH_RUNS ?? 3);
  const timeoutS = Number(process.env.DBARCH_BENCH_TIMEOUT_S ?? 900);
  const files = corpusFiles(dir).filter((f) => existsSync(join(dir, f)));
  const scratch = mkdtempSync(join(tmpdir(), 'dbarch-bench-lint-'));
  const emptyToml = join(scratch, 'empty.squawk.toml');
  writeFileSync(emptyToml, '');

  const variants: Variant[] = [
    {
      name: 'squawk 2.66 (native binary)',
      command: 'squawk -c empty.squawk.toml --reporter json <files>',
      cmd: squawk,
      args: ['-c', emptyToml, '--reporter', 'json', ...files],
    },
    {
      name: 'dbarch, built-in engine',
      command: 'node bin/dbarch.js lint --format json --engines builtin <files>',
      cmd: process.execPath,
      args: [bin, 'lint', '--format', 'json', '--engines', 'builtin', ...files],
    },
    {
      name: 'dbarch, built-in + squawk (default)',
      command: 'node bin/dbarch.js lint --format json <files>',
      cmd: process.execPath,
      args: [bin, 'lint', '--format', 'json', ...files],
    },
  ];

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
    const report = JSON.parse(readFileSync(outputs.get(variants[2]!.name)!, 'utf8')) as {
      summary: { files: number; statements: number; errors: number; warnings: number; infos: number };
    };
    statements = report.summary.statements;
    const s = report.summary;
    summary = `dbarch (both engines) reported ${s.files.toLocaleString('en-US')} files, ${s.statements.toLocaleString('en-US')} statements: ${s.errors.toLocaleString('en-US')} errors, ${s.warnings.toLocaleString('en-US')} warnings, ${s.infos.toLocaleString('en-US')} infos.`;
  } catch {
    summary = 'dbarch produced no parsable JSON report (see the exit codes below).';
  }
  let squawkEntries = 0;
  try {
    squawkEntries = (JSON.parse(readFileSync(outputs.get(variants[0]!.name)!, 'utf8')) as unknown[]).length;
  } catch {
    // reported as a missing figure
  }
  rmSync(scratch, { recursive: true, force: true });

  const base = median(results.get(variants[0]!.name)!.map((m) => m.wallS));
  const rows = variants.map((v) => {
    const ms = results.get(v.name)!;
    const wall = median(ms.map((m) => m.wallS));
    const rss = ms.map((m) => m.rssKb).filter((x): x is number => x !== undefined);
    const exits = [...new Set(ms.map((m) => String(m.exit)))].join('/');
    return `| ${v.name} | \`${v.command}\` | ${wall.toFixed(2)} | ${ms.map((m) => m.wallS.toFixed(2)).join(', ')} | ${rss.length ? (Math.max(...rss) / 1024).toFixed(0) : 'n/a'} | ${Math.round(files.length / wall).toLocaleString('en-US')} | ${statements ? Math.round(statements / wall).toLocaleString('en-US') : 'n/a'} | ${(wall / base).toFixed(2)}× | ${exits} |`;
  });

  return [
    '## Lint: dbarch vs squawk on the whole corpus',
    '',
    `Measured ${new Date().toISOString().slice(0, 10)}: ${files.length.toLocaleString('en-US')} files (every path in \`order/*.tsv\`), passed explicitly, cwd = the corpus; ${runs} interleaved runs per variant; wall time and peak RSS from \`/usr/bin/time\`. Statements/s uses dbarch's statement count for all rows. squawk printed ${squawkEntries.toLocaleString('en-US')} JSON entries.`,
    '',
    '| variant | command | median wall (s) | runs (s) | peak RSS (MiB) | files/s | statements/s | time vs squawk | exit |',
    '|---|---|---:|---|---:|---:|---:|---:|---|',
    ...rows,
    '',
    summary,
    '',
  ].join('\n');
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  run().then((md) => process.stdout.write(md), (err) => {
    console.error(err);
    process.exitCode = 1;
  });
}
