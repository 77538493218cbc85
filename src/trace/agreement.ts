// Agreement of the static model with PostgreSQL on real migration histories: every file of
// a project is traced in apply order on one session (PGlite or a scratch database), and for
// every statement the model's strongest lock per table, rewrites and predicted failure are
// compared with what the server did.
import { readFileSync, readdirSync, statSync, existsSync } from 'node:fs';
import { join, relative } from 'node:path';
import { configSchema, type DbarchConfigInput } from '../config/schema.js';
import { discover, sqlUnits } from '../migrations/index.js';
import { buildFacts, Catalog, catalogFromHistory } from '../pg/index.js';
import { initParser, parseSql } from '../sql/index.js';
import type { ParsedFile, StatementFacts, TransactionMode } from '../types.js';
import type { TraceSession } from './catalog.js';
import { compareLocks, describeMismatch } from './compare.js';
import {
  SUPABASE_ROLES,
  SUPABASE_STUB,
  applyQuietly,
  cleanSchemaDump,
  collectRequirements,
  createRolesSql,
  emptyRequirements,
  needsSupabaseStub,
  partitionExtensions,
  startBlank,
} from './replay.js';
import { topLevel, traceFile, type StatementTrace } from './run.js';
import type { OpenedSession, TraceTarget } from './index.js';
import { openPostgresBackend } from './postgres.js';

/** Phases of `order/<project>.tsv` that are applied (downs roll back; up-release bundles the ups again). */
const APPLIED_PHASES = new Set(['base', 'up', 'post']);

/** Projects whose layout discovery cannot infer are configured as a user would. */
const PROJECT_CONFIG: Record<string, DbarchConfigInput> = {
  musicbrainz: { migrations: [{ name: 'updates', include: ['admin/sql/updates/*.sql'] }, { name: 'releases', include: ['admin/sql/updates/schema-change/*.sql'] }] },
};

export interface CorpusFile {
  path: string;
  source: string;
  transaction: TransactionMode;
}

export interface CorpusProject {
  name: string;
  files: CorpusFile[];
}

function walk(root: string, dir = root): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? walk(root, p) : [relative(root, p).split('\\').join('/')];
  });
}

export function corpusProjects(dir: string): string[] {
  return readdirSync(join(dir, 'order'))
    .filter((f) => f.endsWith('.tsv'))
    .map((f) => f.replace(/\.tsv$/, ''))
    .sort();
}

/** The rows of a corpus project's `order/<name>.tsv`: every file with its phase and flags, in apply order. */
export function readCorpusOrder(dir: string, name: string): { phase: string; path: string; flags: string }[] {
  return readFileSync(join(dir, 'order', `${name}.tsv`), 'utf8')
    .split('\n')
    .slice(1)
    .filter(Boolean)
    .map((line) => {
      const [, phase, path, flags] = line.split('\t');
      return { phase: phase!, path: path!, flags: flags ?? '' };
    });
}

/**
 * A corpus project's applied files in apply order, each with the transaction mode dbarch's
 * discovery gives it (a `no-transaction` flag or a file discovery does not treat as a
 * migration, e.g. a schema dump: statement by statement).
 */
export function loadCorpusProject(dir: string, name: string): CorpusProject {
  const root = join(dir, name);
  const rows = readCorpusOrder(dir, name).filter((r) => APPLIED_PHASES.has(r.phase));
  const read = (p: string): string | undefined => {
    try {
      return readFileSync(join(root, p), 'utf8');
    } catch {
      return undefined;
    }
  };
  const found = discover({ paths: walk(root), config: configSchema.parse(PROJECT_CONFIG[name] ?? {}), readFile: read });
  const byPath = new Map(found.migrations.map((m) => [m.path, m]));
  const files: CorpusFile[] = [];
  for (const r of rows) {
    const content = read(r.path);
    if (content === undefined) continue;
    const m = byPath.get(r.path);
    if (!m || m.kind !== 'migration') {
      files.push({ path: r.path, source: cleanSchemaDump(content), transaction: 'none' });
      continue;
    }
    const unit = sqlUnits(m, content).find((u) => u.direction === 'up');
    if (!unit) continue;
    files.push({ path: r.path, source: unit.sql, transaction: r.flags.includes('no-transaction') ? 'none' : unit.transaction });
  }
  return { name, files };
}

