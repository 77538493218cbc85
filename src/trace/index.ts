// The trace: run the migrations of a change on the schema as it was before,
// in embedded PostgreSQL (PGlite, in a worker thread) or on a real server, and record
// what each statement really did.
//
// One call does it all:
//
//   traceFiles(input: TraceFilesInput): Promise<TraceFilesResult>
//
//   input.history   earlier migrations (up files), ALREADY IN FRAMEWORK ORDER, each with its
//                   transaction mode; or input.schemaDump (pg_dump SQL) loaded first.
//   input.targets   the changed files in apply order; a down file names its up in `downOf`
//                   (up → down → up is run and the schemas compared).
//   input.fixes     suggested fixes to verify; each verdict is also set on `fix.verified`.
//   input.options   { timeoutMs (per migration), memoryMb, pgVersion, databaseUrl?, cacheDir? }
//
//   → perStatement: path → statement index → StatementTrace (a TraceResult + details)
//     findings:     path → trace findings (engine 'trace'): trace-failed (error),
//                   trace-timeout / trace-memory / trace-not-reversible (warning),
//                   trace-unavailable / trace-lock-mismatch (info)
//     fixVerdicts, mismatches, base (replay cache info), engine
//
// The replayed base state is cached by a hash of the history (memory LRU, plus
// `options.cacheDir` on disk), so a second review of the same base does not replay.
import type { Direction, Finding, Fix, LockRef, ParsedFile, Severity, StatementFacts, TransactionMode } from '../types.js';
import { buildFacts, catalogFromHistory, type Catalog } from '../pg/index.js';
import { initParser, parseSql, LineIndex } from '../sql/index.js';
import { diffSchemas, snapshotSchema, strongestPerRelation, type TraceSession } from './catalog.js';
import { compareWithStatic, mismatchFindings, type LockMismatch } from './compare.js';
import { openPostgresBackend } from './postgres.js';
import {
  applyQuietly,
  baseState,
  collectRequirements,
  createRolesSql,
  emptyRequirements,
  parseHistory,
  partitionExtensions,
  type HistoryFile,
  type ReplayIssue,
} from './replay.js';
import { topLevel, traceFile, type FileTrace, type StatementTrace } from './run.js';
import { PgliteWorker, TraceAbort } from './worker.js';

export { compareWithStatic, compareLocks, mismatchFindings, describeMismatch, type LockMismatch } from './compare.js';
export { traceFile, type StatementTrace, type FileTrace, type FileFailure } from './run.js';
export { PgliteWorker, TraceAbort, availableExtensions } from './worker.js';
export { baseState, clearReplayCache, historyKey, type HistoryFile, type ReplayIssue, type BaseState } from './replay.js';
export { diffSchemas, snapshotSchema, type TraceSession } from './catalog.js';
export type { TraceTarget, FixRequest, TraceOptions, TraceFilesInput, FixVerdict, TraceFilesResult, OpenedSession, Backend } from './types.js';
import type { TraceTarget, FixRequest, TraceOptions, TraceFilesInput, FixVerdict, TraceFilesResult, OpenedSession, Backend } from './types.js';

function pgliteSession(w: PgliteWorker, start: { extensions: string[]; memoryMb: number }): OpenedSession {
  return {
    session: w,
    alive: () => w.alive,
    close: () => w.close(),
    async snapshot() {
      const dump = await w.dump(120_000);
      return async () => pgliteSession(await PgliteWorker.start({ dump, ...start }), start);
    },
  };
}

/**
 * One PGlite instance started ahead of need on the base state the last review used, so the
 * next review of the same repository does not wait for a start. Only long-lived processes
 * (the App's workers) keep one: see keepWarmInstance.
 */
let warm: { key: string; start: string; worker: Promise<PgliteWorker> } | undefined;
let keepWarm = false;

/** Whether to keep one instance started ahead (entry points of long-lived processes turn it on). */
export function keepWarmInstance(on: boolean): void {
  keepWarm = on;
  if (!on) void takeWarm(undefined, '');
}

/** The parked instance when it matches; any other is closed. */
async function takeWarm(key: string | undefined, start: string): Promise<PgliteWorker | undefined> {
  const parked = warm;
  warm = undefined;
  if (!parked) return undefined;
  const w = await parked.worker.catch(() => undefined);
  if (!w) return undefined;
  if (parked.key === key && parked.start === start && w.alive) {
    w.ref();
    return w;
  }
  await w.close();
  return undefined;
}

