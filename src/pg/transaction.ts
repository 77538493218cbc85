// The transaction model of a migration file: which statements run inside a transaction
// block, which locks are held at each point (locks last until COMMIT/ROLLBACK), and the
// search_path in effect.
import type { Node } from '@pgsql/types';
import type { LockRef, ParsedFile, StatementEffect, StatementFacts, TransactionMode } from '../types.js';
import { Catalog, type CatalogView } from './catalog.js';
import { describeStatement } from './describe.js';
import { lockRank, mergeLocks } from './locks.js';
import { type AnyNode, DEFAULT_SEARCH_PATH, stringList, withLookup } from './names.js';

export interface BuildFactsOptions {
  transaction: TransactionMode;
  pgVersion: number;
  /**
   * The schema as it stood before this file (e.g. from the migration history). It is
   * copied into a working catalog that also learns from this file's statements.
   */
  catalog?: Catalog;
  /**
   * The runner sends the whole file as one query (golang-migrate, Prisma). PostgreSQL runs a
   * query of several statements as one implicit transaction (a COMMIT in it starts the next
   * one), so CONCURRENTLY fails there; a file of one statement runs on its own.
   */
  singleQuery?: boolean;
}

/** Split a search_path value (`a, "B", public`) into schema names. */
export function parseSearchPath(value: string): string[] {
  const out: string[] = [];
  for (const part of value.split(',')) {
    const p = part.trim();
    if (!p) continue;
    out.push(p.startsWith('"') && p.endsWith('"') ? p.slice(1, -1).replace(/""/g, '"') : p.toLowerCase());
  }
  return out;
}

/** The new search_path a statement sets, or undefined if it does not touch it. */
export function searchPathChange(ast: Node | undefined): { path: string[]; local: boolean } | undefined {
  if (!ast) return undefined;
  const a = ast as AnyNode;
  const set = a.VariableSetStmt as AnyNode | undefined;
  if (set) {
    const local = set.is_local === true;
    if (set.kind === 'VAR_RESET_ALL') return { path: [...DEFAULT_SEARCH_PATH], local };
    if (set.name !== 'search_path') return undefined;
    if (set.kind === 'VAR_SET_DEFAULT' || set.kind === 'VAR_RESET') return { path: [...DEFAULT_SEARCH_PATH], local };
    if (set.kind !== 'VAR_SET_VALUE') return undefined;
    const path: string[] = [];
    for (const arg of (set.args ?? []) as AnyNode[]) {
      const c = arg.A_Const as AnyNode | undefined;
      // identifiers in SET are already case-folded by the parser; string literals are split here
      if (c?.sval) path.push(...(c.sval.sval.includes(',') || c.sval.sval.includes('"') ? parseSearchPath(c.sval.sval) : [c.sval.sval]));
    }
    return path.length ? { path, local } : undefined;
  }
  // SELECT set_config('search_path', 'a, b', is_local)
  const call = setConfigCall(a, (name, value) => name === 'search_path' && value?.A_Const?.sval?.sval !== undefined);
  return call ? { path: parseSearchPath(call.value!.A_Const.sval.sval), local: call.local } : undefined;
}

/** The first `set_config(name, value, is_local)` of a `SELECT` without FROM that `accept`s. */
function setConfigCall(a: AnyNode, accept: (name: string | undefined, value: AnyNode | undefined) => boolean): { value: AnyNode | undefined; local: boolean } | undefined {
  const sel = a.SelectStmt as AnyNode | undefined;
  if (!sel || sel.fromClause) return undefined;
  for (const t of (sel.targetList ?? []) as AnyNode[]) {
    const fc = t.ResTarget?.val?.FuncCall as AnyNode | undefined;
    if (!fc || stringList(fc.funcname).at(-1) !== 'set_config') continue;
    const [name, value, isLocal] = (fc.args ?? []) as AnyNode[];
    if (!accept(name?.A_Const?.sval?.sval, value)) continue;
    return { value, local: isLocal?.A_Const?.boolval?.boolval === true };
  }
  return undefined;
}

/**
 * The session time zone a statement sets (`SET TIME ZONE …`, `SET timezone = …`,
 * `set_config('timezone', …)`), or undefined if it does not touch it. `zone: undefined` is the
 * server default (RESET, DEFAULT, LOCAL); a value the model cannot read is kept as written, so
 * it never counts as UTC.
 */
