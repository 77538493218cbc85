// File-level facts: what a migration file does over time, derived once from its statement
// facts. Rules read these instead of re-scanning the file: which relations are new, renamed,
// dropped or provably empty at a statement, the timeout timeline, the search_path and the
// transaction blocks.
import type { ColumnDef, Constraint, Node } from '@pgsql/types';
import type { StatementFacts, TransactionMode } from '../types.js';
import { type AnyNode, qualifyName, relationName, SERIAL_TYPES, stringList, withLookup } from './names.js';
import { type TimeoutState, timeoutsBefore } from './transaction.js';

/** Why a table is known to hold no rows at a statement. */
export type EmptyEvidence =
  /** Created earlier in this file (and not filled since). */
  | 'created'
  /** TRUNCATE earlier in the same transaction. */
  | 'truncated'
  /** DELETE without WHERE earlier in the same transaction. */
  | 'deleted'
  /** A NOT NULL column without a default was added earlier in the same transaction: PostgreSQL only allows that on an empty table. */
  | 'not-null-added';

export interface RenameFact {
  from: string;
  to: string;
  index: number;
}

export interface FileFacts {
  readonly statements: readonly StatementFacts[];
  /** How the runner executes the file (before any BEGIN/COMMIT of its own). */
  readonly transaction: TransactionMode;
  /** Relations renamed (or moved to another schema) by the file, in order. */
  readonly renames: readonly RenameFact[];
  /** The statement with this index. */
  statement(index: number): StatementFacts | undefined;
  /** Resolve a possibly unqualified name with the search_path in effect at the statement. */
  qualify(name: string, schema: string | undefined, atIndex: number): string;
  /** Timeouts in force when the statement starts (SET LOCAL ends with its transaction). */
  timeoutsBefore(index: number): TimeoutState;
  /** Transaction block of the statement (statements of one block share the number), -1 in autocommit. */
  transactionBlock(index: number): number;
  sameTransaction(a: number, b: number): boolean;
  /** Created earlier in the file or by an earlier file of the same change (a renamed existing relation is not new). */
  isNew(relation: string, beforeIndex: number): boolean;
  /** Created earlier in this very file, whose statements (and indexes) the facts see. */
  isNewInFile(relation: string, beforeIndex: number): boolean;
  /** Dropped earlier in the file and not re-created. */
  isDropped(relation: string, beforeIndex: number): boolean;
  /** Evidence that the table is empty when the statement runs, if any. */
  emptyEvidence(relation: string, beforeIndex: number): EmptyEvidence | undefined;
  /** New in this file or provably empty: no traffic to block and nothing to rewrite or scan. */
  isNewOrEmpty(relation: string, beforeIndex: number): boolean;
  /** Column lists of the indexes, unique constraints and primary keys the file builds on the relation up to the statement (inclusive). */
  indexedColumns(relation: string, uptoIndex: number): string[][];
  /** Whether a CHECK (column IS NOT NULL) on the relation was validated earlier in the file. */
  validatedNotNullCheck(relation: string, column: string, beforeIndex: number): boolean;
  /**
   * A view of one statement computed once for all rules (e.g. the resolved ALTER TABLE); it
   * lives as long as these facts.
   */
  memo<T>(key: string, index: number, compute: () => T): T;
}

interface State {
  /** Created by this file (directly, or renamed from a relation it created). */
  isNew: boolean;
  dropped: boolean;
  empty?: { evidence: EmptyEvidence; block: number };
}

const TX_END = new Set(['TRANS_STMT_COMMIT', 'TRANS_STMT_ROLLBACK', 'TRANS_STMT_PREPARE']);

function tagOf(ast: Node | undefined): string | undefined {
  if (!ast) return undefined;
  for (const k in ast) return k;
  return undefined;
}

function constraints(col: ColumnDef): Constraint[] {
  return ((col.constraints ?? []) as AnyNode[]).flatMap((c) => (c.Constraint ? [c.Constraint as Constraint] : []));
}