/** Starts a fresh instance on the state (never used: nothing of an earlier review is left in it). */
function park(key: string, start: { extensions: string[]; memoryMb: number }, dump: Uint8Array): void {
  void takeWarm(undefined, '');
  const worker = PgliteWorker.start({ dump, ...start, background: true });
  worker.catch(() => undefined);
  warm = { key, start: startKey(start), worker };
}

function startKey(start: { extensions: string[]; memoryMb: number }): string {
  return `${start.memoryMb}:${[...start.extensions].sort().join(',')}`;
}

async function openPgliteBackend(input: TraceFilesInput, extensions: string[], roles: string[]): Promise<Backend> {
  const { options } = input;
  const r = await baseState(
    { history: input.history, schemaDump: input.schemaDump },
    {
      memoryMb: options.memoryMb,
      timeoutMs: Math.max(options.timeoutMs, 60_000),
      cacheDir: options.cacheDir,
      extraExtensions: extensions,
      extraRoles: roles,
      extraSources: input.targets.map((t) => t.source),
    },
  );
  let first = r.worker;
  const load = [...new Set([...r.state.extensions, ...extensions])];
  const rolesSql = createRolesSql(roles);
  const start = { extensions: load, memoryMb: options.memoryMb };
  return {
    engine: 'pglite',
    base: {
      key: r.state.key,
      fromCache: r.fromCache,
      replayMs: r.fromCache ? 0 : r.state.replayMs,
      issues: r.state.issues,
      unavailableExtensions: r.state.unavailable,
    },
    async open() {
      if (first) {
        const w = first;
        first = undefined;
        return pgliteSession(w, start);
      }
      const w = (await takeWarm(r.state.key, startKey(start))) ?? (await PgliteWorker.start({ dump: r.state.dump, ...start }));
      if (rolesSql) await w.exec(rolesSql, 60_000);
      return pgliteSession(w, start);
    },
    async dispose() {
      await first?.close();
      await r.saved;
      if (keepWarm) park(r.state.key, start, r.state.dump);
    },
  };
}

// ------------------------------------------------------------ findings

function finding(
  parsed: ParsedFile,
  rule: string,
  severity: Severity,
  message: string,
  at: { statementIndex?: number; offset?: number },
  extra: Partial<Finding> = {},
): Finding {
  const stmt = at.statementIndex !== undefined ? parsed.statements.find((s) => s.index === at.statementIndex) : undefined;
  let span = stmt?.span ?? { line: 1, column: 1, endLine: 1, endColumn: 1 };
  if (stmt && at.offset !== undefined && at.offset >= stmt.span.offset && at.offset < stmt.span.endOffset) {
    const p = new LineIndex(parsed.source).position(at.offset);
    span = { ...span, line: p.line, column: p.column };
  }
  const f: Finding = {
    rule,
    severity,
    line: span.line,
    column: span.column,
    endLine: span.endLine,
    endColumn: span.endColumn,
    message,
    engine: 'trace',
    ...extra,
  };
  if (stmt) f.statementIndex = stmt.index;
  return f;
}

/** SQLSTATEs of a reference to an object that does not exist (table, column, function, type, schema). */
const UNDEFINED_OBJECT = new Set(['42P01', '42703', '42883', '42704', '3F000']);

