// The bridge between analyze() and traceFiles(): builds the history and targets from the
// analyzer's units, asks for every suggested fix to be verified, and maps results back.
import type { DbarchConfig } from '../config/schema.js';
import { sortMigrations } from '../migrations/index.js';
import type { MigrationFile } from '../migrations/types.js';
import type { Telemetry } from '../telemetry.js';
import type { Direction, Finding, ParsedFile, StatementFacts, TraceResult, TransactionMode } from '../types.js';
import { traceFiles, type FixRequest, type TraceTarget } from './index.js';
import type { HistoryFile } from './replay.js';
import { parseSql } from '../sql/index.js';

/** What the trace needs of an analysed unit (analyze()'s AnalyzedUnit is one). */
export interface TraceableUnit {
  file: MigrationFile;
  direction: Direction;
  transaction: TransactionMode;
  sql: string;
  parsed: ParsedFile;
  facts: StatementFacts[];
  /** Set when the SQL was translated from an ORM's DSL: it replays in full, unlike embedded SQL. */
  orm?: object;
}

/** An earlier migration (base branch), classified, with its SQL text. */
export type HistoryUnit = Pick<TraceableUnit, 'file' | 'transaction' | 'sql' | 'orm'>;

export interface TraceUnitsOptions {
  /** Earlier migrations in their framework's apply order; later ones than the targets are skipped here. */
  history: HistoryUnit[];
  config: DbarchConfig;
  /** Real server instead of PGlite. */
  databaseUrl?: string | undefined;
  readFile?: ((path: string) => string | undefined) | undefined;
  /** On-disk replay cache (e.g. `.dbarch-cache`), else memory only. */
  cacheDir?: string | undefined;
  telemetry?: Telemetry | undefined;
  /** The review's cancellation: stops the trace mid-statement. */
  signal?: AbortSignal | undefined;
}

export interface TracedUnit {
  findings: Finding[];
  /** Statement index → the contract's TraceResult. */
  statements: Map<number, TraceResult>;
}

/** `x/down.sql` → `x/up.sql`, `1.down.sql` → `1.up.sql`, Flyway `U1__a.sql` → `V1__a.sql`. */
function upPathOf(downPath: string): string[] {
  const dir = downPath.includes('/') ? downPath.slice(0, downPath.lastIndexOf('/') + 1) : '';
  const base = downPath.slice(dir.length);
  const out = [downPath.replace(/down(?=[^/]*$)/i, 'up')];
  if (/^U\d/.test(base)) out.push(`${dir}V${base.slice(1)}`);
  return out;
}

/**
 * Traces the analyzed units (result i belongs to units[i]). Suggested fixes in `builtin`
 * are verified in place (`fix.verified`). Never throws: a trace that cannot run becomes a
 * `trace-unavailable` info finding on every unit.
 */
