// `dbarch` command line: parse options, read files, call analyze(), format, exit code.
import { closeSync, existsSync, openSync, readFileSync, readdirSync, realpathSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import { parseArgs } from 'node:util';
// Only what every command needs is imported here: `--help` and `--version` load nothing else,
// and the lint pipeline (discovery, the analyzer, the chosen formatter) loads when a lint starts.
import { ConfigError, MAX_FILE_BYTES, defaultConfigValue } from '../config/defaults.js';
import type { DbarchConfig } from '../config/schema.js';
import type { DiscoverInput, DiscoveryResult, MigrationFile } from '../migrations/types.js';
import { FORMATS, type Format } from '../report/formats.js';
import { reportFails, unanalysedFiles, type Unanalysed } from '../report/common.js';
import { packageInfo } from '../report/version.js';
import { SEVERITIES, SEVERITY_RANK, type Report, type Severity } from '../types.js';
import type { AnalyzeInput, SourceFile } from '../analyze.js';

export type { AnalyzeInput } from '../analyze.js';

export interface CliDeps {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  cwd: string;
  /** Color the text format (default: stdout is a TTY and NO_COLOR is unset). */
  color: boolean;
  analyze: (input: AnalyzeInput) => Promise<Report>;
  discover: (input: DiscoverInput) => DiscoveryResult;
  /** Files changed since a git ref: absolute, or relative to `cwd`. */
  changedSince: (ref: string, cwd: string) => string[] | Promise<string[]>;
}

class UsageError extends Error {}

const USAGE = `Usage: dbarch lint [options] [paths...]
       dbarch ci          review this CI job's pull/merge request (see dbarch ci --help)
       dbarch worker      run a review worker only (needs REDIS_URL; see docs/deploy.md)

Reviews PostgreSQL migrations: lock modes, table rewrites and zero-downtime hazards,
each with a safe rewrite. Paths may be files or directories (default: .).

Options:
  --format <text|json|sarif|markdown|github|junit|gitlab>
                                       output format (default: text); github: workflow
                                       commands, junit: JUnit XML, gitlab: Code Quality JSON
  --pg-version <N>                     PostgreSQL major version, 10-18 (default: config, else 15)
  --config <file>                      YAML or JSON config (default: .github/dbarch.yml or dbarch.yml)
  --fail-on <error|warning|info>       lowest severity that exits 1 (default: config, else error)
  --since <git-ref>                    lint only migrations added or changed since the ref
  --engines <builtin,squawk>           engines to run (default: both)
  --trace                              replay the migrations in embedded Postgres (PGlite)
  --database-url <url>                 trace against this PostgreSQL instead (implies --trace)
  --trace-cache <dir>                  keep the schemas the trace replays in this directory, so
                                       a later run on the same history skips the replay
                                       (default: $DBARCH_CACHE_DIR, else none)
  --max-file-bytes <N>                 skip larger files with an info finding (default 2097152)
  --var <name=value>                   value for a template placeholder ({{ .name }}, \${name}, :name);
                                       repeatable, overrides the config's vars
  --concurrency <auto|off|N>           threads for the built-in engine (default auto: one per free
                                       core for large inputs when 3+ are free, else none)
  --cache                              reuse the results of unchanged files from earlier runs
                                       (not with --trace)
  --cache-location <path>              cache file or directory (default: .dbarchcache)
  --output <file>                      write the report to a file instead of stdout
  --color, --no-color                  force or disable colors in text output
  -h, --help                           show this help
  -V, --version                        print the version

Exit codes: 0 nothing reaches --fail-on, 1 something does (or a file could not be analysed,
unless the config says \`unanalysed: neutral\`), 2 usage or config error.
`;

const OPTIONS = {
  format: { type: 'string' },
  'pg-version': { type: 'string' },
  config: { type: 'string' },
  'fail-on': { type: 'string' },
  since: { type: 'string' },
  trace: { type: 'boolean' },
  'database-url': { type: 'string' },
  'trace-cache': { type: 'string' },
  engines: { type: 'string' },
  'max-file-bytes': { type: 'string' },
  var: { type: 'string', multiple: true },
  concurrency: { type: 'string' },
  cache: { type: 'boolean' },
  'cache-location': { type: 'string' },
  output: { type: 'string' },
  'no-color': { type: 'boolean' },
  color: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean', short: 'V' },
} as const;

export async function main(argv: string[], deps: Partial<CliDeps> = {}): Promise<number> {
  if (!deps.stdout) {
    // `dbarch lint … | head` closes the pipe early: stop quietly, like other CLIs.
    process.stdout.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
      throw err;
    });
  }
  const stdout = deps.stdout ?? ((t: string) => void process.stdout.write(t));
  const stderr = deps.stderr ?? ((t: string) => void process.stderr.write(t));
  try {
    // The process's own stdout also takes bytes (the cache's JSON texts, written as read).
    const stdoutBytes = deps.stdout ? undefined : (b: Uint8Array) => void process.stdout.write(b);
    return await run(argv, { ...deps, stdout, stderr }, stdoutBytes);
  } catch (err) {
    if (err instanceof UsageError || err instanceof ConfigError) {
      stderr(`dbarch: ${err.message}\n`);
      return 2;
    }
    throw err;
  }
}