// ------------------------------------------------------------ comparison records

export type Verdict = 'agree' | 'disagree' | 'unobserved';

export interface StatementComparison {
  project: string;
  path: string;
  line: number;
  kind: string;
  /** Locks: the model's strongest mode per table equals the server's. `unobserved`: not run in a transaction block on PGlite. */
  locks: Verdict;
  rewrites: Verdict;
  /** The server refused the statement (the model's prediction is in `failurePredicted`). */
  failed?: string;
  failurePredicted: boolean;
  /** One line per mismatch, for the report. */
  lockDetails: string[];
  rewriteDetail?: string;
}

export interface ProjectAgreement {
  project: string;
  files: number;
  statements: StatementComparison[];
  /** Files whose trace stopped (timeout, crash) and that were applied untraced. */
  stopped: { path: string; message: string }[];
  ms: number;
}

function kindOf(f: StatementFacts | undefined): string {
  return f?.kind ?? 'unknown';
}

/**
 * Compares one traced statement with the model. Relations the model predicts only because
 * they are created by the statement (and the trace shows no lock on them) are not counted.
 */
export function compareStatement(project: string, path: string, fact: StatementFacts, t: StatementTrace): StatementComparison {
  const predictedFailure = fact.inTransaction && !fact.transactional;
  const out: StatementComparison = {
    project,
    path,
    line: fact.stmt.span.line,
    kind: kindOf(fact),
    locks: 'unobserved',
    rewrites: 'unobserved',
    failurePredicted: predictedFailure,
    lockDetails: [],
  };
  if (t.error !== undefined) {
    out.failed = t.error;
    return out;
  }
  if (t.observed) {
    const mismatches = compareLocks(fact.stmt.index, fact.locks, t);
    out.locks = mismatches.length ? 'disagree' : 'agree';
    out.lockDetails = mismatches.map((m) => `${m.predicted ?? 'none'} → ${m.observed ?? 'none'}`);
    if (mismatches.length) out.lockDetails = mismatches.map(describeMismatch);
  }
  const created = new Set(t.created);
  const predicted = [...new Set(fact.rewrites)].filter((r) => !created.has(r)).sort();
  const seen = [...t.rewrote].sort();
  out.rewrites = predicted.join(',') === seen.join(',') ? 'agree' : 'disagree';
  if (out.rewrites === 'disagree') out.rewriteDetail = `model rewrites [${predicted.join(', ')}], the server rewrote [${seen.join(', ')}]`;
  return out;
}

// ------------------------------------------------------------ replay

export interface AgreementOptions {
  pgVersion: number;
  /** Per-file limit. */
  timeoutMs: number;
  memoryMb: number;
  /** Real server; PGlite when absent. */
  databaseUrl?: string;
  cacheDir?: string;
  /** Stop comparing after this many statements (a sample); the whole project when absent. */
  maxStatements?: number;
  onFile?: (path: string, done: number, total: number) => void;
}

async function openSession(project: CorpusProject, parsed: ParsedFile[], opts: AgreementOptions): Promise<{ opened: OpenedSession; dispose: () => Promise<void> }> {
  const req = emptyRequirements();
  for (const p of parsed) collectRequirements(p, req);
  const supabase = needsSupabaseStub(project.files.map((f) => f.source));
  if (opts.databaseUrl) {
    const targets: TraceTarget[] = project.files.map((f, i) => ({ path: f.path, source: f.source, parsed: parsed[i]!, transaction: f.transaction, direction: 'up' }));
    const backend = await openPostgresBackend({ targets, history: [], options: { timeoutMs: opts.timeoutMs, memoryMb: opts.memoryMb, pgVersion: opts.pgVersion, databaseUrl: opts.databaseUrl } }, [...req.roles]);
    try {
      const opened = await backend.open();
      return { opened, dispose: () => backend.dispose() };
    } catch (err) {
      await backend.dispose();
      throw err;
    }
  }
  if (supabase) for (const r of SUPABASE_ROLES) req.roles.add(r);
  const { load } = partitionExtensions(req.extensions);
  const w = await startBlank({ extensions: load, memoryMb: opts.memoryMb }, opts.cacheDir);
  const roles = createRolesSql(req.roles);
  if (roles) await w.exec(roles, 60_000);
  if (supabase) await w.exec(SUPABASE_STUB, 60_000);
  return { opened: { session: w, alive: () => w.alive, close: () => w.close() }, dispose: async () => undefined };
}