function failureFindings(target: TraceTarget, trace: FileTrace, ctx: { unavailable: string[]; issues: ReplayIssue[]; engine: string; partial: boolean; noBase?: boolean }, what = 'migration'): Finding[] {
  const failure = trace.failure;
  if (!failure) return [];
  const at = { statementIndex: failure.statementIndex, offset: failure.offset };
  if (failure.kind === 'timeout') return [finding(target.parsed, 'trace-timeout', 'warning', failure.message, at, { help: 'The trace ran the statement on the schema before the change and stopped it at the configured limit (trace.timeoutSeconds); on a production-size table it will take longer.' })];
  if (failure.kind === 'memory') return [finding(target.parsed, 'trace-memory', 'warning', failure.message, at, { help: 'The trace limits the memory of the embedded PostgreSQL (trace.memoryMb).' })];
  if (failure.kind === 'refused') return [finding(target.parsed, 'trace-unavailable', 'info', `not traced: ${failure.message}`, at)];
  if (failure.kind === 'crash') return [finding(target.parsed, 'trace-unavailable', 'info', `could not trace: ${failure.message}`, at)];
  if (ctx.unavailable.length) {
    const list = ctx.unavailable.join(', ');
    return [finding(target.parsed, 'trace-unavailable', 'info', `could not trace: extension ${list} unavailable; the statement failed with: ${failure.message}`, at)];
  }
  if (ctx.noBase && failure.code && UNDEFINED_OBJECT.has(failure.code)) {
    // nothing built the schema the migration runs on: its objects were never seen
    return [finding(target.parsed, 'trace-unavailable', 'info', `not traced: no earlier migrations or schema dump to build the schema it runs on, and it uses objects the trace never saw (${failure.message}). Lint the whole migrations directory, or set trace.schemaDump.`, at)];
  }
  if (ctx.partial || target.partial) {
    return [finding(target.parsed, 'trace-unavailable', 'info', `could not trace reliably: the history or this migration is written in the framework's DSL, and only its SQL is replayed; the statement failed with: ${failure.message}`, at)];
  }
  const where = ctx.engine === 'pglite' ? 'the embedded PostgreSQL 18 (PGlite)' : 'the PostgreSQL server';
  let help = `The ${what} was run on ${where} after replaying the earlier migrations, and PostgreSQL refused it.`;
  if (ctx.issues.length) {
    const first = ctx.issues[0]!;
    help += ` Note: ${ctx.issues.length} statement(s) of the history failed during replay (first: ${first.path}:${first.line}: ${first.message}), which may explain this.`;
  }
  return [finding(target.parsed, 'trace-failed', 'error', `${what === 'migration' ? 'migration fails' : `${what} fails`} on the base schema: ${failure.message}`, at, { help, category: 'integrity' })];
}

function lockPhrase(locks: LockRef[]): string {
  return locks.length ? locks.map((l) => `${l.mode} on ${l.relation}`).join(', ') : 'no table lock';
}

/** "verified: takes SHARE UPDATE EXCLUSIVE on public.orders, no rewrite". */
export function describeVerified(traces: StatementTrace[]): string {
  const rewrote = [...new Set(traces.flatMap((t) => t.rewrote))].sort();
  const parts = traces.map((t) => `takes ${lockPhrase(strongestPerRelation(t.locks))}${t.observed ? '' : ' (documented mode: cannot be observed in one session)'}`);
  const steps = parts.length === 1 ? parts[0]! : parts.map((p, i) => `${i + 1}) ${p}`).join('; ');
  return `verified: ${steps}, ${rewrote.length ? `rewrites ${rewrote.join(', ')}` : 'no rewrite'}`;
}

// ------------------------------------------------------------ main entry

