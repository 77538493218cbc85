// The proof of a redesign: two copies of the replayed base schema, the original migrations applied
// on one and the plan's steps (each in its stated transaction mode, traced) on the other; the
// catalogs must match, or every difference must be declared in the plan.
import type { SourceFile } from '../analyze.js';
import type { DbarchConfig } from '../config/schema.js';
import type { LockMode, LockRef, TransactionMode } from '../types.js';
import { LOCK_MODES } from '../types.js';
import { initParser, parseSql } from '../sql/index.js';
import { baseState, diffSchemas, PgliteWorker, snapshotEquivalence, traceFile, type HistoryFile } from '../trace/index.js';
import { collectRequirements, createRolesSql, emptyRequirements, partitionExtensions } from '../trace/replay.js';

export interface ProofStep {
  /** Strongest observed lock per table. */
  locks: LockRef[];
  rewrote: string[];
  durationMs: number;
  /** false: the step cannot run in a transaction block, so its locks are the lock model's. */
  observed: boolean;
  error?: string;
}

export interface PlanProof {
  proven: boolean;
  /** Catalog differences between migration and plan not declared by the plan. */
  differences: string[];
  /** Differences the plan declares (e.g. the old column kept until the contract step). */
  declared: string[];
  /** Failing steps and locks stronger than claimed. */
  problems: string[];
  steps: ProofStep[];
}

export interface ProvableStep {
  title: string;
  sql: string;
  in_transaction: boolean;
  /** The lock the plan claims for the step: `MODE` or `MODE on relation`. */
  lock?: string;
  claimed_lock?: LockMode;
}

export interface ProvablePlan {
  steps: ProvableStep[];
  declared_differences?: string[];
}

export type PlanProver = (plan: ProvablePlan) => Promise<PlanProof>;

export interface ProverInput {
  history: HistoryFile[];
  schemaDump?: { path: string; source: string };
  migrations: { path: string; source: string; transaction?: TransactionMode }[];
  options: { timeoutMs: number; memoryMb: number; pgVersion: number };
}

/** Invalid transaction termination / active SQL transaction: the statement cannot run inside the trace's observing transaction. */
const UNTRACEABLE = new Set(['2D000', '25001']);

/** Runs the statements from `from` on, one by one in autocommit, as the migration tool would. */
async function runStatements(w: PgliteWorker, parsed: ReturnType<typeof parseSql>, from: number, timeoutMs: number): Promise<string | undefined> {
  // the failed trace may leave its observing transaction open
  await w.exec('ROLLBACK', timeoutMs);
  for (const st of parsed.statements.filter((x) => !x.nested && x.index >= from)) {
    const r = await w.exec(st.rendered ?? st.text, timeoutMs);
    if (!r.ok) return r.error.message;
  }
  return undefined;
}

function untraceable(f: { code?: string; message: string }): boolean {
  return UNTRACEABLE.has(f.code ?? '') || /cannot run inside a transaction block|invalid transaction termination/.test(f.message);
}

const rank = (m: LockMode): number => LOCK_MODES.indexOf(m);

/** `SHARE UPDATE EXCLUSIVE on public.users` → `SHARE UPDATE EXCLUSIVE`. */
export function claimedMode(step: ProvableStep): LockMode | undefined {
  if (step.claimed_lock) return step.claimed_lock;
  const head = step.lock?.split(' on ')[0]?.trim().toUpperCase();
  return (LOCK_MODES as readonly string[]).includes(head ?? '') ? (head as LockMode) : undefined;
}

function objectOf(diff: string): string {
  return diff.split(' ')[1] ?? '';
}

function isDeclared(diff: string, declared: readonly string[]): boolean {
  const obj = objectOf(diff).toLowerCase();
  const short = obj.replace(/^public\./, '');
  return declared.some((d) => {
    const text = d.toLowerCase();
    return text.includes(obj) || (short.length > 0 && text.includes(short));
  });
}

