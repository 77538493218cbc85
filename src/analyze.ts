// The one entry point of the analyzer: the CLI and the App both call analyze().
// Data flows one way: discovery → parse → facts → {rules, squawk, trace} → report.
import { availableParallelism } from 'node:os';
import type { DbarchConfig } from './config/schema.js';
import { describeLoose, discover, sortMigrations, sqlUnits } from './migrations/index.js';
import type { MigrationFile } from './migrations/types.js';
import { initParser, parseSql, type ParseOptions } from './sql/index.js';
import { blocksOf, buildFacts, catalogFromHistory, type Catalog } from './pg/index.js';
import { lintFacts } from './rules/engine.js';
import { mergeFindings, squawkAliases, squawkCovered } from './engines/merge.js';
import { RULES } from './rules/registry.js';
import { applySourceMap, dslFindings, ModelHistory, ormUnits, prepareOrm, remapFindings, type OrmSourceMap } from './orm/index.js';
import type { Telemetry } from './telemetry.js';
import { lintInParallel, parallelPlan } from './parallel/pool.js';
import { summarise } from './report/summary.js';
import type {
  Direction,
  FileReport,
  Finding,
  ParsedFile,
  Report,
  StatementFacts,
  StatementReport,
  TransactionMode,
} from './types.js';

export interface SourceFile {
  path: string;
  content: string | Uint8Array;
  /** Discovery's classification from a wider view (the whole checkout), when the caller has it. */
  migration?: MigrationFile;
}

export interface AnalyzeInput {
  /** The files to review. Files discovery does not recognise are linted as plain SQL. */
  files: SourceFile[];
  /** Earlier migrations (base branch), for the trace replay. */
  history?: SourceFile[];
  config: DbarchConfig;
  /**
   * Discovery's classification, when the caller ran it over the whole checkout: companion
   * files (Flyway `.conf`, diesel `metadata.toml`, `sqitch.plan`) decide transaction modes.
   */
  migrations?: MigrationFile[];
  /** Reads other files of the checkout for discovery (companion files); optional. */
  readFile?: (path: string) => string | undefined;
  /** Trace on PGlite, or on a real server (`databaseUrl`); `cacheDir` keeps replayed bases on disk. */
  trace?: boolean | { databaseUrl?: string | undefined; cacheDir?: string | undefined };
  signal?: AbortSignal;
  /** Where trace durations are reported (the production entry points pass metrics). */
  telemetry?: Telemetry;
  /** Worker threads for the built-in engine: `false` never, a number forces that many; default by input size. */
  parallel?: boolean | number;
}

/** One direction of one file: the unit every engine works on. */
export interface AnalysisUnit {
  file: MigrationFile;
  direction: Direction;
  transaction: TransactionMode;
  /** SQL text with the original file's line/column layout (embedded SQL is blanked around). */
  sql: string;
  /** Plain SQL files keep their bytes, so the parser can report invalid UTF-8 where it is. */
  raw?: string | Uint8Array;
  pgVersion: number;
  /** Migrations written in an ORM's DSL: where each generated statement came from. */
  orm?: OrmSourceMap;
}

/** A unit after parsing and the lock model. */
export interface AnalyzedUnit extends AnalysisUnit {
  parsed: ParsedFile;
  facts: StatementFacts[];
}

const decoder = new TextDecoder('utf-8');

function asText(content: string | Uint8Array): string {
  return typeof content === 'string' ? content : decoder.decode(content);
}

/** Discovery's view of the given files; anything it does not claim is plain SQL run as psql runs it. */
export function classify(
  files: SourceFile[],
  config: DbarchConfig,
  given: MigrationFile[] = [],
  readOther?: (path: string) => string | undefined,
): MigrationFile[] {
  const known = new Map(given.map((m) => [m.path, m]));
  for (const f of files) if (f.migration) known.set(f.path, f.migration);
  const unknown = files.filter((f) => !known.has(f.path));
  if (unknown.length > 0) {
    const byPath = new Map(unknown.map((f) => [f.path, f]));
    const found = discover({
      paths: unknown.map((f) => f.path),
      config,
      readFile: (p) => {
        const f = byPath.get(p);
        return f === undefined ? readOther?.(p) : asText(f.content);
      },
    });
    for (const m of found.migrations) known.set(m.path, m);
  }
  const byPath = new Map(files.map((f) => [f.path, f]));
  const readAny = (p: string) => {
    const f = byPath.get(p);
    return f === undefined ? readOther?.(p) : asText(f.content);
  };
  // Not a migration discovery knows: plain SQL with psql semantics, unless its content or the config says otherwise.
  return files.map((f) => known.get(f.path) ?? { ...describeLoose(f.path, { config, readFile: readAny }), path: f.path });
}