async function run(
  argv: string[],
  deps: Partial<CliDeps> & Pick<CliDeps, 'stdout' | 'stderr'>,
  stdoutBytes?: (bytes: Uint8Array) => void,
): Promise<number> {
  if (argv[0] === 'ci') {
    // Its own options; loaded only when used.
    const { ciCommand } = await import('../ci/index.js');
    return ciCommand(argv.slice(1), { env: process.env, cwd: deps.cwd ?? process.cwd(), io: { out: deps.stdout, err: deps.stderr } });
  }
  const { values, positionals } = parseArgv(argv);
  if (values.version) {
    deps.stdout(`${packageInfo().version}\n`);
    return 0;
  }
  if (values.help || positionals[0] === 'help') {
    deps.stdout(USAGE);
    return 0;
  }
  const [command, ...paths] = positionals;
  if (command === undefined) throw new UsageError('missing command: use `dbarch lint <paths>` (see dbarch --help)');
  if (command === 'worker') {
    // A queue worker without the webhook receiver: scale reviews separately.
    if (!process.env.REDIS_URL) throw new UsageError('dbarch worker needs REDIS_URL: it takes its jobs from the shared queue');
    await (await import('../prod/worker.js')).runWorker();
    return 0;
  }
  if (command !== 'lint') throw new UsageError(`unknown command '${command}' (see dbarch --help)`);
  // Load the analyzer and the parser's WASM while the files are found and read.
  // With --cache the analyzer is loaded only if some file missed the cache.
  const analyzerReady = deps.analyze || values.cache ? undefined : preloadAnalyzer();
  analyzerReady?.catch(() => undefined);
  const { changedSince, describeLoose, discover: discoverMigrations, repoRoot, sortMigrations, splitByChanged } = await import('../migrations/index.js');
  // Real path: git reports the repository root resolved, and --since compares paths.
  const cwd = realpathOr(deps.cwd ?? process.cwd());
  const format: Format = oneOf('--format', values.format ?? 'text', FORMATS);
  const config = await loadConfig(values.config, cwd);
  applyOverrides(config, values);
  // Rule options are checked against each rule's schema before any file is read.
  if (Object.values(config.rules).some((r) => typeof r === 'object' && r.options !== undefined)) {
    const [problem] = (await import('../rules/engine.js')).ruleOptionErrors(config);
    if (problem) throw new UsageError(problem);
  }
  const failOn = config.failOn;
  const parallel = concurrencyOption(values.concurrency);

  const inputs = paths.length ? paths : ['.'];
  const candidates = collectFiles(inputs, cwd);
  const discover = deps.discover ?? discoverMigrations;
  const readCache = new Map<string, Buffer | undefined>();
  let roots: string[] | undefined;
  const read = (key: string): Buffer | undefined => {
    if (!readCache.has(key)) {
      // Companion files of a file named alone (diesel metadata.toml, Flyway .conf, sqitch.plan)
      // are read from beside it, so it keeps its framework's transaction mode.
      const abs = candidates.byKey.get(key)?.abs ?? besideCandidate((roots ??= candidateRoots(candidates)), key);
      try {
        readCache.set(key, abs ? readFileSync(abs) : undefined);
      } catch {
        readCache.set(key, undefined);
      }
    }
    return readCache.get(key);
  };
  // Liquibase's include order needs the changelog readers; they load only when changelogs are given.
  if ([...candidates.byKey.keys()].some((k) => /\.(xml|ya?ml|json)$/i.test(k))) await (await import('../migrations/changelog.js')).loadChangelogReaders();
  const found = discover({
    paths: [...candidates.byKey.keys()],
    config,
    readFile: (key) => read(key)?.toString('utf8'),
  });
  const migrationKeys = new Set(found.migrations.map((m) => m.path));
  // A file named on the command line is always linted, migration or not.
  const explicit = [...candidates.byKey.values()].filter((c) => c.explicit && !migrationKeys.has(c.key)).map((c) => c.key);
  let targets = [...found.migrations.map((m) => m.path), ...explicit];
  let history: string[] = [];

  if (values.since !== undefined) {
    let changed: string[];
    try {
      changed = await (deps.changedSince ?? ((ref: string, at: string) => changedFilesSince(ref, at, repoRoot, changedSince)))(values.since, cwd);
    } catch (err) {
      throw new UsageError(`--since ${values.since}: ${gitMessage(err)}`);
    }
    const changedAbs = new Set(changed.map((p) => resolve(cwd, p)));
    const changedKeys = [...candidates.byKey.values()].filter((c) => changedAbs.has(c.abs)).map((c) => c.key);
    const split = splitByChanged(found.migrations, changedKeys);
    const changedExplicit = explicit.filter((key) => changedKeys.includes(key));
    targets = [...split.targets.map((m) => m.path), ...changedExplicit];
    history = split.history.map((m) => m.path);
    if (!targets.length) deps.stderr(`dbarch: no migrations changed since ${values.since}\n`);
  }

  if (values.since === undefined && !targets.length) deps.stderr(`dbarch: no migration files found in ${inputs.join(', ')}\n`);

  // A file named alone is traced on the schema its directory's earlier migrations build.
  let earlier: MigrationFile[] = [];
  if ((values.trace || values['database-url'] !== undefined) && values.since === undefined && config.trace.enabled) {
    const alone = targets.filter((key) => candidates.byKey.get(key)?.explicit);
    if (alone.length) {
      const { earlierMigrations, historyDirectories } = await import('./history.js');
      const dirs = [...new Set(alone.flatMap((key) => historyDirectories(candidates.byKey.get(key)!.abs)))];
      const siblings = collectFiles(dirs, cwd);
      for (const [key, c] of siblings.byKey) if (!candidates.byKey.has(key)) candidates.byKey.set(key, c);
      earlier = earlierMigrations(alone, [...siblings.byKey.keys()], config, discover, (key) => read(key)?.toString('utf8'));
      history = earlier.map((m) => m.path);
    }
  }

  const analyze = async (input: AnalyzeInput) => (deps.analyze ?? (await (analyzerReady ?? preloadAnalyzer())))(input);
  const byPath = new Map([...earlier, ...found.migrations].map((m) => [m.path, m]));
  const readText = (key: string) => read(key)?.toString('utf8');
  // With --since the changed files are one change (a pull request): tables one creates are new
  // to the next. Otherwise each file is its own change, reviewed after the earlier ones.
  const together = values.since !== undefined;
  const asInput = (key: string): SourceFile => {
    // a file discovery did not claim is classified here as analyze would, so the cache keys
    // and the analysis see the same migration sets
    const migration = byPath.get(key) ?? describeLoose(key, { config, readFile: readText });
    return { path: key, content: read(key) ?? new Uint8Array(), migration, change: together ? `since ${values.since}` : key };
  };
  // The environment is read here, at the entry point: DATABASE_URL for a real server, DBARCH_CACHE_DIR for replays.
  const traceUrl = values['database-url'] ?? (values.trace ? process.env.DATABASE_URL : undefined);
  const cacheDir = values['trace-cache'] !== undefined ? resolve(cwd, values['trace-cache']) : process.env.DBARCH_CACHE_DIR;
  const traceOptions = { ...(traceUrl ? { databaseUrl: traceUrl } : {}), ...(cacheDir ? { cacheDir } : {}) };
  const trace = values.trace || traceUrl ? { trace: Object.keys(traceOptions).length > 0 ? traceOptions : (true as const) } : {};
  const historyFiles = history.map(asInput);
  // with --cache, what the analyses read is recorded, so a later run sees when it changed
  let readFile: (path: string) => string | undefined = readText;
  const run = (files: AnalyzeInput['files'], context: AnalyzeInput['files'] = []) =>
    analyze({
      files,
      ...(context.length ? { context } : {}),
      ...(historyFiles.length ? { history: historyFiles } : {}),
      config,
      // Files a migration reads at run time (Scenic's db/views/*.sql, Liquibase sqlFile), from the checkout.
      readFile,
      ...trace,
      ...(parallel !== undefined ? { parallel } : {}),
    });
  const writeOutput = (produce: (write: (chunk: string | Uint8Array) => void) => void) => {
    if (values.output) writeToFile(resolve(cwd, values.output), produce);
    else produce((chunk) => (typeof chunk === 'string' ? deps.stdout(chunk) : stdoutBytes ? stdoutBytes(chunk) : deps.stdout(Buffer.from(chunk).toString('utf8'))));
  };
  const display = (key: string) => candidates.byKey.get(key)?.display ?? key;
  let report: Report;
  // The trace runs the migrations for real each time: its results are not cached here.
  if (values.cache && !('trace' in trace)) {
    const { LintCache, analyzeWithCache, cacheFilePath, entriesReport, entriesSummary } = await import('./cache.js');
    const cache = LintCache.open(cacheFilePath(values['cache-location'], cwd), config, readText);
    readFile = cache.recording(readText);
    const { entries } = await analyzeWithCache(cache, targets.map(asInput), historyFiles, sortMigrations, run);
    const problem = cache.save();
    if (problem) deps.stderr(`dbarch: ${problem}\n`);
    if (format === 'json' && entries.every((e) => e.facts.paths.every((p) => display(p) === p))) {
      // The JSON texts the cache kept are copied out: no report is read or serialised again.
      const { writeJsonTexts } = await import('../report/json.js');
      const items = entries.filter((e) => e.facts.paths.length > 0).map((e) => () => e.jsonText());
      writeOutput((write) => writeJsonTexts(items, entriesSummary(entries), write));
      const fails = entries.some((e) => e.facts.worst !== null && SEVERITY_RANK[e.facts.worst] >= SEVERITY_RANK[failOn]);
      return verdict(entries.flatMap((e) => e.facts.unanalysed.map((u) => ({ ...u, path: display(u.path) }))), fails);
    }
    report = entriesReport(entries);
  } else {
    report = await run(targets.map(asInput));
  }

  // Report paths as the user sees them (keys drop leading ../ so discovery globs match).
  const sources = new Map<string, string>();
  for (const file of report.files) {
    const shown = display(file.path);
    if (format === 'text') {
      const bytes = read(file.path);
      if (bytes) sources.set(shown, new TextDecoder().decode(bytes).replace(/^\uFEFF/, ''));
    }
    file.path = shown;
  }

  const color = values['no-color'] ? false : (values.color ?? (!values.output && (deps.color ?? (process.stdout.isTTY === true && !process.env.NO_COLOR))));
  if (format === 'json') {
    // Written one file at a time: the whole report never sits in memory as text.
    const { writeJson } = await import('../report/json.js');
    writeOutput((write) => writeJson(report, write));
  } else {
    const { formatReport } = await import('../report/index.js');
    const output = formatReport(format, report, { color, sources, junit: { failOn } });
    if (values.output) writeFileSync(resolve(cwd, values.output), output);
    else deps.stdout(output);
  }
  return verdict(unanalysedFiles(report), reportFails(report, failOn));

  function verdict(unanalysed: Unanalysed[], fails: boolean): number {
    // Fail closed: a file dbarch could not analyse is not reported as safe.
    for (const u of unanalysed) deps.stderr(`dbarch: not analysed: ${u.path}: ${u.reason}\n`);
    if (unanalysed.length && config.unanalysed === 'failure') return 1;
    return fails ? 1 : 0;
  }
}