export function timeZoneChange(ast: Node | undefined): { zone: string | undefined; local: boolean } | undefined {
  if (!ast) return undefined;
  const a = ast as AnyNode;
  const set = a.VariableSetStmt as AnyNode | undefined;
  if (set) {
    const local = set.is_local === true;
    if (set.kind === 'VAR_RESET_ALL') return { zone: undefined, local };
    if (set.name !== 'timezone') return undefined;
    if (set.kind === 'VAR_SET_DEFAULT' || set.kind === 'VAR_RESET') return { zone: undefined, local };
    if (set.kind !== 'VAR_SET_VALUE') return undefined;
    return { zone: zoneValue(set.args?.[0] as AnyNode | undefined), local };
  }
  const call = setConfigCall(a, (name) => name?.toLowerCase() === 'timezone');
  return call ? { zone: zoneValue(call.value), local: call.local } : undefined;
}

/** A zone as PostgreSQL reads it: a name, a number of hours, or an interval (`INTERVAL '+00:00' HOUR TO MINUTE`). */
function zoneValue(arg: AnyNode | undefined): string {
  const c = (arg?.A_Const ?? arg?.TypeCast?.arg?.A_Const) as AnyNode | undefined;
  if (!c) return '(expression)';
  if (c.sval) return String(c.sval.sval ?? '');
  // libpg_query leaves a zero out of the JSON: `{ ival: {} }` is 0
  if (c.ival) return String(c.ival.ival ?? 0);
  if (c.fval) return Number(c.fval.fval) === 0 ? '0' : String(c.fval.fval);
  return '(expression)';
}

function unparsedEffect(): StatementEffect {
  return { kind: 'unparsed', locks: [], rewrites: [], scans: [], transactional: true, creates: [], drops: [] };
}

/** Locks held in the current transaction. A snapshot is shared by the statements that see the same set: don't mutate it. */
class HeldLocks {
  private held = new Map<string, LockRef>();
  private savepoints: { name: string; held: Map<string, LockRef> }[] = [];
  private cached: LockRef[] | undefined = [];

  add(locks: readonly LockRef[]): void {
    for (const lock of locks) {
      const cur = this.held.get(lock.relation);
      if (cur === undefined || lockRank(lock.mode) > lockRank(cur.mode)) {
        this.held.set(lock.relation, { relation: lock.relation, mode: lock.mode });
        this.cached = undefined;
      }
    }
  }
  snapshot(): LockRef[] {
    this.cached ??= [...this.held.values()];
    return this.cached;
  }
  release(): void {
    this.held = new Map();
    this.savepoints = [];
    this.cached = undefined;
  }
  savepoint(name: string): void {
    this.savepoints.push({ name, held: new Map(this.held) });
  }
  /** ROLLBACK TO SAVEPOINT releases the locks taken after the savepoint. */
  rollbackTo(name: string): void {
    for (let i = this.savepoints.length - 1; i >= 0; i--) {
      const sp = this.savepoints[i]!;
      if (sp.name !== name) continue;
      this.held = new Map(sp.held);
      this.savepoints.length = i + 1;
      this.cached = undefined;
      return;
    }
  }
  releaseSavepoint(name: string): void {
    const i = this.savepoints.map((s) => s.name).lastIndexOf(name);
    if (i >= 0) this.savepoints.length = i;
  }
}

/**
 * Facts for every statement of a parsed file, in order. With `transaction: 'transaction'`
 * the file runs in one implicit transaction (as frameworks wrap it): a BEGIN inside is a
 * no-op, COMMIT ends it and later statements run in autocommit. Statements from a DO
 * body (`stmt.nested`) run inside their DO statement, so they are always in a
 * transaction block, and their locks are also the DO statement's locks.
 */