export function createPlanProver(input: ProverInput): PlanProver {
  const timeout = Math.max(input.options.timeoutMs, 60_000);
  let expected: Promise<{ dump: Uint8Array; extensions: string[]; roles: string; snapshot: Map<string, string> }> | undefined;

  const start = async (state: { dump: Uint8Array; extensions: string[]; roles: string }, extra: string[] = []) => {
    const w = await PgliteWorker.start({ dump: state.dump, extensions: [...new Set([...state.extensions, ...extra])], memoryMb: input.options.memoryMb });
    if (state.roles) await w.exec(state.roles, timeout);
    return w;
  };

  const prepare = () =>
    (expected ??= (async () => {
      await initParser();
      const req = emptyRequirements();
      const parsed = input.migrations.map((m) => parseSql(m.source, { path: m.path }));
      for (const p of parsed) collectRequirements(p, req);
      const { load } = partitionExtensions(req.extensions);
      const r = await baseState(
        { history: input.history, schemaDump: input.schemaDump },
        { memoryMb: input.options.memoryMb, timeoutMs: timeout, extraExtensions: load, extraRoles: [...req.roles], extraSources: input.migrations.map((m) => m.source) },
      );
      const state = { dump: r.state.dump, extensions: [...new Set([...r.state.extensions, ...load])], roles: createRolesSql(req.roles) };
      await r.worker?.close();
      const w = await start(state);
      try {
        for (const [i, m] of input.migrations.entries()) {
          const mode = m.transaction ?? 'transaction';
          const t = await traceFile(w, parsed[i]!, { transaction: mode, pgVersion: input.options.pgVersion, timeoutMs: timeout });
          if (t.failure && mode === 'none' && untraceable(t.failure)) {
            const error = await runStatements(w, parsed[i]!, t.failure.statementIndex, timeout);
            if (error) throw new Error(`the original migration ${m.path} fails on the base schema: ${error}`);
            continue;
          }
          if (t.failure) throw new Error(`the original migration ${m.path} fails on the base schema: ${t.failure.message}`);
        }
        return { ...state, snapshot: await snapshotEquivalence(w, timeout) };
      } finally {
        await w.close();
      }
    })());

  return async (plan) => {
    const base = await prepare();
    const req = emptyRequirements();
    const parsed = plan.steps.map((s, i) => parseSql(s.sql, { path: `step ${i + 1}` }));
    for (const p of parsed) collectRequirements(p, req);
    const roles = createRolesSql(req.roles);
    const w = await start(base, partitionExtensions(req.extensions).load);
    const steps: ProofStep[] = [];
    const problems: string[] = [];
    try {
      if (roles) await w.exec(roles, timeout);
      for (const [i, step] of plan.steps.entries()) {
        let t = await traceFile(w, parsed[i]!, { transaction: step.in_transaction ? 'transaction' : 'none', pgVersion: input.options.pgVersion, timeoutMs: input.options.timeoutMs });
        let untraced = false;
        // A batched backfill commits inside its DO block, which the trace's observing transaction
        // cannot host: it runs as written (autocommit), its locks unobserved.
        if (t.failure && untraceable(t.failure) && !step.in_transaction) {
          const error = await runStatements(w, parsed[i]!, t.failure.statementIndex, timeout);
          t = { statements: t.statements };
          untraced = true;
          if (error) t.failure = { statementIndex: 0, kind: 'error', message: error };
        }
        const traces = [...t.statements.values()];
        const created = new Set(traces.flatMap((x) => x.created));
        const best = new Map<string, LockMode>();
        // a table the step creates is invisible to others until it commits: nothing to block
        for (const l of traces.flatMap((x) => x.locks).filter((x) => !created.has(x.relation))) {
          const cur = best.get(l.relation);
          if (!cur || rank(l.mode) > rank(cur)) best.set(l.relation, l.mode);
        }
        const locks = [...best].sort(([a], [b]) => a.localeCompare(b)).map(([relation, mode]) => ({ relation, mode }));
        const proofStep: ProofStep = {
          locks,
          rewrote: [...new Set(traces.flatMap((x) => x.rewrote))].sort(),
          durationMs: Math.round(traces.reduce((n, x) => n + x.durationMs, 0) * 10) / 10,
          observed: !untraced && traces.every((x) => x.observed),
        };
        if (t.failure) proofStep.error = t.failure.message;
        else if (t.skipped) proofStep.error = t.skipped;
        steps.push(proofStep);
        if (proofStep.error) {
          problems.push(`step ${i + 1} (${step.title}) fails on the base schema: ${proofStep.error}`);
          break;
        }
        const claim = claimedMode(step);
        const strongest = locks.reduce<LockRef | undefined>((a, l) => (!a || rank(l.mode) > rank(a.mode) ? l : a), undefined);
        if (claim && strongest && rank(strongest.mode) > rank(claim)) {
          problems.push(`step ${i + 1} (${step.title}) takes ${strongest.mode} on ${strongest.relation}, stronger than the ${claim} the plan claims`);
        }
      }
      const all = problems.length && steps.some((s) => s.error) ? [] : diffSchemas(base.snapshot, await snapshotEquivalence(w, timeout));
      const declaredList = plan.declared_differences ?? [];
      const declared = all.filter((d) => isDeclared(d, declaredList));
      const differences = all.filter((d) => !isDeclared(d, declaredList));
      return { proven: problems.length === 0 && differences.length === 0, differences, declared, problems, steps };
    } finally {
      await w.close();
    }
  };
}

/**
 * The prover for a pull request: the base branch's migrations and the changed ones, read as the
 * analyzer reads them (framework, ORM DSL, transaction mode), in apply order.
 */
export function createSourceProver(input: { history: SourceFile[]; files: SourceFile[]; config: DbarchConfig }): PlanProver {
  let inner: Promise<PlanProver> | undefined;
  const build = async (): Promise<PlanProver> => {
    // Loaded on first use: the App receives webhooks without the analyzer.
    const { analysisUnits, upInApplyOrder } = await import('../analyze.js');
    const { prepareOrm } = await import('../orm/index.js');
    await prepareOrm([...input.files, ...input.history]);
    const ups = (files: SourceFile[]) => (files.length ? upInApplyOrder(analysisUnits(files, input.config)) : []);
    return createPlanProver({
      history: ups(input.history).map((u) => ({ path: u.file.path, source: u.sql, transaction: u.transaction, partial: u.file.language !== 'sql' && !u.orm })),
      migrations: ups(input.files).map((u) => ({ path: u.file.path, source: u.sql, transaction: u.transaction })),
      options: { timeoutMs: input.config.trace.timeoutSeconds * 1000, memoryMb: input.config.trace.memoryMb, pgVersion: input.config.pgVersion },
    });
  };
  return async (plan) => (await (inner ??= build()))(plan);
}

/** The feedback for a revision: what failed the proof, capped. */
export function proofProblems(proof: PlanProof, max = 15): string | null {
  if (proof.proven) return null;
  const lines = [...proof.problems, ...proof.differences.map((d) => `after the plan, ${d} compared with the original migration`)];
  const shown = lines.slice(0, max).map((l) => `- ${l}`);
  if (lines.length > max) shown.push(`- and ${lines.length - max} more`);
  return `The plan does not reach the schema the migration produces (both replayed on the base schema):\n${shown.join('\n')}\nEither reach the same schema, or declare each intended difference in declared_differences.`;
}