function byteLength(unit: AnalysisUnit): number {
  if (unit.raw instanceof Uint8Array) return unit.raw.byteLength;
  return Buffer.byteLength(unit.raw ?? unit.sql, 'utf8');
}

function isSqlSource(file: MigrationFile): boolean {
  return file.language === 'sql';
}

/** Every direction of every file, classified, with its SQL text. */
export function analysisUnits(
  files: SourceFile[],
  config: DbarchConfig,
  migrations?: MigrationFile[],
  readFile?: (path: string) => string | undefined,
  ormHistory: ModelHistory = new ModelHistory(),
): AnalysisUnit[] {
  const classified = classify(files, config, migrations, readFile);
  const orm = translateOrmFiles(files, classified, readFile, ormHistory);
  return files.flatMap((source, i) => {
    const file = classified[i]!;
    const pgVersion = file.pgVersion ?? config.pgVersion;
    const translated = orm.get(i);
    if (translated) return translated.map((unit): AnalysisUnit => ({ file, ...unit, pgVersion }));
    const text = asText(source.content);
    const raw = isSqlSource(file) && file.framework !== 'dbmate' ? source.content : undefined;
    return sqlUnits(file, text).map((unit): AnalysisUnit => ({
      file,
      direction: unit.direction,
      transaction: unit.transaction,
      sql: unit.sql,
      ...(raw !== undefined ? { raw } : {}),
      pgVersion,
    }));
  });
}

/** ORM files translated in apply order, so each sees the model its earlier migrations built. */
function translateOrmFiles(
  files: SourceFile[],
  classified: MigrationFile[],
  readFile: ((path: string) => string | undefined) | undefined,
  history: ModelHistory,
): Map<number, ReturnType<typeof ormUnits> & object> {
  const out = new Map<number, ReturnType<typeof ormUnits> & object>();
  const order = classified.map((f, i) => ({ f, i })).sort((a, b) => (a.f.set < b.f.set ? -1 : a.f.set > b.f.set ? 1 : a.f.orderKey < b.f.orderKey ? -1 : a.f.orderKey > b.f.orderKey ? 1 : 0));
  for (const { f, i } of order) {
    const units = ormUnits(f, asText(files[i]!.content), history, readFile ? { readFile } : {});
    if (units) out.set(i, units);
  }
  return out;
}

/** Forward migrations (not repeatables or verify scripts) in their framework's apply order. */
export function upInApplyOrder<T extends AnalysisUnit>(units: T[]): T[] {
  const ups = units.filter((u) => u.direction === 'up' && u.file.kind === 'migration');
  const order = new Map(sortMigrations(ups.map((u) => u.file)).map((f, i) => [f.path, i]));
  return ups.sort((a, b) => order.get(a.file.path)! - order.get(b.file.path)!);
}

/** The schema the earlier migrations built, so facts know existing indexes, types and keys. */
function historyCatalog(history: SourceFile[], config: DbarchConfig, readFile?: (path: string) => string | undefined): Catalog | undefined {
  if (history.length === 0) return undefined;
  const units = upInApplyOrder(analysisUnits(history, config, undefined, readFile));
  return catalogFromHistory(units.map((u) => parseSql(u.raw ?? u.sql, parseOptions(u, config))));
}

/** Template values: the config's (and the CLI's --var) over the framework configuration's. */
function parseOptions(unit: AnalysisUnit, config: DbarchConfig): ParseOptions {
  const vars = { ...unit.file.vars, ...config.vars };
  return {
    path: unit.file.path,
    maxBytes: config.maxFileBytes,
    directives: config.ignoreDirectives,
    ...(Object.keys(vars).length > 0 ? { vars } : {}),
  };
}

