// squawk as a second engine: run the native binary that squawk-cli installs, in a few
// batched processes, and map its JSON to the common Finding.
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RuleSetting } from '../config/schema.js';
import { JsonArrayStream } from './json-stream.js';
import type { Finding, TransactionMode } from '../types.js';
import { LineIndex } from '../sql/lines.js';

export interface SquawkInputFile {
  path: string;
  source: string;
  transaction: TransactionMode;
}

export interface SquawkOptions {
  pgVersion: number;
  /** Per squawk process; the process is killed when it runs longer. Default 60 s. */
  timeoutMs?: number;
  /** Path of the squawk executable; default: the native binary of squawk-cli. */
  binary?: string;
  /** squawk rule ids to pass as `--exclude`. */
  excludedRules?: string[];
  /** Testing seam: replaces child_process.spawn. */
  spawn?: typeof spawn;
  /** Split a large group into at most this many parallel processes. Default: available cores. */
  concurrency?: number;
}

export interface SquawkResult {
  /** Findings per input path (every input path has an entry, possibly empty). */
  findings: Map<string, Finding[]>;
  /** Set when squawk could not run: the caller reports `engine-unavailable` per file. */
  unavailable?: string;
}

/** squawk's own JSON entry (squawk 2.x `--reporter json`). */
interface SquawkEntry {
  file: string;
  line: number;
  column: number;
  line_end: number;
  column_end: number;
  level: string;
  message: string;
  help: string | null;
  rule_name: string;
}

export const SQUAWK_SYNTAX_RULE = 'squawk-syntax-error';
export const ENGINE_UNAVAILABLE_RULE = 'engine-unavailable';

const DEFAULT_TIMEOUT_MS = 60_000;
/**
 * squawk is spawned by absolute path and reads its config from `-c`, so it needs no PATH,
 * HOME or token: the App's private key, webhook secret, API keys and DATABASE_URL stay out.
 */
export const SQUAWK_ENV: Readonly<Record<string, string>> = Object.freeze({ NO_COLOR: '1' });
// One process handles the whole 3,000-file corpus in under a second; split only when a
// group is big enough for a second core to pay for its process start.
const PARALLEL_SPLIT_BYTES = 512 * 1024;
/** Scratch files written concurrently (libuv's pool has 4 threads by default). */
const SCRATCH_WRITERS = 16;
/**
 * Up to this many files are written at once (well under a millisecond), so squawk is started
 * before the caller's lint loop holds the thread and runs alongside it instead of after it.
 */
const SYNC_SCRATCH_FILES = 16;

const PLATFORM_PACKAGES: Record<string, string> = {
  'darwin-x64': '@squawk-cli/darwin-x64',
  'darwin-arm64': '@squawk-cli/darwin-arm64',
  'linux-x64': '@squawk-cli/linux-x64',
  'linux-arm64': '@squawk-cli/linux-arm64',
  'win32-x64': '@squawk-cli/win32-x64',
};

/** The native squawk binary (what squawk-cli's JS shim would exec), or undefined. */
export function resolveSquawkBinary(): string | undefined {
  const pkg = PLATFORM_PACKAGES[`${process.platform}-${process.arch}`];
  if (!pkg) return undefined;
  const require = createRequire(import.meta.url);
  const name = process.platform === 'win32' ? 'squawk.exe' : 'squawk';
  try {
    // Resolve relative to squawk-cli so we find the copy it installed, wherever hoisted.
    const cliPkg = require.resolve('squawk-cli/package.json');
    return createRequire(cliPkg).resolve(`${pkg}/bin/${name}`);
  } catch {
    try {
      return require.resolve(`${pkg}/bin/${name}`);
    } catch {
      return undefined;
    }
  }
}

/**
 * Writes the sources to a temp dir, in memory (tmpfs) where Linux offers it: creating
 * thousands of files on disk cost ~2 s for the corpus, on tmpfs ~50 ms. A small or full
 * /dev/shm (Docker gives 64 MB) falls back to the OS temp dir.
 */
function scratchRoots(): string[] {
  return process.platform === 'linux' && existsSync('/dev/shm') ? ['/dev/shm', tmpdir()] : [tmpdir()];
}

/** writeScratch for a few files, without giving up the thread. */
function writeScratchSync(files: SquawkInputFile[], names: string[]): string {
  const roots = scratchRoots();
  for (const [n, root] of roots.entries()) {
    const dir = mkdtempSync(join(root, 'dbarch-squawk-'));
    try {
      files.forEach((f, i) => writeFileSync(join(dir, names[i]!), f.source));
      writeFileSync(join(dir, '.squawk.toml'), '');
      return dir;
    } catch (err) {
      rmSync(dir, { recursive: true, force: true });
      if (n === roots.length - 1) throw err;
    }
  }
  throw new Error('unreachable');
}