/** ADD COLUMN … NOT NULL with no default of any kind: it only succeeds on an empty table. */
function addsNotNullWithoutDefault(ast: Node | undefined): boolean {
  const at = (ast as AnyNode | undefined)?.AlterTableStmt as AnyNode | undefined;
  if (!at) return false;
  for (const c of (at.cmds ?? []) as AnyNode[]) {
    const cmd = c.AlterTableCmd as AnyNode | undefined;
    const col = cmd?.subtype === 'AT_AddColumn' ? (cmd.def?.ColumnDef as ColumnDef | undefined) : undefined;
    if (!col) continue;
    const cons = constraints(col);
    const notNull = col.is_not_null || cons.some((k) => k.contype === 'CONSTR_NOTNULL' || k.contype === 'CONSTR_PRIMARY');
    const defaulted =
      !!col.raw_default ||
      cons.some((k) => k.contype === 'CONSTR_DEFAULT' || k.contype === 'CONSTR_IDENTITY' || k.contype === 'CONSTR_GENERATED') ||
      SERIAL_TYPES.has(stringList(col.typeName?.names).at(-1) ?? '');
    if (notNull && !defaulted) return true;
  }
  return false;
}

/**
 * Build the file-level facts of one file's statement facts (in order). `createdBefore`: the
 * relations earlier files of the same change created (the change is reviewed and deployed
 * together, so nothing uses them yet): they are new here too.
 */