export function analyzeUnit(unit: AnalysisUnit, config: DbarchConfig, catalog?: Catalog): AnalyzedUnit {
  const parsed = parseSql(unit.raw ?? unit.sql, parseOptions(unit, config));
  if (unit.orm) applySourceMap(parsed, unit.orm);
  const facts = buildFacts(parsed, { transaction: unit.transaction, pgVersion: unit.pgVersion, ...(catalog ? { catalog } : {}) });
  return { ...unit, sql: parsed.source, parsed, facts };
}

function configFor(config: DbarchConfig, file: MigrationFile): DbarchConfig {
  if (!file.rules && !file.pgVersion) return config;
  return {
    ...config,
    pgVersion: file.pgVersion ?? config.pgVersion,
    rules: { ...config.rules, ...(file.rules ?? {}) },
  };
}

function statementReport(f: StatementFacts): StatementReport {
  const { span } = f.stmt;
  const strongest = f.locks.reduce<StatementReport['blocks']>(
    (acc, l) => {
      const b = blocksOf(l.mode);
      return { reads: acc.reads || b.reads, writes: acc.writes || b.writes, ddl: acc.ddl || b.ddl };
    },
    { reads: false, writes: false, ddl: false },
  );
  return {
    line: span.line,
    column: span.column,
    endLine: span.endLine,
    endColumn: span.endColumn,
    kind: f.kind,
    locks: f.locks,
    rewritesTable: f.rewrites.length > 0,
    scansTable: f.scans.length > 0,
    inTransaction: f.inTransaction,
    transactional: f.transactional,
    blocks: strongest,
  };
}

/** The built-in engine on one unit: parser notices, rule findings (and those an ignore directive silenced), the statement table. */
export function lintUnit(
  unit: AnalysisUnit,
  config: DbarchConfig,
  catalog?: Catalog,
): { findings: Finding[]; suppressed: Finding[]; statements: StatementReport[]; analyzed: AnalyzedUnit } {
  const done = analyzeUnit(unit, config, catalog);
  const findings: Finding[] = [...done.parsed.notices];
  const suppressed: Finding[] = [];
  if (config.engines.includes('builtin')) {
    const linted = lintFacts(done.facts, {
      path: unit.file.path,
      config: configFor(config, unit.file),
      direction: unit.direction,
      directives: done.parsed.directives,
      pgVersion: unit.pgVersion,
      transaction: unit.transaction,
      suppressed,
    });
    findings.push(...(unit.orm ? dslFindings(linted, unit.orm) : linted));
  }
  return { findings, suppressed, statements: done.facts.map(statementReport), analyzed: done };
}

export { summarise };

const squawkAlias = squawkAliases(RULES);
/** Cores left to squawk's processes while the built-in engine lints. */
const SQUAWK_CORES = 1;
const coveredByCatalog = squawkCovered(RULES);

function squawkProcesses(config: DbarchConfig): number {
  return Math.max(1, availableParallelism() - (config.engines.includes('builtin') ? 1 : 0));
}