export async function traceUnits(units: TraceableUnit[], builtin: Finding[][], opts: TraceUnitsOptions): Promise<TracedUnit[]> {
  const { config } = opts;
  const empty = (): TracedUnit[] => units.map(() => ({ findings: [], statements: new Map() }));
  if (!config.trace.enabled || units.length === 0) return empty();

  // Up and down of a two-way file share a path: key them apart.
  const keyOf = units.map((u) => {
    const twin = units.some((o) => o !== u && o.file.path === u.file.path);
    return twin && u.direction === 'down' ? `${u.file.path}#down` : u.file.path;
  });
  const targetPaths = new Set(units.map((u) => u.file.path));

  // the files before the change in framework order: not the targets, nor later files of their set
  const lastKey = new Map<string, string>();
  for (const u of units) if ((lastKey.get(u.file.set) ?? '') < u.file.orderKey) lastKey.set(u.file.set, u.file.orderKey);
  const historyUnits = opts.history.filter((u) => {
    if (targetPaths.has(u.file.path)) return false;
    const last = lastKey.get(u.file.set);
    return last === undefined || u.file.orderKey < last;
  });
  const history: HistoryFile[] = historyUnits.map((u) => {
    const h: HistoryFile = { path: u.file.path, source: u.sql, transaction: u.transaction, partial: u.file.language !== 'sql' && !u.orm };
    // Templated history replays with the same values the analysis used.
    const vars = { ...u.file.vars, ...config.vars };
    if (Object.keys(vars).length > 0) h.parsed = parseSql(u.sql, { path: u.file.path, maxBytes: 64 * 1024 * 1024, vars });
    return h;
  });

  const sorted = sortMigrations(units.map((u, i) => ({ ...u.file, path: keyOf[i]!, index: i })));
  const targets: TraceTarget[] = [];
  const upKeys = new Set(units.map((u, i) => (u.direction === 'up' ? keyOf[i]! : '')).filter(Boolean));
  for (const s of sorted) {
    const u = units[s.index]!;
    const key = keyOf[s.index]!;
    const t: TraceTarget = {
      path: key,
      source: u.parsed.source,
      parsed: u.parsed,
      transaction: u.transaction,
      direction: u.direction,
      facts: u.facts,
      partial: u.file.language !== 'sql' && !u.orm,
    };
    if (u.direction === 'down') {
      const up = key.endsWith('#down') ? u.file.path : upPathOf(u.file.path).find((p) => upKeys.has(p));
      if (up) t.downOf = up;
    }
    targets.push(t);
  }

  const fixes: FixRequest[] = [];
  units.forEach((_, i) => {
    for (const f of builtin[i] ?? []) {
      if (f.fix && f.statementIndex !== undefined && !f.fix.verified) fixes.push({ path: keyOf[i]!, statementIndex: f.statementIndex, fix: f.fix });
    }
  });

  let schemaDump: { path: string; source: string } | undefined;
  const dumpFindings: Finding[] = [];
  if (config.trace.schemaDump) {
    const source = opts.readFile?.(config.trace.schemaDump);
    if (source !== undefined) schemaDump = { path: config.trace.schemaDump, source };
    else {
      const message = `trace.schemaDump ${config.trace.schemaDump} could not be read; the history was replayed instead`;
      dumpFindings.push({ rule: 'trace-unavailable', severity: 'info', line: 1, column: 1, endLine: 1, endColumn: 1, message, engine: 'trace' });
    }
  }

  try {
    const started = performance.now();
    const result = await traceFiles({
      targets,
      // a schema dump stands for the whole history
      history: schemaDump ? [] : history,
      ...(schemaDump ? { schemaDump } : {}),
      fixes,
      options: {
        timeoutMs: config.trace.timeoutSeconds * 1000,
        memoryMb: config.trace.memoryMb,
        pgVersion: config.pgVersion,
        databaseUrl: opts.databaseUrl,
        cacheDir: opts.cacheDir,
        totalMs: config.trace.totalSeconds * 1000,
        ...(opts.signal ? { signal: opts.signal } : {}),
      },
    });
    opts.telemetry?.traceDuration(performance.now() - started);
    return units.map((_, i) => {
      const key = keyOf[i]!;
      const statements = new Map<number, TraceResult>();
      for (const [index, t] of result.perStatement.get(key) ?? []) {
        const r: TraceResult = { locks: t.locks, rewrote: t.rewrote, durationMs: t.durationMs };
        if (t.error !== undefined) r.error = t.error;
        statements.set(index, r);
      }
      return { findings: [...(i === 0 ? dumpFindings : []), ...(result.findings.get(key) ?? [])], statements };
    });
  } catch (err) {
    // a cancelled review reports nothing
    if (opts.signal?.aborted) throw err;
    const message = `could not trace: ${(err as Error).message}`;
    return units.map(() => ({
      findings: [{ rule: 'trace-unavailable', severity: 'info', line: 1, column: 1, endLine: 1, endColumn: 1, message, engine: 'trace' } satisfies Finding],
      statements: new Map(),
    }));
  }
}