async function writeScratch(files: SquawkInputFile[], names: string[]): Promise<string> {
  const roots = scratchRoots();
  for (const [n, root] of roots.entries()) {
    const dir = await mkdtemp(join(root, 'dbarch-squawk-'));
    try {
      // Asynchronous, a few at a time: the writes run on libuv's threads while the main
      // thread lints, instead of blocking it for the whole batch.
      let next = 0;
      const writer = async () => {
        for (let i = next++; i < files.length; i = next++) await writeFile(join(dir, names[i]!), files[i]!.source);
      };
      await Promise.all(Array.from({ length: Math.min(SCRATCH_WRITERS, files.length) }, writer));
      // An empty config keeps a stray .squawk.toml above the temp dir from changing results.
      writeFileSync(join(dir, '.squawk.toml'), '');
      return dir;
    } catch (err) {
      await rm(dir, { recursive: true, force: true }).catch(() => undefined);
      if (n === roots.length - 1) throw err;
    }
  }
  throw new Error('unreachable');
}

/** Runs squawk on the files; a few files are written and squawk started before this returns. */
export async function runSquawk(files: SquawkInputFile[], opts: SquawkOptions): Promise<SquawkResult> {
  const findings = new Map<string, Finding[]>();
  for (const f of files) findings.set(f.path, []);
  if (files.length === 0) return { findings };

  const binary = opts.binary ?? resolveSquawkBinary();
  if (!binary) return { findings, unavailable: 'squawk binary not found (is squawk-cli installed with its platform package?)' };
  if (!existsSync(binary)) return { findings, unavailable: `squawk binary not found at ${binary}` };

  // Temp names are positional: real paths may hold glob characters squawk would expand.
  const names = files.map((_, i) => `f${i}.sql`);
  let dir: string;
  try {
    dir = files.length <= SYNC_SCRATCH_FILES ? writeScratchSync(files, names) : await writeScratch(files, names);
  } catch (err) {
    return { findings, unavailable: `could not write squawk's temp files: ${(err as Error).message}` };
  }
  try {
    const batches = planBatches(files, opts.concurrency ?? availableParallelism());
    const runs = await Promise.all(
      batches.map((b) =>
        runOnce(binary, dir, b.indexes.map((i) => names[i]!), b.transaction, opts),
      ),
    );
    const failed = runs.find((r) => 'error' in r);
    if (failed && 'error' in failed) return { findings, unavailable: failed.error };

    const byName = new Map(names.map((n, i) => [n, files[i]!]));
    const lineIndex = new Map<string, LineIndex>();
    for (const run of runs) {
      if (!('entries' in run)) continue;
      for (const e of run.entries) {
        const file = byName.get(e.file.replace(/^\.\//, ''));
        if (!file) continue;
        let idx = lineIndex.get(file.path);
        if (!idx) lineIndex.set(file.path, (idx = new LineIndex(file.source)));
        findings.get(file.path)!.push(toFinding(e, idx));
      }
    }
    for (const [path, list] of findings) findings.set(path, collapseSyntaxErrors(list));
    return { findings };
  } finally {
    await rm(dir, { recursive: true, force: true }).catch(() => undefined);
  }
}

/** The finding the caller emits for each file when squawk was unavailable. */
export function engineUnavailableFinding(reason: string): Finding {
  return {
    rule: ENGINE_UNAVAILABLE_RULE,
    severity: 'warning',
    line: 1,
    column: 1,
    endLine: 1,
    endColumn: 1,
    message: `The squawk engine was unavailable, so this file was checked by the built-in engine only: ${reason}`,
    engine: 'squawk',
  };
}

interface Batch {
  transaction: TransactionMode;
  indexes: number[];
}

function planBatches(files: SquawkInputFile[], concurrency: number): Batch[] {
  const batches: Batch[] = [];
  for (const transaction of ['transaction', 'none'] as const) {
    const indexes = files.flatMap((f, i) => (f.transaction === transaction ? [i] : []));
    if (indexes.length === 0) continue;
    const bytes = indexes.reduce((n, i) => n + files[i]!.source.length, 0);
    const parts = Math.max(1, Math.min(concurrency, indexes.length, Math.ceil(bytes / PARALLEL_SPLIT_BYTES)));
    // Contiguous slices of similar byte size: squawk's cost is roughly linear in bytes.
    const slices: number[][] = Array.from({ length: parts }, () => []);
    let before = 0;
    for (const i of indexes) {
      slices[Math.min(parts - 1, Math.floor((before * parts) / Math.max(bytes, 1)))]!.push(i);
      before += files[i]!.source.length;
    }
    for (const slice of slices) if (slice.length) batches.push({ transaction, indexes: slice });
  }
  return batches;
}

type RunResult = { entries: SquawkEntry[] } | { error: string };

function runOnce(
  binary: string,
  cwd: string,
  names: string[],
  transaction: TransactionMode,
  opts: SquawkOptions,
): Promise<RunResult> {
  const args = ['--reporter', 'json', '--pg-version', String(opts.pgVersion), '-c', '.squawk.toml'];
  if (transaction === 'transaction') args.push('--assume-in-transaction');
  if (opts.excludedRules?.length) args.push(`--exclude=${opts.excludedRules.join(',')}`);
  args.push(...names);

  const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const spawnFn = opts.spawn ?? spawn;
  return new Promise<RunResult>((resolve) => {
    let settled = false;
    const finish = (r: RunResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(r);
    };
    const spawnOpts: SpawnOptions = {
      cwd,
      stdio: ['ignore', 'pipe', 'pipe'],
      // Own process group, so a timeout kills whatever the binary started too.
      detached: process.platform !== 'win32',
      // Only what the binary needs: it gets no credentials from dbarch's environment.
      env: SQUAWK_ENV,
    };
    let child: ChildProcess;
    try {
      child = spawnFn(binary, args, spawnOpts);
    } catch (err) {
      resolve({ error: `could not start squawk: ${(err as Error).message}` });
      return;
    }
    // Parsed as it streams in: the work is spread over the lint loop's pauses.
    const stream = new JsonArrayStream();
    const entries: unknown[] = [];
    let sawOutput = false;
    const errOut: Buffer[] = [];
    child.stdout?.setEncoding('utf8');
    child.stdout?.on('data', (text: string) => {
      if (!sawOutput && text.trim()) sawOutput = true;
      for (const e of stream.push(text)) entries.push(e);
    });
    child.stderr?.on('data', (b: Buffer) => {
      if (errOut.length < 64) errOut.push(b);
    });
    const timer = setTimeout(() => {
      killTree(child);
      finish({ error: `squawk timed out after ${timeoutMs} ms and was killed` });
    }, timeoutMs);
    child.on('error', (err) => finish({ error: `could not start squawk: ${err.message}` }));
    child.on('close', (code, signal) => {
      const stderr = Buffer.concat(errOut).toString('utf8').trim().split('\n')[0] ?? '';
      if (signal) return finish({ error: `squawk was killed by ${signal}` });
      // squawk exits 1 when it reports an error-level entry; anything else is a crash.
      if (code !== 0 && code !== 1) {
        return finish({ error: `squawk exited with code ${code}${stderr ? `: ${stderr}` : ''}` });
      }
      const report = stream.complete ? validEntries(entries) : undefined;
      if (!report) {
        const why = sawOutput ? 'printed output that is not its JSON report' : `printed no report${stderr ? `: ${stderr}` : ''}`;
        return finish({ error: `squawk ${why}` });
      }
      finish({ entries: report });
    });
  });
}

function killTree(child: ChildProcess): void {
  try {
    if (child.pid && process.platform !== 'win32') process.kill(-child.pid, 'SIGKILL');
    else child.kill('SIGKILL');
  } catch {
    child.kill('SIGKILL');
  }
}

function validEntries(data: any[]): SquawkEntry[] | undefined {
  const ok = data.every(
    (e) =>
      e && typeof e === 'object' &&
      typeof e.file === 'string' && typeof e.rule_name === 'string' &&
      Number.isInteger(e.line) && Number.isInteger(e.column),
  );
  return ok ? (data as SquawkEntry[]) : undefined;
}

function toFinding(e: SquawkEntry, idx: LineIndex): Finding {
  const start = idx.position(idx.offsetOfLfLineByte(e.line, e.column));
  const end = idx.position(idx.offsetOfLfLineByte(e.line_end ?? e.line, e.column_end ?? e.column));
  if (e.rule_name === 'syntax-error') {
    return {
      rule: SQUAWK_SYNTAX_RULE,
      severity: 'info',
      ...start,
      endLine: end.line,
      endColumn: end.column,
      message: `squawk could not parse this file; the built-in engine still covers it (squawk: ${e.message})`,
      engine: 'squawk',
    };
  }
  return {
    rule: e.rule_name,
    severity: e.level.toLowerCase() === 'error' ? 'error' : 'warning',
    ...start,
    endLine: end.line,
    endColumn: end.column,
    message: e.message,
    ...(e.help ? { help: e.help } : {}),
    engine: 'squawk',
  };
}

/** squawk reports every parse error of a file; one note per file says it all. */
function collapseSyntaxErrors(list: Finding[]): Finding[] {
  let seen = false;
  return list.filter((f) => {
    if (f.rule !== SQUAWK_SYNTAX_RULE) return true;
    if (seen) return false;
    seen = true;
    return true;
  });
}

type RuleSettings = Record<string, RuleSetting>;

function severitySetting(setting: RuleSettings[string] | undefined) {
  return typeof setting === 'object' ? setting.severity : setting;
}

/** squawk ids the config turns off (`rules: { prefer-robust-stmts: off }`): pass as `excludedRules`. */
export function squawkExcludedRules(rules: RuleSettings): string[] {
  return Object.keys(rules).filter((id) => severitySetting(rules[id]) === 'off').sort();
}

/** Applies a configured severity to squawk's own rules (`rules: { prefer-robust-stmts: info }`). */
export function configureSquawkFindings(findings: Finding[], rules: RuleSettings): Finding[] {
  return findings.flatMap((f) => {
    if (f.rule === SQUAWK_SYNTAX_RULE) return [f];
    const severity = severitySetting(rules[f.rule]);
    if (severity === 'off') return [];
    return severity ? [{ ...f, severity }] : [f];
  });
}