export function buildFileFacts(
  statements: readonly StatementFacts[],
  transaction: TransactionMode,
  createdBefore: ReadonlySet<string> = new Set(),
): FileFacts {
  const byIndex = new Map<number, StatementFacts>();
  const position = new Map<number, number>();
  statements.forEach((s, i) => {
    byIndex.set(s.stmt.index, s);
    position.set(s.stmt.index, i);
  });
  const timeouts = timeoutsBefore(statements);

  // Transaction blocks.
  const blocks = new Map<number, number>();
  let block = 0;
  let open = false;
  for (const s of statements) {
    if (s.inTransaction && !open) {
      block++;
      open = true;
    }
    blocks.set(s.stmt.index, s.inTransaction ? block : -1);
    const kind = (s.stmt.ast as AnyNode | undefined)?.TransactionStmt?.kind as string | undefined;
    if ((kind && TX_END.has(kind)) || !s.inTransaction) open = false;
  }

  // Relation states over time: each relation's history of (statement index, state after it).
  const history = new Map<string, { index: number; state: State }[]>();
  const current = new Map<string, State>();
  const set = (rel: string, index: number, state: State) => {
    current.set(rel, state);
    const list = history.get(rel);
    if (list) list.push({ index, state });
    else history.set(rel, [{ index, state }]);
  };
  const renames: RenameFact[] = [];
  const inherited = (rel: string): State | undefined => (createdBefore.has(rel) ? { isNew: true, dropped: false } : undefined);
  const currentOf = (rel: string) => current.get(rel) ?? inherited(rel);
  for (const s of statements) {
    const i = s.stmt.index;
    const ast = s.stmt.ast;
    if (!ast || s.stmt.error) continue;
    const tag = tagOf(ast);
    const blk = blocks.get(i) ?? -1;
    const a = ast as AnyNode;
    const isRename = (tag === 'RenameStmt' || tag === 'AlterObjectSchemaStmt') && s.drops.length === 1 && s.creates.length === 1;
    if (isRename) {
      const from = s.drops[0]!;
      const to = s.creates[0]!;
      const prior = currentOf(from);
      renames.push({ from, to, index: i });
      set(to, i, { isNew: prior?.isNew ?? false, dropped: false, ...(prior?.empty ? { empty: prior.empty } : {}) });
      set(from, i, { isNew: false, dropped: true });
      continue;
    }
    for (const rel of s.drops) set(rel, i, { isNew: false, dropped: true });
    for (const rel of s.creates) {
      // CREATE TABLE AS / SELECT INTO fill the table they create
      const filled = tag === 'CreateTableAsStmt' && a.CreateTableAsStmt?.into?.skipData !== true;
      set(rel, i, { isNew: true, dropped: false, ...(filled ? {} : { empty: { evidence: 'created' as const, block: -2 } }) });
    }
    const writeTo = (rel: string) => {
      const cur = currentOf(rel);
      if (cur?.empty) set(rel, i, { isNew: cur.isNew, dropped: cur.dropped });
    };
    if (tag === 'TruncateStmt') {
      for (const rv of (a.TruncateStmt.relations ?? []) as AnyNode[]) {
        if (!rv.RangeVar) continue;
        const rel = relationName(rv.RangeVar, s.searchPath);
        set(rel, i, { isNew: currentOf(rel)?.isNew ?? false, dropped: false, empty: { evidence: 'truncated', block: blk } });
      }
    } else if (tag === 'DeleteStmt' && a.DeleteStmt.relation) {
      const rel = relationName(a.DeleteStmt.relation, s.searchPath);
      if (!a.DeleteStmt.whereClause && !a.DeleteStmt.usingClause) {
        set(rel, i, { isNew: currentOf(rel)?.isNew ?? false, dropped: false, empty: { evidence: 'deleted', block: blk } });
      }
    } else if (tag === 'InsertStmt' && a.InsertStmt.relation) {
      writeTo(relationName(a.InsertStmt.relation, s.searchPath));
    } else if (tag === 'CopyStmt' && a.CopyStmt.relation && a.CopyStmt.is_from) {
      writeTo(relationName(a.CopyStmt.relation, s.searchPath));
    } else if (tag === 'AlterTableStmt' && a.AlterTableStmt.relation && addsNotNullWithoutDefault(ast)) {
      const rel = relationName(a.AlterTableStmt.relation, s.searchPath);
      const cur = currentOf(rel);
      if (!cur?.empty) set(rel, i, { isNew: cur?.isNew ?? false, dropped: false, empty: { evidence: 'not-null-added', block: blk } });
    }
    // A statement nested in a DO body may write anywhere: only its own facts are known.
  }

  /** The relation's state after its last event before `beforeIndex` (events are in statement order). */
  const lastBefore = (relation: string, beforeIndex: number): { found: boolean; state?: State } => {
    const list = history.get(relation);
    if (!list) return { found: false };
    // a table a long file alters again and again has a long history: binary search, not a scan
    let lo = 0;
    let hi = list.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (list[mid]!.index < beforeIndex) lo = mid + 1;
      else hi = mid;
    }
    return lo === 0 ? { found: false } : { found: true, state: list[lo - 1]!.state };
  };
  const stateBefore = (relation: string, beforeIndex: number): State | undefined => {
    const last = lastBefore(relation, beforeIndex);
    return last.found ? last.state : inherited(relation);
  };
  const emptyEvidence = (relation: string, beforeIndex: number): EmptyEvidence | undefined => {
    const st = stateBefore(relation, beforeIndex);
    if (!st?.empty || st.dropped) return undefined;
    // Creation holds across transactions (no one else knows the table yet); the others need
    // the lock taken by the emptying statement, so only within its transaction.
    if (st.empty.block === -2) return st.empty.evidence;
    const blk = blocks.get(beforeIndex) ?? -1;
    return blk !== -1 && blk === st.empty.block ? st.empty.evidence : undefined;
  };
  const isNew = (relation: string, beforeIndex: number) => {
    const st = stateBefore(relation, beforeIndex);
    return !!st && st.isNew && !st.dropped;
  };
  const isNewInFile = (relation: string, beforeIndex: number) => {
    const st = lastBefore(relation, beforeIndex).state;
    return !!st && st.isNew && !st.dropped;
  };
  let indexed: Map<string, { index: number; columns: string[] }[]> | undefined;
  const memos = new Map<string, Map<number, unknown>>();
  return {
    memo<T>(key: string, index: number, compute: () => T): T {
      let byIndex = memos.get(key);
      if (!byIndex) memos.set(key, (byIndex = new Map()));
      if (byIndex.has(index)) return byIndex.get(index) as T;
      const value = compute();
      byIndex.set(index, value);
      return value;
    },
    statements,
    transaction,
    renames,
    indexedColumns: (relation, uptoIndex) => {
      indexed ??= collectIndexedColumns(statements);
      return (indexed.get(relation) ?? []).filter((e) => e.index <= uptoIndex).map((e) => e.columns);
    },
    validatedNotNullCheck: (relation, column, beforeIndex) => validatedNotNullCheck(statements, relation, column, beforeIndex),
    statement: (index) => byIndex.get(index),
    qualify: (name, schema, atIndex) => {
      const stmt = byIndex.get(atIndex);
      if (!stmt) return qualifyName(name, schema, ['public']);
      // the schema the model resolved this statement's relation to (the first of the path that has it)
      const touched = (r: string) => stmt.locks.some((l) => l.relation === r) || stmt.creates.includes(r) || stmt.drops.includes(r);
      return qualifyName(name, schema, withLookup(stmt.searchPath, touched));
    },
    timeoutsBefore: (index) => {
      const p = position.get(index);
      return (p === undefined ? undefined : timeouts[p]) ?? { lockTimeout: false, statementTimeout: false };
    },
    transactionBlock: (index) => blocks.get(index) ?? -1,
    sameTransaction: (x, y) => {
      const bx = blocks.get(x) ?? -1;
      return bx !== -1 && bx === blocks.get(y);
    },
    isNew,
    isNewInFile,
    isDropped: (relation, beforeIndex) => stateBefore(relation, beforeIndex)?.dropped === true,
    emptyEvidence,
    isNewOrEmpty: (relation, beforeIndex) => isNew(relation, beforeIndex) || emptyEvidence(relation, beforeIndex) !== undefined,
  };
}

