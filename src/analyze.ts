// The one entry point of the analyzer: the CLI and the App both call analyze().
// Data flows one way: discovery → parse → facts → {rules, squawk, trace} → report.
import { availableParallelism } from 'node:os';
import type { DbarchConfig } from './config/schema.js';
import { describeLoose, discover, sortMigrations, sqlUnits } from './migrations/index.js';
import type { MigrationFile } from './migrations/types.js';
import { initParser, parseSql, type ParseOptions } from './sql/index.js';
import { blocksOf, buildFacts, Catalog, catalogFromHistory } from './pg/index.js';
import { lintFacts } from './rules/engine.js';
import { withOptOut } from './rules/optout.js';
import { mergeFindings, squawkAliases, squawkCovered } from './engines/merge.js';
import { RULES } from './rules/registry.js';
import { applySourceMap, dslFindings, ModelHistory, ormUnits, prepareOrm, remapFindings, type OrmSourceMap, type TranslateOptions } from './orm/index.js';
import type { Telemetry } from './telemetry.js';
import { lintInParallel, parallelPlan } from './parallel/pool.js';
import type { ChunkResult } from './parallel/protocol.js';
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
  /**
   * The change (pull request, release) the file belongs to. Tables an earlier file of the same
   * change created are new to it; an earlier file of another change is applied history, whose
   * tables exist. Without a key a file is a change of its own (reviews pass one key for all
   * the files of the pull request).
   */
  change?: string;
}

export interface AnalyzeInput {
  /** The files to review. Files discovery does not recognise are linted as plain SQL. */
  files: SourceFile[];
  /** Earlier migrations (base branch): the schema the files run on, and the trace's replay. */
  history?: SourceFile[];
  /**
   * Files of the review whose report the caller already has (e.g. cached): they build the
   * schema later files see, as `files` do, but get no report of their own.
   */
  context?: SourceFile[];
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
  /** The file's change (see SourceFile.change). */
  change?: string;
  /** A later unit of the same set reads the schema this one builds: observe it after linting. */
  feeds?: boolean;
  /** Builds the schema for later units only; not reported. */
  contextOnly?: boolean;
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
  const orm = translateOrmFiles(files, classified, readFile, ormHistory, config.liquibase);
  return files.flatMap((source, i) => {
    const file = classified[i]!;
    const pgVersion = file.pgVersion ?? config.pgVersion;
    const translated = orm.get(i);
    const change = { change: source.change ?? source.path };
    if (translated) return translated.map((unit): AnalysisUnit => ({ file, ...unit, pgVersion, ...change }));
    const text = asText(source.content);
    const raw = isSqlSource(file) && file.framework !== 'dbmate' ? source.content : undefined;
    return sqlUnits(file, text).map((unit): AnalysisUnit => ({
      file,
      direction: unit.direction,
      transaction: unit.transaction,
      sql: unit.sql,
      ...(raw !== undefined ? { raw } : {}),
      pgVersion,
      ...change,
    }));
  });
}