async function preloadAnalyzer(): Promise<CliDeps['analyze']> {
  // The parser first, on its own: its WASM is read and compiled (off this thread) while the
  // rest of the analyzer's modules load.
  const parserReady = (await import('../sql/index.js')).initParser();
  parserReady.catch(() => undefined);
  const { analyze } = await import('../analyze.js');
  await parserReady;
  return analyze;
}

type Values = ReturnType<typeof parseArgv>['values'];

function parseArgv(argv: string[]) {
  try {
    return parseArgs({ args: argv, options: OPTIONS, allowPositionals: true, strict: true });
  } catch (err) {
    const e = err as Error & { code?: string };
    const message = e.message;
    if (e.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
      const opt = /'([^']+)'/.exec(message)?.[1] ?? message;
      throw new UsageError(`unknown option ${opt} (see dbarch --help)`);
    }
    if (e.code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') {
      const opt = /'(-[^ ']+)/.exec(message)?.[1];
      if (opt && /ambiguous/.test(message)) throw new UsageError(`option ${opt} needs a value (write ${opt}=<value> for one starting with -)`);
      throw new UsageError(opt ? `option ${opt} ${/missing/.test(message) ? 'needs a value' : 'takes no value'}` : firstLine(message));
    }
    throw new UsageError(firstLine(message));
  }
}