/**
 * Traces every applied file of the project in order on one session. A statement that fails
 * is recorded; the file's statements before it are re-applied, and tracing resumes after it
 * statement by statement, so one broken statement (a `.go` migration missing from the
 * history) does not hide the rest.
 */
export async function replayProject(project: CorpusProject, opts: AgreementOptions): Promise<ProjectAgreement> {
  await initParser();
  const t0 = performance.now();
  const parsed = project.files.map((f) => parseSql(f.source, { path: f.path, maxBytes: 64 * 1024 * 1024 }));
  const out: ProjectAgreement = { project: project.name, files: 0, statements: [], stopped: [], ms: 0 };
  const history = new Catalog();
  const { opened, dispose } = await openSession(project, parsed, opts);
  try {
    const session: TraceSession = opened.session;
    for (let i = 0; i < project.files.length; i++) {
      if (opts.maxStatements !== undefined && out.statements.length >= opts.maxStatements) break;
      const file = project.files[i]!;
      const p = parsed[i]!;
      opts.onFile?.(file.path, i, project.files.length);
      out.files++;
      const facts = buildFacts(p, { transaction: file.transaction, pgVersion: opts.pgVersion, catalog: history });
      const factByIndex = new Map(facts.map((f) => [f.stmt.index, f]));
      let rest = topLevel(p);
      let mode = file.transaction;
      while (rest.length) {
        const part: ParsedFile = { ...p, statements: p.statements.filter((s) => rest.includes(s) || (s.nested && rest.some((r) => r.index === s.nested!.parentIndex))) };
        const trace = await traceFile(session, part, { transaction: mode, pgVersion: opts.pgVersion, timeoutMs: opts.timeoutMs, memoryMb: opts.memoryMb, facts });
        for (const [index, t] of trace.statements) {
          const fact = factByIndex.get(index);
          if (fact) out.statements.push(compareStatement(project.name, file.path, fact, t));
        }
        const failure = trace.failure;
        if (!failure && !trace.skipped) break;
        if (trace.skipped) {
          // the rest does not parse: apply what parses, untraced
          await applyQuietly(session, { path: file.path, source: file.source, transaction: 'none' }, p, opts.timeoutMs);
          break;
        }
        if (failure!.kind !== 'error' && failure!.kind !== 'refused') {
          out.stopped.push({ path: file.path, message: failure!.message });
          if (!opened.alive()) throw new Error(`${file.path}: ${failure!.message}; the session did not survive`);
          break;
        }
        const at = rest.findIndex((s) => s.index === failure!.statementIndex);
        const failedFact = factByIndex.get(failure!.statementIndex);
        if (failedFact && !trace.statements.has(failure!.statementIndex))
          out.statements.push({ ...compareStatement(project.name, file.path, failedFact, { locks: [], rewrote: [], durationMs: 0, observed: false, otherLocks: [], heldBefore: [], created: [], dropped: [], error: failure!.message }) });
        // in a transaction, the statements before the failure were rolled back
        const before = rest.slice(0, Math.max(at, 0));
        if (mode === 'transaction' && before.length) {
          const text = before.map((s) => s.text).join(';\n');
          await applyQuietly(session, { path: file.path, source: text, transaction: 'none' }, { ...p, statements: before }, opts.timeoutMs);
          // applying resets the session: the file's own settings (search_path) come back
          for (const st of before) if (st.ast && 'VariableSetStmt' in st.ast && !(st.ast as { VariableSetStmt: { is_local?: boolean } }).VariableSetStmt.is_local) await session.exec(st.text, opts.timeoutMs);
        }
        rest = at < 0 ? [] : rest.slice(at + 1);
        mode = 'none';
      }
      catalogFromHistory([p], history);
      // every migration starts a fresh session: settings (search_path) do not carry over
      await session.exec('RESET ALL', opts.timeoutMs);
    }
  } finally {
    await opened.close().catch(() => undefined);
    await dispose();
  }
  out.ms = Math.round(performance.now() - t0);
  return out;
}