export async function analyze(input: AnalyzeInput): Promise<Report> {
  const { config } = input;
  await initParser();
  await prepareOrm([...input.files, ...(input.history ?? [])].map((f) => f.path));
  const units = analysisUnits(input.files, config, input.migrations, input.readFile);
  const engines = new Set(config.engines);

  // squawk runs in its own process: start it first so it overlaps with the built-in engine.
  // Files over the size limit are skipped by both engines (the parser reports it once).
  const squawkUnits = units.flatMap((u, i) => (byteLength(u) <= config.maxFileBytes ? [{ u, i }] : []));
  // The adapter is loaded only when squawk runs (`--engines builtin` never pays for it).
  const squawkEngine = engines.has('squawk') && squawkUnits.length > 0 ? await import('./engines/squawk.js') : undefined;
  const squawk = squawkEngine
    ? squawkEngine.runSquawk(
        squawkUnits.map(({ u, i }) => ({ path: `${i}/${u.file.path}`, source: u.sql, transaction: u.transaction })),
        // One process per core the built-in engine leaves free (it keeps one busy itself).
        { pgVersion: config.pgVersion, excludedRules: squawkEngine.squawkExcludedRules(config.rules), concurrency: squawkProcesses(config) },
      )
    : undefined;

  const catalog = historyCatalog(input.history ?? [], config, input.readFile);
  const keepUnits = !!input.trace;
  const analyzed: AnalyzedUnit[] = [];
  let builtin: Finding[][] = [];
  let suppressed: Finding[][] = [];
  let statements: StatementReport[][] = [];
  // Large inputs are spread over worker threads (each with its own parser); the trace needs
  // the parse trees here, a history catalog is built once, and ORM source maps stay here too.
  // squawk keeps one core busy while the built-in engine runs: on two cores a worker thread
  // would only take turns with it (measured: slower than one thread, see docs/benchmarks.md).
  const workers =
    !keepUnits && !catalog && !units.some((u) => u.orm)
      ? parallelPlan(units.map(byteLength), input.parallel, undefined, squawk ? SQUAWK_CORES : 0)
      : 0;
  if (workers > 0) {
    const here = (u: AnalysisUnit) => {
      const { findings, suppressed: silenced, statements: table } = lintUnit(u, config);
      return { findings, suppressed: silenced, statements: table };
    };
    const results = await lintInParallel(units, config, here, workers, input.signal);
    builtin = results.map((r) => r.findings);
    suppressed = results.map((r) => r.suppressed);
    statements = results.map((r) => r.statements);
  } else {
    let lastYield = performance.now();
    for (const unit of units) {
      input.signal?.throwIfAborted();
      // Linting is synchronous: give the event loop a turn now and then, so squawk's temp files,
      // spawn and output pipes progress in parallel instead of after the whole loop.
      if (squawk && performance.now() - lastYield > 10) {
        await new Promise((resolve) => setImmediate(resolve));
        lastYield = performance.now();
      }
      const done = lintUnit(unit, config, catalog);
      builtin.push(done.findings);
      suppressed.push(done.suppressed);
      statements.push(done.statements);
      // Without the trace, ASTs are dropped as soon as a file is done: memory stays bounded.
      if (keepUnits) analyzed.push(done.analyzed);
    }
  }

  const result = squawk ? await squawk : undefined;
  const squawkFindings = units.map((u, i) => {
    if (!result || !squawkEngine) return [];
    if (result.unavailable) return [squawkEngine.engineUnavailableFinding(result.unavailable)];
    const found = squawkEngine.configureSquawkFindings(result.findings.get(`${i}/${u.file.path}`) ?? [], config.rules);
    return u.orm ? remapFindings(found, u.orm) : found;
  });

  if (input.trace) {
    const { traceUnits } = await import('./trace/analyze.js');
    const traced = await traceUnits(analyzed, builtin, {
      history: upInApplyOrder(analysisUnits(input.history ?? [], config, undefined, input.readFile)),
      config,
      databaseUrl: typeof input.trace === 'object' ? input.trace.databaseUrl : undefined,
      cacheDir: typeof input.trace === 'object' ? input.trace.cacheDir : undefined,
      readFile: input.readFile,
      telemetry: input.telemetry,
      signal: input.signal,
    });
    traced.forEach((t, i) => {
      builtin[i]!.push(...t.findings);
      for (const [index, trace] of t.statements) {
        const at = analyzed[i]!.facts.findIndex((f) => f.stmt.index === index);
        if (at >= 0) statements[i]![at]!.trace = trace;
      }
    });
  }

  const files: FileReport[] = units.map((u, i) => ({
    path: u.file.path,
    framework: u.file.framework,
    direction: u.direction,
    transaction: u.transaction,
    statements: statements[i]!,
    findings: mergeFindings(builtin[i]!, squawkFindings[i]!, squawkAlias, {
      covered: engines.has('builtin') ? coveredByCatalog : undefined,
    }),
    ...(suppressed[i]!.length ? { suppressed: suppressed[i] } : {}),
  }));
  return summarise(files);
}