function oneOf<T extends string>(option: string, value: string, allowed: readonly T[]): T {
  if ((allowed as readonly string[]).includes(value)) return value as T;
  throw new UsageError(`invalid ${option} '${value}': expected one of ${allowed.join(', ')}`);
}

function applyOverrides(config: DbarchConfig, values: Values): void {
  if (values['pg-version'] !== undefined) {
    const v = values['pg-version'];
    const n = /^\d+$/.test(v) ? Number(v) : NaN;
    if (!(n >= 10 && n <= 18)) throw new UsageError(`invalid --pg-version '${v}': expected a PostgreSQL major version from 10 to 18`);
    config.pgVersion = n;
  }
  if (values['fail-on'] !== undefined) config.failOn = oneOf<Severity>('--fail-on', values['fail-on'], SEVERITIES);
  if (values.engines !== undefined) {
    const list = values.engines.split(',').map((s) => s.trim()).filter(Boolean);
    const engines = list.map((e) => oneOf('--engines', e, ['builtin', 'squawk'] as const));
    if (!engines.length) throw new UsageError("invalid --engines '': expected builtin, squawk or both");
    config.engines = [...new Set(engines)];
  }
  if (values['max-file-bytes'] !== undefined) {
    const v = values['max-file-bytes'];
    if (!/^[1-9]\d*$/.test(v) || Number(v) > MAX_FILE_BYTES) {
      throw new UsageError(`invalid --max-file-bytes '${v}': expected a positive integer up to ${MAX_FILE_BYTES}`);
    }
    config.maxFileBytes = Number(v);
  }
  for (const v of values.var ?? []) {
    const eq = v.indexOf('=');
    if (eq <= 0) throw new UsageError(`invalid --var '${v}': expected name=value`);
    config.vars = { ...config.vars, [v.slice(0, eq)]: v.slice(eq + 1) };
  }
}