// ------------------------------------------------------------ summary and report

export interface DisagreementClass {
  aspect: 'lock' | 'rewrite' | 'failure';
  key: string;
  count: number;
  example: string;
}

export interface AgreementSummary {
  statements: number;
  lockCompared: number;
  lockAgree: number;
  rewriteCompared: number;
  rewriteAgree: number;
  failed: number;
  failedPredicted: number;
  unobserved: number;
  classes: DisagreementClass[];
}

/** `model predicts SHARE on public.t, the trace observed no lock` → `SHARE → none`. */
function lockClass(detail: string): string {
  const m = /predicts (.+?) on \S+, the trace observed (.+)$/.exec(detail);
  return m ? `${m[1]} → ${m[2]}` : detail;
}

function failureClass(message: string): string {
  return message
    .replace(/"[^"]*"/g, '"…"')
    .replace(/\b\d+\b/g, 'N')
    .slice(0, 90);
}

export function summarize(results: readonly ProjectAgreement[]): AgreementSummary {
  const s: AgreementSummary = { statements: 0, lockCompared: 0, lockAgree: 0, rewriteCompared: 0, rewriteAgree: 0, failed: 0, failedPredicted: 0, unobserved: 0, classes: [] };
  const classes = new Map<string, DisagreementClass>();
  const bump = (aspect: DisagreementClass['aspect'], key: string, example: string) => {
    const k = `${aspect} ${key}`;
    const c = classes.get(k);
    if (c) c.count++;
    else classes.set(k, { aspect, key, count: 1, example });
  };
  for (const r of results)
    for (const c of r.statements) {
      s.statements++;
      const where = `${c.project}/${c.path}:${c.line}`;
      if (c.failed !== undefined) {
        s.failed++;
        if (c.failurePredicted) s.failedPredicted++;
        bump('failure', `${c.failurePredicted ? 'predicted' : 'not predicted'}: ${failureClass(c.failed)}`, `${where} (${c.kind})`);
        continue;
      }
      if (c.locks === 'unobserved') s.unobserved++;
      else {
        s.lockCompared++;
        if (c.locks === 'agree') s.lockAgree++;
        else bump('lock', `${c.kind}: ${[...new Set(c.lockDetails.map(lockClass))].sort().join('; ')}`, `${where}: ${c.lockDetails.join('; ')}`);
      }
      if (c.rewrites !== 'unobserved') {
        s.rewriteCompared++;
        if (c.rewrites === 'agree') s.rewriteAgree++;
        else bump('rewrite', `${c.kind}: ${c.rewriteDetail?.replace(/\[[^\]]+\]/g, '[…]')}`, `${where}: ${c.rewriteDetail}`);
      }
    }
  s.classes = [...classes.values()].sort((a, b) => b.count - a.count || a.key.localeCompare(b.key));
  return s;
}

export function pct(n: number, d: number): string {
  return d === 0 ? 'n/a' : `${((100 * n) / d).toFixed(2)} %`;
}

/** A stable signature of every disagreement, for the regression test. */
export function disagreementKeys(results: readonly ProjectAgreement[]): string[] {
  const out: string[] = [];
  for (const r of results)
    for (const c of r.statements) {
      const where = `${c.project}/${c.path}:${c.line}`;
      if (c.locks === 'disagree') out.push(`${where} lock ${c.lockDetails.join('; ')}`);
      if (c.rewrites === 'disagree') out.push(`${where} rewrite ${c.rewriteDetail}`);
    }
  return out.sort();
}

export function corpusDir(candidates: (string | undefined)[]): string | undefined {
  return candidates.find((c): c is string => !!c && existsSync(join(c, 'MANIFEST.tsv')));
}