export function buildFacts(parsed: ParsedFile, opts: BuildFactsOptions): StatementFacts[] {
  // a layer over the history's catalog: this file's statements don't modify it
  const catalog = new Catalog(opts.catalog);
  const stmts = parsed.statements;

  // Pass 1: effects in source order, tracking search_path and the catalog.
  let sessionPath: string[] = [...DEFAULT_SEARCH_PATH];
  let localPath: string[] | undefined;
  // the session time zone decides whether timestamp <-> timestamptz rewrites; undefined: server default
  let sessionZone: string | undefined;
  let localZone: { zone: string | undefined } | undefined;
  const effects: StatementEffect[] = [];
  const paths: string[][] = [];
  const known = (relation: string) => catalog.isKnown(relation);
  for (const stmt of stmts) {
    const searchPath = withLookup(localPath ?? sessionPath, known);
    paths.push(localPath ?? sessionPath);
    if (!stmt.ast || stmt.error) {
      effects.push(unparsedEffect());
      continue;
    }
    const timeZone = localZone ? localZone.zone : sessionZone;
    effects.push(describeStatement(stmt.ast, { searchPath, pgVersion: opts.pgVersion, catalog: catalog as CatalogView, ...(timeZone !== undefined ? { timeZone } : {}) }));
    catalog.observe(stmt.ast, searchPath);
    const change = searchPathChange(stmt.ast);
    if (change) {
      if (change.local) localPath = change.path;
      else {
        sessionPath = change.path;
        localPath = undefined;
      }
    }
    const zone = timeZoneChange(stmt.ast);
    if (zone) {
      if (zone.local) localZone = { zone: zone.zone };
      else {
        sessionZone = zone.zone;
        localZone = undefined;
      }
    }
    const tx = (stmt.ast as AnyNode).TransactionStmt?.kind as string | undefined;
    if (tx === 'TRANS_STMT_COMMIT' || tx === 'TRANS_STMT_ROLLBACK' || tx === 'TRANS_STMT_PREPARE') {
      localPath = undefined;
      localZone = undefined;
    }
  }

  // DO statements carry the union of their nested statements' effects.
  const doEffects = new Map<number, StatementEffect>();
  const positionOf = new Map(stmts.map((s, i) => [s.index, i]));
  stmts.forEach((stmt, i) => {
    if (!stmt.nested) return;
    const parentPos = positionOf.get(stmt.nested.parentIndex);
    if (parentPos === undefined) return;
    const parent = doEffects.get(parentPos) ?? { ...effects[parentPos]! };
    const child = effects[i]!;
    doEffects.set(parentPos, {
      ...parent,
      locks: mergeLocks(parent.locks, child.locks),
      rewrites: [...new Set([...parent.rewrites, ...child.rewrites])],
      scans: [...new Set([...parent.scans, ...child.scans])],
      transactional: parent.transactional && child.transactional,
      creates: [...new Set([...parent.creates, ...child.creates])],
      drops: [...new Set([...parent.drops, ...child.drops])],
    });
  });
  for (const [pos, eff] of doEffects) effects[pos] = eff;

  // Pass 2: the transaction state machine.
  const implicit = opts.singleQuery === true && stmts.filter((s) => !s.nested).length > 1;
  let inTx = opts.transaction === 'transaction' || implicit;
  const held = new HeldLocks();
  // for DO bodies: locks held before the DO, and those its body has taken so far
  let heldBeforeDo: LockRef[] = [];
  let bodyLocks: LockRef[] = [];
  const out: StatementFacts[] = [];
  stmts.forEach((stmt, i) => {
    const effect = effects[i]!;
    const base = { ...effect, stmt, searchPath: paths[i]! };
    if (stmt.nested) {
      // Locks of the DO body accumulate within the DO; its own row already counts them all.
      bodyLocks = mergeLocks(bodyLocks, effect.locks);
      out.push({ ...base, inTransaction: true, heldLocks: mergeLocks(heldBeforeDo, bodyLocks) });
      return;
    }
    const tx = (stmt.ast as AnyNode | undefined)?.TransactionStmt as AnyNode | undefined;
    if (tx) {
      switch (tx.kind as string) {
        case 'TRANS_STMT_BEGIN':
        case 'TRANS_STMT_START':
          inTx = true;
          out.push({ ...base, inTransaction: true, heldLocks: held.snapshot() });
          return;
        case 'TRANS_STMT_COMMIT':
        case 'TRANS_STMT_ROLLBACK':
        case 'TRANS_STMT_PREPARE': {
          const wasInTx = inTx;
          held.release();
          inTx = tx.chain === true || implicit;
          out.push({ ...base, inTransaction: wasInTx, heldLocks: [] });
          return;
        }
        case 'TRANS_STMT_SAVEPOINT':
          if (inTx) held.savepoint(tx.savepoint_name ?? '');
          break;
        case 'TRANS_STMT_ROLLBACK_TO':
          if (inTx) held.rollbackTo(tx.savepoint_name ?? '');
          break;
        case 'TRANS_STMT_RELEASE':
          if (inTx) held.releaseSavepoint(tx.savepoint_name ?? '');
          break;
      }
    }
    heldBeforeDo = inTx ? held.snapshot() : [];
    bodyLocks = [];
    if (inTx) {
      held.add(effect.locks);
      out.push({ ...base, inTransaction: true, heldLocks: held.snapshot() });
    } else {
      out.push({ ...base, inTransaction: false, heldLocks: mergeLocks(effect.locks) });
    }
  });
  return out;
}