export async function traceFiles(input: TraceFilesInput): Promise<TraceFilesResult> {
  await initParser();
  const { options } = input;
  const req = emptyRequirements();
  for (const t of input.targets) collectRequirements(t.parsed, req);
  const fixParsed = (input.fixes ?? []).map((f, i) => parseSql(f.fix.sql, { path: `${f.path}#fix${i + 1}` }));
  for (const p of fixParsed) collectRequirements(p, req);
  const targetExt = partitionExtensions(req.extensions);
  const roles = [...req.roles];

  const backend = options.databaseUrl
    ? await openPostgresBackend(input, roles)
    : await openPgliteBackend(input, targetExt.load, roles);
  const result: TraceFilesResult = {
    engine: backend.engine,
    perStatement: new Map(),
    findings: new Map(),
    fixVerdicts: [],
    mismatches: new Map(),
    base: backend.base,
  };
  const unavailable = [...new Set([...backend.base.unavailableExtensions, ...(backend.engine === 'pglite' ? targetExt.unavailable : [])])].sort();
  const noBase = !input.schemaDump && !input.history.some((h) => h.direction !== 'down');
  const ctx = { unavailable, issues: backend.base.issues, engine: backend.engine, partial: input.history.some((h) => h.partial), noBase };
  const add = (path: string, ...fs: Finding[]) => {
    if (!fs.length) return;
    const list = result.findings.get(path) ?? [];
    list.push(...fs);
    result.findings.set(path, list);
  };

  const downs = new Map<string, TraceTarget>();
  for (const t of input.targets) if (t.direction === 'down' && t.downOf) downs.set(t.downOf, t);
  const ups = input.targets.filter((t) => !(t.direction === 'down' && t.downOf && input.targets.some((u) => u.path === t.downOf)));

  let opened: OpenedSession | undefined;
  /** The fix check in progress, closed too when the review is cancelled. */
  let checking: OpenedSession | undefined;
  /** A session on the base state started ahead for a fix check. */
  let spare: Promise<OpenedSession> | undefined;
  /** Targets applied so far on the current session, to restore a fresh session after a kill. */
  const applied: TraceTarget[] = [];
  const startOf = new Map<string, TraceTarget[]>();
  /** The schema just before each target that has fixes to verify (when the backend can copy it). */
  const copies = new Map<string, () => Promise<OpenedSession>>();
  const deadline = performance.now() + (options.totalMs ?? Infinity);
  const left = () => deadline - performance.now();
  /** A per-step limit that also ends at the review's deadline. */
  const within = (ms: number) => Math.max(1, Math.min(ms, left()));
  const outOfTime = () => `the trace of this review reached its total limit of ${Math.round((options.totalMs ?? 0) / 1000)} s (trace.totalSeconds)`;
  // a cancelled review must not keep a statement running: closing its session stops it
  const onAbort = () => {
    void opened?.close();
    void checking?.close();
  };
  options.signal?.addEventListener('abort', onAbort, { once: true });
  const ensure = async (): Promise<TraceSession> => {
    options.signal?.throwIfAborted();
    if (opened?.alive()) return opened.session;
    await opened?.close();
    opened = await backend.open();
    // cancelled while it opened: the listener had no session to close
    options.signal?.throwIfAborted();
    for (const t of applied) await applyQuietly(opened.session, t, t.parsed, within(Math.max(options.timeoutMs, 60_000)));
    return opened.session;
  };
  // the lock model needs the schema to name partitions, children and FK targets
  let catalog: Catalog | undefined;
  const factsOf = (t: TraceTarget): StatementFacts[] => {
    if (t.facts) return t.facts;
    catalog ??= catalogFromHistory(input.history.filter((h) => h.direction !== 'down').map(parseHistory));
    return buildFacts(t.parsed, { transaction: t.transaction, pgVersion: options.pgVersion, catalog });
  };
  const traceOpts = (t: { transaction: TransactionMode }, facts?: StatementFacts[]) => ({
    transaction: t.transaction,
    pgVersion: options.pgVersion,
    timeoutMs: within(options.timeoutMs),
    memoryMb: options.memoryMb,
    facts,
  });

  try {
    for (const target of ups) {
      if (unavailable.length) {
        const own = target.parsed.statements.find((s) => {
          const name = (s.ast as { CreateExtensionStmt?: { extname?: string } } | undefined)?.CreateExtensionStmt?.extname;
          return name !== undefined && unavailable.includes(name.toLowerCase());
        });
        add(
          target.path,
          finding(target.parsed, 'trace-unavailable', 'info', `could not trace: extension ${unavailable.join(', ')} unavailable in the embedded PostgreSQL; static analysis still applies`, { statementIndex: own?.index }),
        );
      }
      // under a second left: not worth starting (restoring a session alone takes that)
      if (left() < 1_000) {
        add(target.path, finding(target.parsed, 'trace-unavailable', 'info', `not traced: ${outOfTime()}`, {}));
        continue;
      }
      let session: TraceSession;
      try {
        session = await ensure();
      } catch (err) {
        if (!(err instanceof TraceAbort) || left() > 0) throw err;
        add(target.path, finding(target.parsed, 'trace-unavailable', 'info', `not traced: ${outOfTime()}`, {}));
        continue;
      }
      startOf.set(target.path, [...applied]);
      if (input.fixes?.some((f) => f.path === target.path)) {
        // Before the first target the schema is the base state itself: a session for its fix
        // starts now, beside the trace, instead of a copy of this one afterwards.
        if (applied.length === 0 && backend.engine === 'pglite') {
          spare ??= backend.open();
          spare.catch(() => undefined);
        } else if (opened?.snapshot) copies.set(target.path, await opened.snapshot());
      }
      const facts = factsOf(target);
      const down = downs.get(target.path);
      const before = down ? await snapshotSchema(session, 60_000) : undefined;
      const trace = await traceFile(session, target.parsed, traceOpts(target, facts));
      result.perStatement.set(target.path, trace.statements);
      add(target.path, ...failureFindings(target, trace, ctx));
      const mismatches = compareWithStatic(facts, trace.statements);
      if (mismatches.length) {
        result.mismatches.set(target.path, mismatches);
        add(target.path, ...mismatchFindings(facts, mismatches));
      }
      if (trace.failure && trace.failure.kind !== 'error' && trace.failure.kind !== 'refused') continue; // session killed; target not applied
      applied.push(target);
      if (down && before && !trace.failure && opened?.alive()) await checkReversible(target, down, before);
    }
    for (const t of input.targets) {
      if (t.direction === 'down' && !result.perStatement.has(t.path) && !ups.includes(t)) {
        add(t.path, finding(t.parsed, 'trace-unavailable', 'info', 'not traced: its up migration failed or was not traced', {}));
      }
    }

    await verifyFixes();
    options.signal?.throwIfAborted();
  } finally {
    options.signal?.removeEventListener('abort', onAbort);
    await opened?.close();
    await spare?.then((x) => x.close(), () => undefined);
    await backend.dispose();
  }
  return result;

  async function checkReversible(up: TraceTarget, down: TraceTarget, beforeUp: Map<string, string>): Promise<void> {
    const session = await ensure();
    const afterUp = await snapshotSchema(session, 60_000);
    const downFacts = factsOf(down);
    const downTrace = await traceFile(session, down.parsed, traceOpts(down, downFacts));
    result.perStatement.set(down.path, downTrace.statements);
    add(down.path, ...failureFindings(down, downTrace, ctx, 'down migration'));
    if (downTrace.failure) {
      if (downTrace.failure.kind !== 'error') {
        // the session is gone: restore it with the up applied
        await ensure();
      }
      return;
    }
    const diff = diffSchemas(beforeUp, await snapshotSchema(session, 60_000));
    const firstStmt = topLevel(down.parsed)[0]?.index;
    if (diff.length) {
      add(
        down.path,
        finding(down.parsed, 'trace-not-reversible', 'warning', `the down migration does not restore the schema of before ${up.path}: ${summarize(diff)}`, { statementIndex: firstStmt }, { category: 'backward-compatibility' }),
      );
    }
    const again = await traceFile(session, up.parsed, traceOpts(up));
    if (again.failure) {
      add(
        down.path,
        finding(down.parsed, 'trace-not-reversible', 'warning', `${up.path} fails when re-applied after this down migration: ${again.failure.message}`, { statementIndex: firstStmt }, { category: 'backward-compatibility' }),
      );
      if (again.failure.kind !== 'error') await ensure();
      return;
    }
    const diff2 = diffSchemas(afterUp, await snapshotSchema(session, 60_000));
    if (diff2.length) {
      add(
        down.path,
        finding(down.parsed, 'trace-not-reversible', 'warning', `up → down → up does not give the same schema: ${summarize(diff2)}`, { statementIndex: firstStmt }, { category: 'backward-compatibility' }),
      );
    }
  }

  async function verifyFixes(): Promise<void> {
    const fixes = input.fixes ?? [];
    const max = options.maxFixes ?? 20;
    for (let i = 0; i < fixes.length; i++) {
      const req = fixes[i]!;
      const target = input.targets.find((t) => t.path === req.path);
      let verdict: { ok: boolean; note: string };
      options.signal?.throwIfAborted();
      if (i >= max) verdict = { ok: false, note: `not verified: more than ${max} fixes in this change` };
      else if (!target) verdict = { ok: false, note: 'not verified: the file was not traced' };
      else if (left() <= 0) verdict = { ok: false, note: `not verified: ${outOfTime()}` };
      else {
        const prefix = startOf.get(target.path) ?? [];
        verdict = await verifyOnFreshSession(target, prefix, req, fixParsed[i]!);
      }
      req.fix.verified = verdict;
      result.fixVerdicts.push({ ...req, verdict });
    }
  }

  async function verifyOnFreshSession(target: TraceTarget, prefix: TraceTarget[], req: FixRequest, parsedFix: ParsedFile): Promise<{ ok: boolean; note: string }> {
    let s: OpenedSession | undefined;
    try {
      // from the copy taken before the target ran; else the earlier targets are replayed
      const copy = copies.get(target.path);
      const ready = !copy && prefix.length === 0 ? spare : undefined;
      if (ready) spare = undefined;
      s = checking = copy ? await copy() : ready ? await ready : await backend.open();
      options.signal?.throwIfAborted();
      if (!copy) for (const t of prefix) await applyQuietly(s.session, t, t.parsed, within(Math.max(options.timeoutMs, 60_000)));
      const earlier = topLevel(target.parsed).filter((st) => st.index < req.statementIndex && st.ast);
      if (earlier.length) {
        const text = earlier.map((st) => st.rendered ?? st.text).join(';\n');
        await applyQuietly(s.session, { path: target.path, source: text, transaction: target.transaction }, { ...target.parsed, statements: earlier }, Math.max(options.timeoutMs, 60_000));
      }
      const mode: TransactionMode = req.fix.outsideTransaction ? 'none' : target.transaction;
      const trace = await traceFile(s.session, parsedFix, traceOpts({ transaction: mode }));
      return verdictOf(trace, topLevel(parsedFix).length);
    } catch (err) {
      return { ok: false, note: `not verified: ${(err as Error).message}` };
    } finally {
      checking = undefined;
      await s?.close();
    }
  }
}