const keyed = (c: AnyNode | undefined) => c?.contype === 'CONSTR_PRIMARY' || c?.contype === 'CONSTR_UNIQUE';

function collectIndexedColumns(statements: readonly StatementFacts[]): Map<string, { index: number; columns: string[] }[]> {
  const byRelation = new Map<string, { index: number; columns: string[] }[]>();
  const add = (relation: string, index: number, columns: string[]) => {
    const list = byRelation.get(relation);
    if (list) list.push({ index, columns });
    else byRelation.set(relation, [{ index, columns }]);
  };
  for (const s of statements) {
    const i = s.stmt.index;
    const a = s.stmt.ast as AnyNode | undefined;
    if (!a) continue;
    if (a.IndexStmt?.relation) {
      const cols = ((a.IndexStmt.indexParams ?? []) as AnyNode[]).map((p) => (p.IndexElem?.name as string | undefined) ?? '').filter(Boolean);
      add(relationName(a.IndexStmt.relation, s.searchPath), i, cols);
    }
    if (a.CreateStmt?.relation) {
      const rel = relationName(a.CreateStmt.relation, s.searchPath);
      for (const elt of (a.CreateStmt.tableElts ?? []) as AnyNode[]) {
        if (elt.ColumnDef && constraints(elt.ColumnDef).some(keyed)) add(rel, i, [elt.ColumnDef.colname ?? '']);
        if (keyed(elt.Constraint)) add(rel, i, stringList(elt.Constraint.keys));
      }
    }
    if (a.AlterTableStmt?.relation) {
      const rel = relationName(a.AlterTableStmt.relation, s.searchPath);
      for (const c of (a.AlterTableStmt.cmds ?? []) as AnyNode[]) {
        const cmd = c.AlterTableCmd as AnyNode | undefined;
        if (cmd?.subtype === 'AT_AddConstraint' && keyed(cmd.def?.Constraint)) add(rel, i, stringList(cmd.def.Constraint.keys));
        const col = cmd?.def?.ColumnDef as ColumnDef | undefined;
        if (cmd?.subtype === 'AT_AddColumn' && col && constraints(col).some(keyed)) add(rel, i, [col.colname ?? '']);
      }
    }
  }
  return byRelation;
}

function validatedNotNullCheck(statements: readonly StatementFacts[], relation: string, column: string, beforeIndex: number): boolean {
  const pending = new Set<string>();
  for (const s of statements) {
    if (s.stmt.index >= beforeIndex) break;
    const at = (s.stmt.ast as AnyNode | undefined)?.AlterTableStmt as AnyNode | undefined;
    if (!at?.relation || relationName(at.relation, s.searchPath) !== relation) continue;
    for (const c of (at.cmds ?? []) as AnyNode[]) {
      const cmd = c.AlterTableCmd as AnyNode | undefined;
      const con = cmd?.def?.Constraint as AnyNode | undefined;
      if (cmd?.subtype === 'AT_AddConstraint' && con?.contype === 'CONSTR_CHECK') {
        const test = con.raw_expr?.NullTest as AnyNode | undefined;
        const col = stringList(test?.arg?.ColumnRef?.fields).at(-1);
        if (test?.nulltesttype === 'IS_NOT_NULL' && col === column) {
          if (!con.skip_validation) return true;
          if (con.conname) pending.add(con.conname);
        }
      }
      if (cmd?.subtype === 'AT_ValidateConstraint' && cmd.name && pending.has(cmd.name)) return true;
    }
  }
  return false;
}