/** ORM files translated in apply order, so each sees the model its earlier migrations built. */
function translateOrmFiles(
  files: SourceFile[],
  classified: MigrationFile[],
  readFile: ((path: string) => string | undefined) | undefined,
  history: ModelHistory,
  changesets: TranslateOptions['changesets'],
): Map<number, ReturnType<typeof ormUnits> & object> {
  const out = new Map<number, ReturnType<typeof ormUnits> & object>();
  // Files a migration refers to (Liquibase sqlFile, Scenic views) may be among the inputs.
  const given = new Map(files.map((f) => [f.path, f]));
  const read = (p: string) => {
    const f = given.get(p);
    return f ? asText(f.content) : readFile?.(p);
  };
  const order = classified.map((f, i) => ({ f, i })).sort((a, b) => (a.f.set < b.f.set ? -1 : a.f.set > b.f.set ? 1 : a.f.orderKey < b.f.orderKey ? -1 : a.f.orderKey > b.f.orderKey ? 1 : 0));
  for (const { f, i } of order) {
    const units = ormUnits(f, asText(files[i]!.content), history, { readFile: read, ...(changesets ? { changesets } : {}) });
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

/** The schema the earlier migrations (forward units in apply order) built, so facts know existing indexes, types and keys. */
export function historyCatalog(history: AnalysisUnit[], config: DbarchConfig): Catalog | undefined {
  if (history.length === 0) return undefined;
  return catalogFromHistory(history.map((u) => parseSql(u.raw ?? u.sql, parseOptions(u, config))));
}

/** Forward migrations build the schema their set's later migrations run on. */
function chained(unit: AnalysisUnit): boolean {
  return unit.direction === 'up' && unit.file.kind === 'migration';
}

/**
 * Units in the order their schema builds up: each set's forward migrations in apply order
 * (the others after them); marks the units a later one reads the schema of (`feeds`).
 * Returns the positions of `units` in that order.
 */
export function schemaOrder(units: AnalysisUnit[]): number[] {
  const rank = new Map(sortMigrations(units.map((u) => u.file)).map((f, i) => [f, i]));
  const order = units
    .map((u, i) => ({ u, i }))
    .sort((a, b) => Number(chained(b.u)) - Number(chained(a.u)) || rank.get(a.u.file)! - rank.get(b.u.file)! || a.i - b.i)
    .map((x) => x.i);
  const lastOfSet = new Map<string, number>();
  for (const i of order) if (chained(units[i]!)) lastOfSet.set(units[i]!.file.set, i);
  for (const i of order) {
    const u = units[i]!;
    u.feeds = chained(u) && lastOfSet.get(u.file.set) !== i;
  }
  return order;
}

/** What a unit's facts know of the schema before it: a catalog, and what its change created. */
export interface UnitContext {
  catalog?: Catalog;
  createdBefore?: ReadonlySet<string>;
}

/**
 * The schema as the review builds it: the history's catalog, then per migration set a layer
 * that learns from each forward migration in apply order. Units must come in schemaOrder.
 */
export class SchemaChain {
  private readonly sets = new Map<string, { catalog: Catalog; change: string | undefined }>();
  constructor(
    private readonly config: DbarchConfig,
    private readonly history?: Catalog,
  ) {}

  private layer(unit: AnalysisUnit): Catalog {
    let set = this.sets.get(unit.file.set);
    if (!set) this.sets.set(unit.file.set, (set = { catalog: new Catalog(this.history), change: unit.change }));
    else if (set.change !== unit.change) {
      set.catalog.startChange();
      set.change = unit.change;
    }
    return set.catalog;
  }

  /** The schema the unit runs on. */
  before(unit: AnalysisUnit): UnitContext {
    if (!chained(unit)) return this.history ? { catalog: this.history } : {};
    const catalog = this.layer(unit);
    return { catalog, createdBefore: catalog.freshRelations() };
  }

  /** Learn from a unit just linted (its parse tree), when a later unit needs it. */
  after(unit: AnalysisUnit, parsed: ParsedFile): void {
    if (unit.feeds) catalogFromHistory([parsed], this.layer(unit));
  }

  /** Learn from a unit linted elsewhere (another thread, or a cache): parse it here. */
  skip(unit: AnalysisUnit): void {
    if (unit.feeds) this.after(unit, parseSql(unit.raw ?? unit.sql, parseOptions(unit, this.config)));
  }
}

/**
 * One thread's share of the linting: chunks of units in schemaOrder, each after the units
 * other threads linted before it (`prelude`, only parsed to learn their schema).
 */
export class LintLane {
  private readonly chain: SchemaChain;
  constructor(
    private readonly config: DbarchConfig,
    history?: Catalog,
  ) {
    this.chain = new SchemaChain(config, history);
  }

  run(prelude: AnalysisUnit[], units: AnalysisUnit[]): ChunkResult[] {
    for (const u of prelude) this.chain.skip(u);
    return units.map((u) => {
      if (u.contextOnly) {
        this.chain.skip(u);
        return { findings: [], suppressed: [], statements: [] };
      }
      const r = lintUnit(u, this.config, this.chain.before(u));
      this.chain.after(u, r.analyzed.parsed);
      return { findings: r.findings, suppressed: r.suppressed, statements: r.statements };
    });
  }
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
  const facts = buildFacts(parsed, {
    transaction: unit.transaction,
    pgVersion: unit.pgVersion,
    ...(catalog ? { catalog } : {}),
    ...(unit.file.singleQuery && !unit.orm ? { singleQuery: true } : {}),
  });
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
  context: UnitContext = {},
): { findings: Finding[]; suppressed: Finding[]; statements: StatementReport[]; analyzed: AnalyzedUnit } {
  const done = analyzeUnit(unit, config, context.catalog);
  const findings: Finding[] = [...done.parsed.notices];
  const suppressed: Finding[] = [];
  const schema = unit.file.kind === 'schema';
  if (schema)
    findings.push({
      rule: 'schema-dump',
      severity: 'info',
      line: 1,
      column: 1,
      endLine: 1,
      endColumn: 1,
      message: `${unit.file.path} is a schema dump (pg_dump output), loaded into an empty database: only the rules about the schema's design run on it, not those about changing a live one.`,
      engine: 'builtin',
    });
  if (config.engines.includes('builtin')) {
    const linted = lintFacts(done.facts, {
      path: unit.file.path,
      config: configFor(config, unit.file),
      direction: unit.direction,
      directives: done.parsed.directives,
      pgVersion: unit.pgVersion,
      transaction: unit.transaction,
      suppressed,
      ...(context.createdBefore?.size ? { createdBefore: context.createdBefore } : {}),
      ...(schema ? { rules: SCHEMA_RULES } : {}),
    });
    // a multi-statement query (Prisma's migration.sql) runs as one implicit transaction
    const mode = unit.file.singleQuery && done.parsed.statements.filter((s) => !s.nested).length > 1 ? 'transaction' : unit.transaction;
    const withFrameworkOptOut = (f: Finding) => (f.fix?.outsideTransaction ? { ...f, fix: withOptOut(f.fix, unit.file.framework, unit.file.path, mode) } : f);
    findings.push(...(unit.orm ? dslFindings(linted, unit.orm) : linted).map(withFrameworkOptOut));
  }
  return { findings, suppressed, statements: done.facts.map(statementReport), analyzed: done };
}

export { summarise };

const squawkAlias = squawkAliases(RULES);
/** A schema dump's DROP … IF EXISTS prelude and CREATEs meet no table and no traffic: only design rules apply. */
const SCHEMA_RULES = RULES.filter((r) => r.meta.category === 'data-modeling' || r.meta.id === 'identifier-too-long');
/** Cores left to squawk's processes while the built-in engine lints. */
const SQUAWK_CORES = 1;
const coveredByCatalog = squawkCovered(RULES);

function squawkProcesses(config: DbarchConfig): number {
  return Math.max(1, availableParallelism() - (config.engines.includes('builtin') ? 1 : 0));
}

export async function analyze(input: AnalyzeInput): Promise<Report> {
  const { config } = input;
  await initParser();
  await prepareOrm([...(input.context ?? []), ...input.files, ...(input.history ?? [])]);
  // The earlier migrations are translated first, into the model state the PR's own ORM
  // migrations then start from: AlterField / change_column know the old type.
  const ormHistory = new ModelHistory();
  const historyUnits = input.history?.length ? upInApplyOrder(analysisUnits(input.history, config, undefined, input.readFile, ormHistory)) : [];
  const context = input.context ?? [];
  const all = analysisUnits([...context, ...input.files], config, input.migrations, input.readFile, ormHistory);
  const contextPaths = new Set(context.map((f) => f.path));
  for (const u of all) if (contextPaths.has(u.file.path)) u.contextOnly = true;
  const units = all.filter((u) => !u.contextOnly);
  const reported = new Map(units.map((u, i) => [u, i]));
  const engines = new Set(config.engines);

  // squawk runs in its own process: start it first so it overlaps with the built-in engine.
  // Files over the size limit are skipped by both engines (the parser reports it once).
  const squawkUnits = units.flatMap((u, i) => (byteLength(u) <= config.maxFileBytes && u.file.kind !== 'schema' ? [{ u, i }] : []));
  // The adapter is loaded only when squawk runs (`--engines builtin` never pays for it).
  const squawkEngine = engines.has('squawk') && squawkUnits.length > 0 ? await import('./engines/squawk.js') : undefined;
  const squawk = squawkEngine
    ? squawkEngine.runSquawk(
        squawkUnits.map(({ u, i }) => ({ path: `${i}/${u.file.path}`, source: u.sql, transaction: u.transaction })),
        // One process per core the built-in engine leaves free (it keeps one busy itself).
        { pgVersion: config.pgVersion, excludedRules: squawkEngine.squawkExcludedRules(config.rules), concurrency: squawkProcesses(config) },
      )
    : undefined;

  const catalog = historyCatalog(historyUnits, config);
  const keepUnits = !!input.trace;
  const analyzed: AnalyzedUnit[] = [];
  const builtin: Finding[][] = [];
  const suppressed: Finding[][] = [];
  const statements: StatementReport[][] = [];
  // Each unit sees the schema its history and the earlier units of its set built: units are
  // linted in that order (results land in unit order).
  const order = schemaOrder(all);
  // Large inputs are spread over worker threads (each with its own parser, rebuilding the
  // schema from the units before its chunks); the trace needs the parse trees here, and ORM
  // source maps stay here too. squawk keeps one core busy while the built-in engine runs: on
  // two cores a worker thread would only take turns with it (measured, docs/benchmarks.md).
  const workers = !keepUnits && !units.some((u) => u.orm) ? parallelPlan(units.map(byteLength), input.parallel, undefined, squawk ? SQUAWK_CORES : 0) : 0;
  const store = (unit: AnalysisUnit, r: ChunkResult) => {
    const at = reported.get(unit);
    if (at === undefined) return;
    builtin[at] = r.findings;
    suppressed[at] = r.suppressed;
    statements[at] = r.statements;
  };
  if (workers > 0) {
    const ordered = order.map((i) => all[i]!);
    const newLane = () => {
      const lane = new LintLane(config, catalog);
      return (prelude: AnalysisUnit[], chunk: AnalysisUnit[]) => lane.run(prelude, chunk);
    };
    const results = await lintInParallel(ordered, config, newLane, workers, input.signal, true, historyUnits);
    results.forEach((r, k) => store(ordered[k]!, r));
  } else {
    const chain = new SchemaChain(config, catalog);
    let lastYield = performance.now();
    for (const i of order) {
      const unit = all[i]!;
      input.signal?.throwIfAborted();
      // Linting is synchronous: give the event loop a turn now and then, so squawk's temp files,
      // spawn and output pipes progress in parallel instead of after the whole loop.
      if (squawk && performance.now() - lastYield > 10) {
        await new Promise((resolve) => setImmediate(resolve));
        lastYield = performance.now();
      }
      if (unit.contextOnly) {
        chain.skip(unit);
        continue;
      }
      const done = lintUnit(unit, config, chain.before(unit));
      chain.after(unit, done.analyzed.parsed);
      store(unit, done);
      // Without the trace, ASTs are dropped as soon as a file is done: memory stays bounded.
      if (keepUnits) analyzed[reported.get(unit)!] = done.analyzed;
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
      history: historyUnits,
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