function verdictOf(trace: FileTrace, statements: number): { ok: boolean; note: string } {
  if (trace.failure) {
    const step = statements > 1 ? ` (step ${trace.failure.statementIndex + 1})` : '';
    if (trace.failure.kind === 'timeout' || trace.failure.kind === 'memory') return { ok: false, note: `not verified: ${trace.failure.message}${step}` };
    return { ok: false, note: `the fix fails on the base schema${step}: ${trace.failure.message}` };
  }
  if (trace.skipped) return { ok: false, note: `not verified: ${trace.skipped}` };
  return { ok: true, note: describeVerified([...trace.statements.values()]) };
}

function summarize(diff: string[], max = 5): string {
  const shown = diff.slice(0, max).join('; ');
  return diff.length > max ? `${shown}; and ${diff.length - max} more` : shown;
}

export interface SchemaState {
  /** A PGlite data directory tarball (BaseState.dump). */
  dump: Uint8Array;
  extensions?: string[];
  /** SQL run (untraced, autocommit) before the fix, e.g. the migration's earlier statements. */
  prelude?: string;
}

/**
 * Runs a fix on a fresh copy of a replayed schema (PGlite) and says what it did:
 * `{ ok: true, note: 'verified: takes SHARE UPDATE EXCLUSIVE on public.orders, no rewrite' }`
 * or the failure. Used by the agent's redesign steps; traceFiles verifies rule fixes itself.
 */
export async function verifyFix(
  fix: Fix,
  state: SchemaState,
  options: { timeoutMs: number; memoryMb: number; pgVersion: number; transaction?: TransactionMode },
): Promise<{ ok: boolean; note: string }> {
  await initParser();
  const parsedFix = parseSql(fix.sql, { path: 'fix.sql' });
  const req = collectRequirements(parsedFix);
  const { load } = partitionExtensions(req.extensions);
  const w = await PgliteWorker.start({ dump: state.dump, extensions: [...new Set([...(state.extensions ?? []), ...load])], memoryMb: options.memoryMb });
  try {
    const roles = createRolesSql(req.roles);
    if (roles) await w.exec(roles, 60_000);
    if (state.prelude) await w.exec(state.prelude, Math.max(options.timeoutMs, 60_000));
    const mode: TransactionMode = fix.outsideTransaction ? 'none' : (options.transaction ?? 'transaction');
    const trace = await traceFile(w, parsedFix, { transaction: mode, pgVersion: options.pgVersion, timeoutMs: options.timeoutMs, memoryMb: options.memoryMb });
    return verdictOf(trace, topLevel(parsedFix).length);
  } finally {
    await w.close();
  }
}
export { snapshotEquivalence } from './equivalence.js';
