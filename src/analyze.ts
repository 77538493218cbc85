// The one entry point of the analyzer: the CLI and the App both call analyze().
// Data flows one way: discovery → parse → facts → {rules, squawk, trace} → report.
import type { DbarchConfig } from './config/schema.js';
import { discover } from './migrations/index.js';
import { sqlUnits } from './migrations/extract.js';
import type { MigrationFile } from './migrations/types.js';
import { initParser, parseSql } from './sql/index.js';
import { blocksOf, buildFacts } from './pg/index.js';
import { lintFacts } from './rules/engine.js';
import { runSquawk } from './engines/squawk.js';
import { mergeFindings, squawkAliases, squawkCovered } from './engines/merge.js';
import { RULES } from './rules/registry.js';
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
  trace?: boolean | { databaseUrl?: string };
  signal?: AbortSignal;
}

/** One direction of one file, parsed and modelled: the unit every engine works on. */
export interface AnalyzedUnit {
  file: MigrationFile;
  direction: Direction;
  transaction: TransactionMode;
  sql: string;
  parsed: ParsedFile;
  facts: StatementFacts[];
  pgVersion: number;
}

const decoder = new TextDecoder('utf-8');

function asText(content: string | Uint8Array): string {
  return typeof content === 'string' ? content : decoder.decode(content);
}

/** Discovery's view of the given files; anything it does not claim is plain SQL in one transaction. */
export function classify(
  files: SourceFile[],
  config: DbarchConfig,
  given: MigrationFile[] = [],
  readOther?: (path: string) => string | undefined,
): MigrationFile[] {
  const known = new Map(given.map((m) => [m.path, m]));
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
  return files.map(
    (f) =>
      known.get(f.path) ?? {
        path: f.path,
        framework: 'sql',
        direction: /\.down\.sql$|(^|\/)down\.sql$/i.test(f.path) ? 'down' : 'up',
        transaction: config.transaction === 'none' ? 'none' : 'transaction',
        orderKey: f.path,
        set: f.path.includes('/') ? f.path.slice(0, f.path.lastIndexOf('/')) : '.',
        language: 'sql',
        kind: 'migration',
      },
  );
}

function isSqlSource(file: MigrationFile): boolean {
  return file.language === 'sql';
}

/** Parse and model every direction of every file. */
export async function analyzeUnits(
  files: SourceFile[],
  config: DbarchConfig,
  migrations?: MigrationFile[],
  readFile?: (path: string) => string | undefined,
): Promise<AnalyzedUnit[]> {
  await initParser();
  const classified = classify(files, config, migrations, readFile);
  const units: AnalyzedUnit[] = [];
  files.forEach((source, i) => {
    const file = classified[i]!;
    const pgVersion = file.pgVersion ?? config.pgVersion;
    // Plain SQL keeps its bytes so the parser can report invalid UTF-8 where it is.
    const raw = isSqlSource(file) && file.framework !== 'dbmate' ? source.content : undefined;
    for (const unit of sqlUnits(file, asText(source.content))) {
      const parsed = parseSql(raw ?? unit.sql, { path: file.path, maxBytes: config.maxFileBytes });
      const facts = buildFacts(parsed, { transaction: unit.transaction, pgVersion });
      units.push({ file, direction: unit.direction, transaction: unit.transaction, sql: parsed.source, parsed, facts, pgVersion });
    }
  });
  return units;
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

const squawkAlias = squawkAliases(RULES);
const coveredByCatalog = squawkCovered(RULES);

export function summarise(files: FileReport[]): Report {
  const summary = { files: files.length, statements: 0, errors: 0, warnings: 0, infos: 0 };
  for (const f of files) {
    summary.statements += f.statements.length;
    for (const finding of f.findings) {
      if (finding.severity === 'error') summary.errors++;
      else if (finding.severity === 'warning') summary.warnings++;
      else summary.infos++;
    }
  }
  return { files, summary };
}

export async function analyze(input: AnalyzeInput): Promise<Report> {
  const { config } = input;
  const units = await analyzeUnits(input.files, config, input.migrations, input.readFile);
  const engines = new Set(config.engines);

  const builtin = units.map((u) => {
    const fileConfig = configFor(config, u.file);
    const findings: Finding[] = [...u.parsed.notices];
    if (engines.has('builtin')) {
      findings.push(
        ...lintFacts(u.facts, {
          path: u.file.path,
          config: fileConfig,
          direction: u.direction,
          directives: u.parsed.directives,
          pgVersion: u.pgVersion,
          transaction: u.transaction,
        }),
      );
    }
    return findings;
  });

  let squawkFindings: Finding[][] = units.map(() => []);
  if (engines.has('squawk') && units.length > 0) {
    const result = await runSquawk(
      units.map((u, i) => ({ path: `${i}/${u.file.path}`, source: u.sql, transaction: u.transaction })),
      { pgVersion: config.pgVersion },
    );
    squawkFindings = units.map((u, i) => {
      if (result.unavailable) {
        return [
          {
            rule: 'engine-unavailable',
            severity: 'warning',
            line: 1,
            column: 1,
            endLine: 1,
            endColumn: 1,
            message: `The squawk engine was unavailable (${result.unavailable}); only the built-in rules checked this file.`,
            engine: 'squawk',
          } satisfies Finding,
        ];
      }
      return result.findings.get(`${i}/${u.file.path}`) ?? [];
    });
  }

  if (input.trace) {
    const { traceUnits } = await import('./trace/analyze.js');
    await traceUnits(units, builtin, {
      history: input.history ?? [],
      config,
      databaseUrl: typeof input.trace === 'object' ? input.trace.databaseUrl : undefined,
    });
  }

  const files: FileReport[] = units.map((u, i) => ({
    path: u.file.path,
    framework: u.file.framework,
    direction: u.direction,
    transaction: u.transaction,
    statements: u.facts.map(statementReport),
    findings: mergeFindings(builtin[i]!, squawkFindings[i]!, squawkAlias, {
      covered: engines.has('builtin') ? coveredByCatalog : undefined,
    }),
  }));
  return summarise(files);
}