function concurrencyOption(value: string | undefined): boolean | number | undefined {
  if (value === undefined || value === 'auto') return undefined;
  if (value === 'off') return false;
  if (/^[1-9]\d{0,2}$/.test(value)) return Number(value);
  throw new UsageError(`invalid --concurrency '${value}': expected auto, off or a number of threads`);
}

const DEFAULT_CONFIGS = ['.github/dbarch.yml', '.github/dbarch.yaml', 'dbarch.yml', 'dbarch.yaml'];

export async function loadConfig(explicit: string | undefined, cwd: string): Promise<DbarchConfig> {
  const path = explicit ?? DEFAULT_CONFIGS.find((p) => existsSync(join(cwd, p)));
  // No config file: the defaults, without loading the schema validator.
  if (!path) return defaultConfigValue();
  const abs = resolve(cwd, path);
  let text: string;
  try {
    text = readFileSync(abs, 'utf8');
  } catch {
    throw new UsageError(`config file not found: ${path}`);
  }
  let raw: unknown;
  try {
    // Loaded only when there is a config file: most lints of a checkout without one skip it.
    const { parse: parseYaml } = await import('yaml');
    raw = parseYaml(text);
  } catch (err) {
    throw new UsageError(`invalid YAML/JSON in ${path}: ${firstLine((err as Error).message)}`);
  }
  const { parseConfig } = await import('../config/schema.js');
  return parseConfig(raw ?? {}, path);
}