export interface TimeoutState {
  lockTimeout: boolean;
  statementTimeout: boolean;
}

function settingChange(ast: Node | undefined): { name: string; on: boolean; local: boolean }[] {
  if (!ast) return [];
  const a = ast as AnyNode;
  const isOff = (value: string | number | undefined) =>
    value === undefined || value === 0 || /^\s*0+\s*(ms|s|min|h|d|us)?\s*$/i.test(String(value));
  const set = a.VariableSetStmt as AnyNode | undefined;
  if (set) {
    const local = set.is_local === true;
    if (set.kind === 'VAR_RESET_ALL')
      return ['lock_timeout', 'statement_timeout'].map((name) => ({ name, on: false, local }));
    if (set.name !== 'lock_timeout' && set.name !== 'statement_timeout') return [];
    if (set.kind !== 'VAR_SET_VALUE') return [{ name: set.name, on: false, local }];
    const c = (set.args?.[0] as AnyNode | undefined)?.A_Const as AnyNode | undefined;
    const value = c?.ival ? (c.ival.ival ?? 0) : c?.sval?.sval;
    return [{ name: set.name, on: !isOff(value), local }];
  }
  const sel = a.SelectStmt as AnyNode | undefined;
  if (!sel || sel.fromClause) return [];
  const out: { name: string; on: boolean; local: boolean }[] = [];
  for (const t of (sel.targetList ?? []) as AnyNode[]) {
    const fc = t.ResTarget?.val?.FuncCall as AnyNode | undefined;
    if (!fc || stringList(fc.funcname).at(-1) !== 'set_config') continue;
    const [name, value, isLocal] = (fc.args ?? []) as AnyNode[];
    const n = name?.A_Const?.sval?.sval;
    if (n !== 'lock_timeout' && n !== 'statement_timeout') continue;
    out.push({ name: n, on: !isOff(value?.A_Const?.sval?.sval), local: isLocal?.A_Const?.boolval?.boolval === true });
  }
  return out;
}

/**
 * Whether `lock_timeout` / `statement_timeout` is in effect *before* each statement
 * (index = position in `facts`): SET, SET LOCAL (until the transaction ends), RESET,
 * `set_config(…)`; a value of 0 turns it off.
 */
export function timeoutsBefore(facts: readonly StatementFacts[]): TimeoutState[] {
  const session: Record<string, boolean> = { lock_timeout: false, statement_timeout: false };
  let local: Record<string, boolean> = {};
  const out: TimeoutState[] = [];
  for (const f of facts) {
    const eff = (name: string) => local[name] ?? session[name] ?? false;
    out.push({ lockTimeout: eff('lock_timeout'), statementTimeout: eff('statement_timeout') });
    for (const ch of settingChange(f.stmt.ast)) {
      if (ch.local) {
        if (f.inTransaction) local[ch.name] = ch.on;
      } else {
        session[ch.name] = ch.on;
        delete local[ch.name];
      }
    }
    const tx = (f.stmt.ast as AnyNode | undefined)?.TransactionStmt?.kind as string | undefined;
    if (tx === 'TRANS_STMT_COMMIT' || tx === 'TRANS_STMT_ROLLBACK' || tx === 'TRANS_STMT_PREPARE') local = {};
  }
  return out;
}