interface Candidate {
  /** Path given to discovery and analyze: relative to cwd, `/`-separated, no leading ../ or /. */
  key: string;
  /** Path shown in reports: relative to cwd when inside it, else as resolved. */
  display: string;
  abs: string;
  explicit: boolean;
}

const SKIP_DIRS = new Set(['node_modules', '.git']);

function collectFiles(inputs: string[], cwd: string): { byKey: Map<string, Candidate> } {
  const byKey = new Map<string, Candidate>();
  const add = (abs: string, explicit: boolean) => {
    const rel = relative(cwd, abs).split(sep).join('/');
    const display = rel === '' ? '.' : isAbsolute(rel) ? abs : rel;
    const key = display.replace(/^(\.\.\/)+/, '').replace(/^\/+/, '');
    const prev = byKey.get(key);
    if (prev) {
      prev.explicit ||= explicit;
      return;
    }
    byKey.set(key, { key, display, abs, explicit });
  };
  for (const input of inputs) {
    const abs = resolve(cwd, input);
    let stat;
    try {
      stat = statSync(abs);
    } catch {
      throw new UsageError(`path not found: ${input}`);
    }
    if (stat.isDirectory()) walk(abs, (file) => add(file, false));
    else add(abs, true);
  }
  return { byKey };
}

/** Directories the candidates' keys are relative to (usually just the working directory). */
function candidateRoots(candidates: { byKey: Map<string, Candidate> }): string[] {
  const roots = new Set<string>();
  for (const c of candidates.byKey.values()) {
    const abs = c.abs.split(sep).join('/');
    if (abs.endsWith(`/${c.key}`)) roots.add(abs.slice(0, abs.length - c.key.length));
  }
  return [...roots];
}

/** On-disk path of a key that is not a candidate (a companion file beside one). */
function besideCandidate(roots: readonly string[], key: string): string | undefined {
  for (const root of roots) {
    const abs = resolve(root, key);
    if (existsSync(abs) && statSync(abs).isFile()) return abs;
  }
  return undefined;
}

function walk(dir: string, visit: (file: string) => void): void {
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return;
  }
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const e of entries) {
    const full = join(dir, e.name);
    // Dirent types do not follow symlinks, so a link loop cannot trap the walk.
    if (e.isDirectory()) {
      if (!SKIP_DIRS.has(e.name)) walk(full, visit);
    } else if (e.isFile()) visit(full);
  }
}

function changedFilesSince(
  ref: string,
  cwd: string,
  repoRoot: (cwd: string) => string,
  changedSince: (ref: string, root: string) => string[],
): string[] {
  const root = repoRoot(cwd);
  // From the root: `git ls-files` (untracked files) prints paths relative to its cwd.
  return changedSince(ref, root).map((p) => resolve(root, p));
}

function gitMessage(err: unknown): string {
  const e = err as Error & { stderr?: Buffer | string };
  const stderr = e.stderr ? String(e.stderr).trim() : '';
  return firstLine(stderr || e.message);
}

function writeToFile(path: string, produce: (write: (chunk: string | Uint8Array) => void) => void): void {
  const fd = openSync(path, 'w');
  try {
    produce((chunk) => {
      const bytes = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk;
      for (let at = 0; at < bytes.length; ) at += writeSync(fd, bytes, at);
    });
  } finally {
    closeSync(fd);
  }
}

function realpathOr(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return path;
  }
}

function firstLine(text: string): string {
  return text.split('\n')[0]!.trim();
}
