// The static lock model: what one statement locks, rewrites and scans, judged from its AST
// with PostgreSQL's real lock levels (AlterTableGetLockLevel in tablecmds.c, the docs'
// "Explicit Locking" chapter and each command's reference page).
import type { Node } from '@pgsql/types';
import type { ForeignKeyTypeChange, LockMode, ReplicaIdentityLoss, StatementEffect } from '../types.js';
import type { CatalogView } from './catalog.js';
import { lockModeFromNumber, lockRank } from './locks.js';
import {
  type AnyNode,
  isVolatileDefault,
  qualifyList,
  qualifyName,
  readRangeVars,
  relationName,
  SERIAL_TYPES,
  stringList,
  typeNameToString,
  walk,
} from './names.js';
import { isTimestampZoneChange, typeChangeRewrites } from './typechange.js';

export interface DescribeContext {
  searchPath: readonly string[];
  pgVersion: number;
  /** What is known of the existing schema; optional, sharpens DROP INDEX / ALTER TYPE / FKs. */
  catalog?: CatalogView;
  /** Session time zone (SET TIME ZONE); undefined = the server default, assumed UTC. */
  timeZone?: string;
}

class EffectBuilder {
  kind = '';
  transactional = true;
  private readonly locks = new Map<string, LockMode>();
  readonly rewrites = new Set<string>();
  readonly scans = new Set<string>();
  readonly creates = new Set<string>();
  readonly drops = new Set<string>();
  readonly identityLost: ReplicaIdentityLoss[] = [];
  readonly identityRestored = new Set<string>();
  readonly fkTypeChanges: ForeignKeyTypeChange[] = [];

  lock(relation: string, mode: LockMode): void {
    const cur = this.locks.get(relation);
    if (cur === undefined || lockRank(mode) > lockRank(cur)) this.locks.set(relation, mode);
  }

  build(): StatementEffect {
    return {
      kind: this.kind,
      locks: [...this.locks].map(([relation, mode]) => ({ relation, mode })),
      rewrites: [...this.rewrites],
      scans: [...this.scans],
      transactional: this.transactional,
      creates: [...this.creates],
      drops: [...this.drops],
      ...(this.identityLost.length || this.identityRestored.size
        ? { replicaIdentity: { lost: this.identityLost, restored: [...this.identityRestored] } }
        : {}),
      ...(this.fkTypeChanges.length ? { foreignKeyTypeChanges: this.fkTypeChanges } : {}),
    };
  }
}

/** Partitions and inheritance children, recursively (the catalog must know them). */
function descendants(table: string, ctx: DescribeContext, partitionsOnly = false): string[] {
  const out: string[] = [];
  const seen = new Set([table]);
  const todo = [table];
  while (todo.length && ctx.catalog) {
    for (const child of ctx.catalog.children(todo.pop()!)) {
      if (seen.has(child.relation) || (partitionsOnly && !child.partition)) continue;
      seen.add(child.relation);
      out.push(child.relation);
      todo.push(child.relation);
    }
  }
  return out;
}

/** Lock a relation and, unless ONLY was written, everything that inherits from it (`inh` is omitted when false). */
function lockTree(e: EffectBuilder, rv: AnyNode, mode: LockMode, ctx: DescribeContext): string {
  const rel = relationName(rv, ctx.searchPath);
  e.lock(rel, mode);
  if (rv.inh === true) for (const d of descendants(rel, ctx)) e.lock(d, mode);
  return rel;
}

/** `CreateFunctionStmt` → `CREATE FUNCTION`: the fallback kind for statements not modelled. */
function kindFromNodeType(type: string): string {
  let kind = KINDS.get(type);
  if (kind === undefined) {
    kind = type
      .replace(/Stmt$/, '')
      .replace(/([a-z])([A-Z])/g, '$1 $2')
      .toUpperCase();
    KINDS.set(type, kind);
  }
  return kind;
}
/** Node type → kind; a pure function of the parser's few hundred node type names. */
const KINDS = new Map<string, string>();

const OBJECT_WORDS: Record<string, string> = {
  OBJECT_MATVIEW: 'MATERIALIZED VIEW',
  OBJECT_FOREIGN_TABLE: 'FOREIGN TABLE',
  OBJECT_TABCONSTRAINT: 'CONSTRAINT',
  OBJECT_EVENT_TRIGGER: 'EVENT TRIGGER',
  OBJECT_FDW: 'FOREIGN DATA WRAPPER',
  OBJECT_FOREIGN_SERVER: 'SERVER',
  OBJECT_STATISTIC_EXT: 'STATISTICS',
};
function objectWord(objtype: string | undefined): string {
  if (!objtype) return 'TABLE';
  return OBJECT_WORDS[objtype] ?? objtype.replace(/^OBJECT_/, '').replace(/_/g, ' ');
}

const RELATION_OBJECTS = new Set([
  'OBJECT_TABLE',
  'OBJECT_INDEX',
  'OBJECT_VIEW',
  'OBJECT_MATVIEW',
  'OBJECT_SEQUENCE',
  'OBJECT_FOREIGN_TABLE',
]);

/** Storage parameters ALTER TABLE … SET (…) changes under SHARE UPDATE EXCLUSIVE (reloptions.c). */
function relOptionLock(name: string): LockMode {
  const n = name.replace(/^toast\./, '');
  if (
    n === 'fillfactor' ||
    n === 'parallel_workers' ||
    n === 'toast_tuple_target' ||
    n === 'vacuum_index_cleanup' ||
    n === 'vacuum_truncate' ||
    n === 'vacuum_max_eager_freeze_failure_rate' ||
    n === 'log_autovacuum_min_duration' ||
    n.startsWith('autovacuum_')
  )
    return 'SHARE UPDATE EXCLUSIVE';
  return 'ACCESS EXCLUSIVE';
}

/** Defaults that make ADD COLUMN write every row (PG ≥ 11 stores constant defaults in the catalog). */
function addColumnRewrites(def: AnyNode, pgVersion: number): boolean {
  const type = def.typeName ? typeNameToString(def.typeName) : '';
  if (SERIAL_TYPES.has(type)) return true;
  for (const c of (def.constraints ?? []) as AnyNode[]) {
    const con = c.Constraint as AnyNode | undefined;
    if (!con) continue;
    if (con.contype === 'CONSTR_IDENTITY') return true;
    if (con.contype === 'CONSTR_GENERATED' && con.generated_kind !== 'v') return true;
    if (con.contype === 'CONSTR_DEFAULT') {
      const expr = con.raw_expr as AnyNode | undefined;
      const isNull = expr?.A_Const?.isnull === true;
      if (isNull) continue;
      if (pgVersion < 11 || isVolatileDefault(expr as Node)) return true;
    }
  }
  return false;
}

function constraintEffect(
  e: EffectBuilder,
  table: string,
  con: AnyNode,
  ctx: DescribeContext,
  inNewTable: boolean,
): LockMode {
  const validated = con.skip_validation !== true;
  switch (con.contype) {
    case 'CONSTR_FOREIGN': {
      // FK triggers are added to both tables: at least CREATE TRIGGER's lock on each
      if (con.pktable) {
        const referenced = relationName(con.pktable, ctx.searchPath);
        if (referenced !== table) e.lock(referenced, 'SHARE ROW EXCLUSIVE');
      }
      if (validated && !inNewTable) e.scans.add(table);
      return 'SHARE ROW EXCLUSIVE';
    }
    case 'CONSTR_CHECK':
    case 'CONSTR_NOTNULL':
      if (validated && !inNewTable) e.scans.add(table);
      return 'ACCESS EXCLUSIVE';
    case 'CONSTR_PRIMARY':
    case 'CONSTR_UNIQUE':
    case 'CONSTR_EXCLUSION':
      // USING INDEX adopts a built index; otherwise the index is built under the lock
      if (!con.indexname && !inNewTable) e.scans.add(table);
      return 'ACCESS EXCLUSIVE';
    default:
      return 'ACCESS EXCLUSIVE';
  }
}

/**
 * The foreign keys a column takes part in, with their other table: its own FKs and, with
 * `referencing`, the FKs of other tables that reference it. An FK whose columns the catalog
 * does not know counts when it could involve the column.
 */
function fkLinks(table: string, column: string, ctx: DescribeContext, referencing: boolean): Omit<ForeignKeyTypeChange, 'table' | 'column'>[] {
  if (!ctx.catalog) return [];
  const out: Omit<ForeignKeyTypeChange, 'table' | 'column'>[] = [];
  for (const fk of ctx.catalog.foreignKeysOf(table))
    if (fk.references && fk.references !== table && (!fk.columns || fk.columns.includes(column)))
      out.push({ constraint: fk.name, other: fk.references, side: 'referencing' });
  if (referencing)
    for (const fk of ctx.catalog.foreignKeysTo(table))
      if (fk.table !== table && (fk.refColumns ? fk.refColumns.includes(column) : referencedByDefault(table, column, ctx)))
        out.push({ constraint: fk.name, other: fk.table, side: 'referenced' });
  return out;
}

function fkPartners(table: string, column: string, ctx: DescribeContext, referencing: boolean): string[] {
  return [...new Set(fkLinks(table, column, ctx, referencing).map((l) => l.other))];
}

/** Dropping this key leaves the table without a replica identity: UPDATE / DELETE fail where it is published. */
function loseIdentity(e: EffectBuilder, table: string, what: ReplicaIdentityLoss['what'], name: string, known: ReplicaIdentityLoss['known'], ctx: DescribeContext): void {
  e.identityLost.push({ relation: table, what, name, known, publications: ctx.catalog?.publishing(table) ?? [] });
}

/** DROP CONSTRAINT of the primary key while REPLICA IDENTITY DEFAULT relies on it. */
function primaryKeyDrop(e: EffectBuilder, table: string, name: string, ctx: DescribeContext): void {
  const info = ctx.catalog?.constraint(table, name);
  // unknown to the catalog: PostgreSQL names a primary key `<table>_pkey` unless told otherwise
  const known = info ? (info.type === 'primary' ? 'catalog' : undefined) : name === `${table.split('.')[1]}_pkey` ? 'default-name' : undefined;
  if (!known) return;
  if ((ctx.catalog?.replicaIdentity(table).kind ?? 'default') !== 'default') return;
  loseIdentity(e, table, 'primary-key', name, known, ctx);
}

/** An FK written without columns references the primary key. */
function referencedByDefault(table: string, column: string, ctx: DescribeContext): boolean {
  const pk = ctx.catalog?.primaryKeyColumns(table);
  return pk === undefined || pk.includes(column);
}

/** A USING clause that is just the column (or the column cast to the new type) changes nothing. */
function usingTransforms(using: AnyNode | undefined, column: string | undefined, to: string): boolean {
  if (!using) return false;
  const isColumn = (n: AnyNode | undefined) => {
    const fields = stringList(n?.ColumnRef?.fields);
    return fields.length > 0 && fields[fields.length - 1] === column;
  };
  if (isColumn(using)) return false;
  if (using.TypeCast && isColumn(using.TypeCast.arg) && typeNameToString(using.TypeCast.typeName) === to) return false;
  return true;
}

function alterTableCmd(e: EffectBuilder, table: string, objtype: string, cmd: AnyNode, ctx: DescribeContext): LockMode {
  const def = cmd.def as AnyNode | undefined;
  switch (cmd.subtype as string) {
    case 'AT_AddColumn':
    case 'AT_AddColumnToView': {
      const col = def?.ColumnDef as AnyNode | undefined;
      if (col) {
        if (addColumnRewrites(col, ctx.pgVersion)) e.rewrites.add(table);
        for (const c of (col.constraints ?? []) as AnyNode[]) {
          const con = c.Constraint as AnyNode | undefined;
          if (!con) continue;
          if (['CONSTR_FOREIGN', 'CONSTR_CHECK', 'CONSTR_PRIMARY', 'CONSTR_UNIQUE'].includes(con.contype))
            constraintEffect(e, table, con, ctx, false);
          if (con.contype === 'CONSTR_PRIMARY' && (ctx.catalog?.replicaIdentity(table).kind ?? 'default') === 'default') e.identityRestored.add(table);
        }
      }
      return 'ACCESS EXCLUSIVE';
    }
    case 'AT_AlterColumnType': {
      const col = def?.ColumnDef as AnyNode | undefined;
      // a foreign key on either side of the column is dropped and re-added: its triggers
      // on both tables go, so both are locked ACCESS EXCLUSIVE (observed on PostgreSQL)
      if (cmd.name)
        for (const link of fkLinks(table, cmd.name, ctx, true)) {
          e.lock(link.other, 'ACCESS EXCLUSIVE');
          e.fkTypeChanges.push({ table, column: cmd.name, ...link });
        }
      if (col?.typeName) {
        const to = typeNameToString(col.typeName);
        const from = cmd.name ? ctx.catalog?.columnType(table, cmd.name) : undefined;
        const tz = { pgVersion: ctx.pgVersion, ...(ctx.timeZone !== undefined ? { timeZone: ctx.timeZone } : {}) };
        if (typeChangeRewrites(from, to, usingTransforms(col.raw_default, cmd.name, to), tz)) e.rewrites.add(table);
        // timestamp ↔ timestamptz without a rewrite still rebuilds the column's indexes
        // (the operator class changes), which reads the whole table
        else if (from !== undefined && isTimestampZoneChange(from, to) && ctx.catalog?.hasIndexOn(table, cmd.name!)) e.scans.add(table);
      }
      return 'ACCESS EXCLUSIVE';
    }
    case 'AT_SetNotNull':
      e.scans.add(table);
      return 'ACCESS EXCLUSIVE';
    case 'AT_AddConstraint':
    case 'AT_ReAddConstraint':
      if (def?.Constraint?.contype === 'CONSTR_PRIMARY' && (ctx.catalog?.replicaIdentity(table).kind ?? 'default') === 'default') e.identityRestored.add(table);
      return def?.Constraint ? constraintEffect(e, table, def.Constraint, ctx, false) : 'ACCESS EXCLUSIVE';
    case 'AT_ValidateConstraint': {
      e.scans.add(table);
      const info = cmd.name ? ctx.catalog?.constraint(table, cmd.name) : undefined;
      // validating an FK reads the referenced table with SELECT … FOR KEY SHARE
      if (info?.type === 'foreign' && info.references && info.references !== table)
        e.lock(info.references, 'ROW SHARE');
      return 'SHARE UPDATE EXCLUSIVE';
    }
    case 'AT_DropColumn':
      if (cmd.behavior === 'DROP_CASCADE') for (const v of dependentViews(table, ctx)) e.lock(v, 'ACCESS EXCLUSIVE');
      // the column's own FKs go with it; FKs referencing it only with CASCADE
      if (cmd.name) for (const other of fkPartners(table, cmd.name, ctx, cmd.behavior === 'DROP_CASCADE')) e.lock(other, 'ACCESS EXCLUSIVE');
      // a primary-key column takes the primary key with it
      if (cmd.name && ctx.catalog?.primaryKeyColumns(table)?.includes(cmd.name) && ctx.catalog.replicaIdentity(table).kind === 'default')
        loseIdentity(e, table, 'primary-key', cmd.name, 'catalog', ctx);
      return 'ACCESS EXCLUSIVE';
    case 'AT_ReplicaIdentity': {
      const kind = def?.ReplicaIdentityStmt?.identity_type as string | undefined;
      if (kind === 'i' || kind === 'f' || (kind === 'd' && ctx.catalog?.primaryKeyColumns(table))) e.identityRestored.add(table);
      return 'ACCESS EXCLUSIVE';
    }
    case 'AT_DropConstraint': {
      const info = cmd.name ? ctx.catalog?.constraint(table, cmd.name) : undefined;
      if (cmd.name) primaryKeyDrop(e, table, cmd.name, ctx);
      // dropping an FK drops its triggers on the referenced table too
      if (info?.type === 'foreign' && info.references && info.references !== table)
        e.lock(info.references, 'ACCESS EXCLUSIVE');
      return 'ACCESS EXCLUSIVE';
    }
    case 'AT_SetStatistics':
    case 'AT_SetOptions':
    case 'AT_ResetOptions':
    case 'AT_ClusterOn':
    case 'AT_DropCluster':
    case 'AT_DetachPartitionFinalize':
    case 'AT_ReAddStatistics':
      return 'SHARE UPDATE EXCLUSIVE';
    case 'AT_EnableTrig':
    case 'AT_EnableAlwaysTrig':
    case 'AT_EnableReplicaTrig':
    case 'AT_EnableTrigAll':
    case 'AT_EnableTrigUser':
    case 'AT_DisableTrig':
    case 'AT_DisableTrigAll':
    case 'AT_DisableTrigUser':
      return 'SHARE ROW EXCLUSIVE';
    case 'AT_SetLogged':
    case 'AT_SetUnLogged':
    case 'AT_SetAccessMethod':
    case 'AT_SetTableSpace':
      // SET TABLESPACE copies the files; on an index it copies the index only
      e.rewrites.add(table);
      return 'ACCESS EXCLUSIVE';
    case 'AT_SetRelOptions':
    case 'AT_ResetRelOptions': {
      if (objtype === 'OBJECT_VIEW') return 'ACCESS EXCLUSIVE';
      let mode: LockMode = 'SHARE UPDATE EXCLUSIVE';
      for (const item of (def?.List?.items ?? []) as AnyNode[]) {
        const name = item.DefElem?.defnamespace
          ? `${item.DefElem.defnamespace}.${item.DefElem.defname}`
          : (item.DefElem?.defname ?? '');
        if (relOptionLock(name) === 'ACCESS EXCLUSIVE') mode = 'ACCESS EXCLUSIVE';
      }
      return mode;
    }
    case 'AT_AddInherit':
      if (def?.RangeVar) e.lock(relationName(def.RangeVar, ctx.searchPath), 'SHARE UPDATE EXCLUSIVE');
      return 'ACCESS EXCLUSIVE';
    case 'AT_DropInherit':
      if (def?.RangeVar) e.lock(relationName(def.RangeVar, ctx.searchPath), 'ACCESS SHARE');
      return 'ACCESS EXCLUSIVE';
    case 'AT_AttachPartition': {
      const part = def?.PartitionCmd?.name;
      if (part) {
        const partition = relationName(part, ctx.searchPath);
        if (objtype === 'OBJECT_INDEX') {
          e.lock(partition, 'SHARE UPDATE EXCLUSIVE');
          // both indexes' tables are opened to check that the partition index matches
          for (const index of [table, partition]) {
            const owner = ctx.catalog?.tableOfIndex(index);
            if (owner) e.lock(owner, 'ACCESS SHARE');
          }
          return 'SHARE UPDATE EXCLUSIVE';
        }
        // the partition is scanned to prove the bound unless a CHECK already implies it
        e.lock(partition, 'ACCESS EXCLUSIVE');
        e.scans.add(partition);
      }
      // PostgreSQL 12 lowered the parent's lock from ACCESS EXCLUSIVE
      return ctx.pgVersion >= 12 ? 'SHARE UPDATE EXCLUSIVE' : 'ACCESS EXCLUSIVE';
    }
    case 'AT_DetachPartition': {
      const concurrent = def?.PartitionCmd?.concurrent === true;
      const part = def?.PartitionCmd?.name;
      // CONCURRENTLY spares the parent, not the partition: its second transaction takes
      // ACCESS EXCLUSIVE on it (observed on PostgreSQL 15 from a second session)
      if (part) e.lock(relationName(part, ctx.searchPath), 'ACCESS EXCLUSIVE');
      if (concurrent) e.transactional = false;
      return concurrent ? 'SHARE UPDATE EXCLUSIVE' : 'ACCESS EXCLUSIVE';
    }
    default:
      // Every other subcommand (DROP COLUMN, SET DEFAULT, DROP NOT NULL, storage,
      // compression, identity, row security, replica identity, rules, owner, OF, …)
      // takes ACCESS EXCLUSIVE; unknown ones too, which is the safe side.
      return 'ACCESS EXCLUSIVE';
  }
}

/** Subcommands PostgreSQL applies to every partition / inheritance child as well. */
const RECURSING_SUBCOMMANDS = new Set([
  'AT_AddColumn',
  'AT_DropColumn',
  'AT_AlterColumnType',
  'AT_ColumnDefault',
  'AT_SetNotNull',
  'AT_DropNotNull',
  'AT_SetStatistics',
  'AT_SetOptions',
  'AT_ResetOptions',
  'AT_SetStorage',
  'AT_SetCompression',
  'AT_AddConstraint',
  'AT_DropConstraint',
  'AT_ValidateConstraint',
  'AT_AddIdentity',
  'AT_SetIdentity',
  'AT_DropIdentity',
  'AT_SetExpression',
  'AT_DropExpression',
]);

function alterTable(e: EffectBuilder, n: AnyNode, ctx: DescribeContext): void {
  const objtype = (n.objtype as string) ?? 'OBJECT_TABLE';
  e.kind = `ALTER ${objectWord(objtype)}`;
  if (!n.relation) return;
  const table = relationName(n.relation, ctx.searchPath);
  const children = n.relation.inh === true && objtype !== 'OBJECT_INDEX' ? descendants(table, ctx) : [];
  let mode: LockMode | undefined;
  for (const c of (n.cmds ?? []) as AnyNode[]) {
    const cmd = c.AlterTableCmd as AnyNode | undefined;
    if (!cmd) continue;
    const rewrote = e.rewrites.has(table);
    const m = alterTableCmd(e, table, objtype, cmd, ctx);
    if (mode === undefined || lockRank(m) > lockRank(mode)) mode = m;
    if (RECURSING_SUBCOMMANDS.has(cmd.subtype))
      for (const child of children) {
        e.lock(child, m);
        if (!rewrote && e.rewrites.has(table)) e.rewrites.add(child);
        if (e.scans.has(table)) e.scans.add(child);
      }
    // an attached / detached partition brings its own partitions along
    const part = cmd.def?.PartitionCmd?.name;
    if (part && objtype !== 'OBJECT_INDEX' && (cmd.subtype === 'AT_AttachPartition' || cmd.subtype === 'AT_DetachPartition')) {
      const partition = relationName(part, ctx.searchPath);
      const partMode = cmd.subtype === 'AT_AttachPartition' ? 'ACCESS EXCLUSIVE' : m;
      for (const d of descendants(partition, ctx)) e.lock(d, partMode);
    }
  }
  e.lock(table, mode ?? 'ACCESS EXCLUSIVE');
}

function lockReads(e: EffectBuilder, node: unknown, ctx: DescribeContext, mode: LockMode = 'ACCESS SHARE'): void {
  for (const rv of readRangeVars(node)) lockTree(e, rv, mode, ctx);
}

function hasOption(options: unknown, name: string): boolean {
  return optionValue(options, name) === true;
}

/** A boolean option as PostgreSQL's defGetBoolean reads it; undefined when not written. */
function optionValue(options: unknown, name: string): boolean | undefined {
  const o = ((options ?? []) as AnyNode[]).find((x) => x.DefElem?.defname === name);
  if (!o) return undefined;
  const arg = o.DefElem.arg as AnyNode | undefined;
  if (!arg) return true;
  if (arg.Boolean) return arg.Boolean.boolval === true;
  if (arg.Integer) return arg.Integer.ival !== 0 && arg.Integer.ival !== undefined;
  const s = (arg.String?.sval ?? '').toLowerCase();
  return !['false', 'off', '0', 'no'].includes(s);
}

function createTable(e: EffectBuilder, n: AnyNode, ctx: DescribeContext): void {
  e.kind = 'CREATE TABLE';
  const table = relationName(n.relation, ctx.searchPath, true);
  e.creates.add(table);
  for (const elt of (n.tableElts ?? []) as AnyNode[]) {
    if (elt.TableLikeClause?.relation) e.lock(relationName(elt.TableLikeClause.relation, ctx.searchPath), 'ACCESS SHARE');
    const cons: AnyNode[] = [];
    if (elt.Constraint) cons.push(elt.Constraint);
    for (const c of (elt.ColumnDef?.constraints ?? []) as AnyNode[]) if (c.Constraint) cons.push(c.Constraint);
    for (const con of cons) if (con.contype === 'CONSTR_FOREIGN') constraintEffect(e, table, con, ctx, true);
  }
  // CREATE TABLE … PARTITION OF locks the parent exclusively; INHERITS only self-exclusively
  const parentMode: LockMode = n.partbound ? 'ACCESS EXCLUSIVE' : 'SHARE UPDATE EXCLUSIVE';
  for (const p of (n.inhRelations ?? []) as AnyNode[]) {
    if (!p.RangeVar) continue;
    const parent = relationName(p.RangeVar, ctx.searchPath);
    e.lock(parent, parentMode);
    // a new partition gets clones of the parent's foreign keys, which lock the referenced tables
    if (n.partbound) for (const ref of ctx.catalog?.referencedBy(parent) ?? []) if (ref !== parent) e.lock(ref, 'SHARE ROW EXCLUSIVE');
  }
  if (n.partbound) e.kind = 'CREATE TABLE PARTITION OF';
}

/** Views reading a relation, and the views reading those. */
function dependentViews(rel: string, ctx: DescribeContext): string[] {
  const out: string[] = [];
  const todo = [rel];
  const seen = new Set(todo);
  while (todo.length && ctx.catalog)
    for (const v of ctx.catalog.viewsReading(todo.pop()!))
      if (!seen.has(v)) {
        seen.add(v);
        out.push(v);
        todo.push(v);
      }
  return out;
}

function dropCascade(e: EffectBuilder, rel: string, ctx: DescribeContext, cascade: boolean): void {
  e.lock(rel, 'ACCESS EXCLUSIVE');
  e.drops.add(rel);
  if (cascade) for (const v of dependentViews(rel, ctx)) if (!e.drops.has(v)) dropCascade(e, v, ctx, true);
}

function dropStmt(e: EffectBuilder, n: AnyNode, ctx: DescribeContext): void {
  const removeType = n.removeType as string;
  const concurrent = n.concurrent === true;
  const cascade = n.behavior === 'DROP_CASCADE';
  e.kind = `DROP ${objectWord(removeType)}${concurrent ? ' CONCURRENTLY' : ''}`;
  for (const obj of (n.objects ?? []) as AnyNode[]) {
    const names = obj.List ? stringList(obj.List.items) : obj.String ? [obj.String.sval] : [];
    if (names.length === 0 && obj.TypeName) {
      const name = qualifyList(stringList(obj.TypeName.names), ctx.searchPath);
      e.drops.add(name);
      if (cascade) for (const t of ctx.catalog?.tablesUsingType(name) ?? []) e.lock(t, 'ACCESS EXCLUSIVE');
      continue;
    }
    if (names.length === 0) continue;
    if (RELATION_OBJECTS.has(removeType)) {
      const rel = qualifyList(names, ctx.searchPath);
      e.drops.add(rel);
      if (removeType === 'OBJECT_INDEX') {
        const mode: LockMode = concurrent ? 'SHARE UPDATE EXCLUSIVE' : 'ACCESS EXCLUSIVE';
        const owner = ctx.catalog?.tableOfIndex(rel);
        e.lock(owner ?? rel, mode);
        const identity = owner ? ctx.catalog!.replicaIdentity(owner) : undefined;
        if (owner && identity?.kind === 'index' && identity.index === rel) loseIdentity(e, owner, 'identity-index', rel, 'catalog', ctx);
      } else {
        e.lock(rel, 'ACCESS EXCLUSIVE');
        // a partition leaves its parent's partition descriptor: the parent is locked too
        // (heap_drop_with_catalog; observed on PGlite and PostgreSQL 15)
        const parent = removeType === 'OBJECT_TABLE' ? ctx.catalog?.partitionParent(rel) : undefined;
        if (parent) e.lock(parent, 'ACCESS EXCLUSIVE');
        // the referenced tables lose this table's FK triggers
        for (const ref of ctx.catalog?.referencedBy(rel) ?? []) if (ref !== rel) e.lock(ref, 'ACCESS EXCLUSIVE');
        // CASCADE drops the FKs of the tables referencing it, and their triggers with them
        if (cascade) for (const from of ctx.catalog?.referencing(rel) ?? []) e.lock(from, 'ACCESS EXCLUSIVE');
        // partitions go with their table; inheritance children and views only with CASCADE
        for (const d of descendants(rel, ctx, !cascade)) dropCascade(e, d, ctx, cascade);
        if (cascade) for (const v of dependentViews(rel, ctx)) dropCascade(e, v, ctx, true);
      }
    } else if (removeType === 'OBJECT_TRIGGER' || removeType === 'OBJECT_POLICY' || removeType === 'OBJECT_RULE') {
      e.lock(qualifyList(names.slice(0, -1), ctx.searchPath), 'ACCESS EXCLUSIVE');
    } else if (removeType === 'OBJECT_SCHEMA') {
      e.drops.add(names[0] ?? '?');
      if (cascade) for (const rel of ctx.catalog?.relationsInSchema(names[0] ?? '') ?? []) dropCascade(e, rel, ctx, true);
    } else {
      const name = qualifyList(names, ctx.searchPath);
      e.drops.add(name);
      // dropping a type / domain CASCADE drops the columns that use it
      if (cascade && (removeType === 'OBJECT_TYPE' || removeType === 'OBJECT_DOMAIN'))
        for (const t of ctx.catalog?.tablesUsingType(name) ?? []) e.lock(t, 'ACCESS EXCLUSIVE');
    }
  }
  if (concurrent) e.transactional = false;
}

function renameStmt(e: EffectBuilder, n: AnyNode, ctx: DescribeContext): void {
  const renameType = n.renameType as string;
  const relType = (n.relationType as string) ?? 'OBJECT_TABLE';
  if (!n.relation) {
    e.kind = `ALTER ${objectWord(renameType)} RENAME`;
    return;
  }
  const rel = relationName(n.relation, ctx.searchPath);
  if (renameType === 'OBJECT_COLUMN' || renameType === 'OBJECT_TABCONSTRAINT') {
    e.kind = `ALTER ${objectWord(relType)} RENAME ${renameType === 'OBJECT_COLUMN' ? 'COLUMN' : 'CONSTRAINT'}`;
    lockTree(e, n.relation, 'ACCESS EXCLUSIVE', ctx);
  } else if (renameType === 'OBJECT_TRIGGER' || renameType === 'OBJECT_POLICY' || renameType === 'OBJECT_RULE') {
    e.kind = `ALTER ${objectWord(renameType)} RENAME`;
    e.lock(rel, 'ACCESS EXCLUSIVE');
  } else {
    e.kind = `ALTER ${objectWord(renameType)} RENAME`;
    // PostgreSQL 12+ renames an index under SHARE UPDATE EXCLUSIVE
    const mode: LockMode =
      renameType === 'OBJECT_INDEX' && ctx.pgVersion >= 12 ? 'SHARE UPDATE EXCLUSIVE' : 'ACCESS EXCLUSIVE';
    e.lock(rel, mode);
    e.drops.add(rel);
    e.creates.add(qualifyName(n.newname, rel.split('.')[0], ctx.searchPath));
  }
}

function vacuumStmt(e: EffectBuilder, n: AnyNode, ctx: DescribeContext): void {
  const full = hasOption(n.options, 'full');
  const isVacuum = n.is_vacuumcmd === true;
  e.kind = isVacuum ? (full ? 'VACUUM FULL' : 'VACUUM') : 'ANALYZE';
  // ANALYZE alone may run in a transaction block; VACUUM never
  e.transactional = !isVacuum;
  const mode: LockMode = full ? 'ACCESS EXCLUSIVE' : 'SHARE UPDATE EXCLUSIVE';
  for (const r of (n.rels ?? []) as AnyNode[]) {
    const rv = r.VacuumRelation?.relation;
    if (!rv) continue;
    const rel = relationName(rv, ctx.searchPath);
    // a partitioned table is processed partition by partition; PostgreSQL 18 also
    // processes inheritance children (unless ONLY), before that ANALYZE only samples them
    const processed = rv.inh === true ? descendants(rel, ctx, ctx.pgVersion < 18) : [];
    for (const r of [rel, ...processed]) {
      e.lock(r, mode);
      if (full) e.rewrites.add(r);
      e.scans.add(r);
    }
    if (rv.inh === true && ctx.pgVersion < 18 && (!isVacuum || hasOption(n.options, 'analyze')))
      for (const child of descendants(rel, ctx)) e.lock(child, 'ACCESS SHARE');
  }
}

function reindexStmt(e: EffectBuilder, n: AnyNode, ctx: DescribeContext): void {
  const concurrent = hasOption(n.params, 'concurrently');
  e.kind = concurrent ? 'REINDEX CONCURRENTLY' : 'REINDEX';
  const kind = n.kind as string;
  if (concurrent || kind === 'REINDEX_OBJECT_SCHEMA' || kind === 'REINDEX_OBJECT_DATABASE' || kind === 'REINDEX_OBJECT_SYSTEM')
    e.transactional = false;
  if (!n.relation) return;
  const rel = relationName(n.relation, ctx.searchPath);
  if (kind === 'REINDEX_OBJECT_INDEX') {
    const table = ctx.catalog?.tableOfIndex(rel);
    if (concurrent) {
      e.lock(table ?? rel, 'SHARE UPDATE EXCLUSIVE');
    } else {
      // the table is locked SHARE (reads and the index build only), the index exclusively
      if (table) e.lock(table, 'SHARE');
      e.lock(rel, 'ACCESS EXCLUSIVE');
    }
    if (table) e.scans.add(table);
  } else {
    e.lock(rel, concurrent ? 'SHARE UPDATE EXCLUSIVE' : 'SHARE');
    e.scans.add(rel);
    // a partitioned table is reindexed partition by partition, one transaction each
    if (kind === 'REINDEX_OBJECT_TABLE' && ctx.catalog?.isPartitioned(rel)) e.transactional = false;
  }
}

function dmlStmt(e: EffectBuilder, type: string, n: AnyNode, ctx: DescribeContext): void {
  e.kind = type === 'InsertStmt' ? 'INSERT' : type === 'UpdateStmt' ? 'UPDATE' : type === 'DeleteStmt' ? 'DELETE' : 'MERGE';
  lockReads(e, n, ctx);
  lockCteWrites(e, n, ctx);
  if (n.relation) {
    const table = lockTree(e, n.relation, 'ROW EXCLUSIVE', ctx);
    if (type === 'InsertStmt') for (const ref of fkChecksOnInsert(table, n, ctx)) e.lock(ref, 'ROW SHARE');
  }
}

/**
 * Tables an INSERT … VALUES's foreign-key checks read (SELECT … FOR KEY SHARE takes ROW
 * SHARE): those whose FK columns get a value that is not a literal NULL.
 */
function fkChecksOnInsert(table: string, n: AnyNode, ctx: DescribeContext): string[] {
  const fks = ctx.catalog?.foreignKeysOf(table) ?? [];
  if (!fks.length) return [];
  const cols = ((n.cols ?? []) as AnyNode[]).map((c) => c.ResTarget?.name as string | undefined);
  const rows = ((n.selectStmt?.SelectStmt?.valuesLists ?? []) as AnyNode[]).map((l) => (l.List?.items ?? []) as AnyNode[]);
  // INSERT … SELECT checks only the rows its query returns: data, not the statement, decides
  if (!rows.length) return [];
  const out = new Set<string>();
  for (const fk of fks) {
    if (!fk.references || fk.references === table) continue;
    const positions = cols.length && fk.columns ? fk.columns.map((c) => cols.indexOf(c)) : undefined;
    if (positions && positions.every((p) => p < 0)) continue;
    // checked when some row gives one of the FK's columns a non-NULL value
    if (positions) {
      const nonNull = rows.some((row) => positions.some((p) => p >= 0 && row[p] !== undefined && row[p]!.A_Const?.isnull !== true));
      if (!nonNull) continue;
    }
    out.add(fk.references);
  }
  return [...out];
}

function lockOwnedBy(e: EffectBuilder, options: unknown, ctx: DescribeContext): void {
  for (const o of (options ?? []) as AnyNode[]) {
    if (o.DefElem?.defname !== 'owned_by') continue;
    const names = stringList(o.DefElem.arg?.List?.items);
    if (names.length >= 2) e.lock(qualifyList(names.slice(0, -1), ctx.searchPath), 'ACCESS SHARE');
  }
}

/** `WITH x AS (INSERT / UPDATE / DELETE …)`: the data-modifying CTEs write their tables. */
function lockCteWrites(e: EffectBuilder, n: AnyNode, ctx: DescribeContext): void {
  walk(n.withClause, (key, value) => {
    if ((key === 'InsertStmt' || key === 'UpdateStmt' || key === 'DeleteStmt' || key === 'MergeStmt') && value.relation)
      lockTree(e, value.relation, 'ROW EXCLUSIVE', ctx);
    return true;
  });
}

function selectStmt(e: EffectBuilder, n: AnyNode, ctx: DescribeContext): void {
  e.kind = 'SELECT';
  lockCteWrites(e, n, ctx);
  const clauses = ((n.lockingClause ?? []) as AnyNode[]).map((c) => c.LockingClause as AnyNode);
  const lockedNames = new Set(clauses.flatMap((c) => ((c?.lockedRels ?? []) as AnyNode[]).map((r) => r.RangeVar?.relname)));
  const lockAll = clauses.some((c) => !c?.lockedRels?.length);
  for (const rv of readRangeVars(n)) {
    // FOR UPDATE/SHARE [OF …] takes ROW SHARE on the locked tables
    const locked = clauses.length > 0 && (lockAll || lockedNames.has(rv.alias?.aliasname ?? rv.relname) || lockedNames.has(rv.relname));
    lockTree(e, rv, locked ? 'ROW SHARE' : 'ACCESS SHARE', ctx);
  }
  if (n.intoClause?.rel) {
    e.kind = 'SELECT INTO';
    e.creates.add(relationName(n.intoClause.rel, ctx.searchPath, true));
  }
}

const TRANSACTION_KINDS: Record<string, string> = {
  TRANS_STMT_BEGIN: 'BEGIN',
  TRANS_STMT_START: 'BEGIN',
  TRANS_STMT_COMMIT: 'COMMIT',
  TRANS_STMT_ROLLBACK: 'ROLLBACK',
  TRANS_STMT_SAVEPOINT: 'SAVEPOINT',
  TRANS_STMT_RELEASE: 'RELEASE SAVEPOINT',
  TRANS_STMT_ROLLBACK_TO: 'ROLLBACK TO SAVEPOINT',
  TRANS_STMT_PREPARE: 'PREPARE TRANSACTION',
  TRANS_STMT_COMMIT_PREPARED: 'COMMIT PREPARED',
  TRANS_STMT_ROLLBACK_PREPARED: 'ROLLBACK PREPARED',
};

/**
 * Describe what one statement does: its strongest lock per relation, rewrites, scans,
 * whether it may run in a transaction block, and what it creates/drops. Unqualified
 * names resolve to the first schema of `searchPath`.
 */
export function describeStatement(ast: Node, ctx: DescribeContext): StatementEffect {
  const e = new EffectBuilder();
  const entry = Object.entries(ast as AnyNode)[0];
  if (!entry) {
    e.kind = 'unparsed';
    return e.build();
  }
  const [type, raw] = entry;
  const n = (raw ?? {}) as AnyNode;
  e.kind = kindFromNodeType(type);
  switch (type) {
    case 'AlterTableStmt':
      alterTable(e, n, ctx);
      break;
    case 'RenameStmt':
      renameStmt(e, n, ctx);
      break;
    case 'AlterObjectSchemaStmt':
      e.kind = `ALTER ${objectWord(n.objectType)} SET SCHEMA`;
      if (n.relation && RELATION_OBJECTS.has(n.objectType)) {
        const rel = relationName(n.relation, ctx.searchPath);
        e.lock(rel, 'ACCESS EXCLUSIVE');
        e.drops.add(rel);
        e.creates.add(qualifyName(n.relation.relname, n.newschema, ctx.searchPath));
      }
      break;
    case 'IndexStmt': {
      const concurrent = n.concurrent === true;
      e.kind = concurrent ? 'CREATE INDEX CONCURRENTLY' : 'CREATE INDEX';
      const table = relationName(n.relation, ctx.searchPath);
      const mode: LockMode = concurrent ? 'SHARE UPDATE EXCLUSIVE' : 'SHARE';
      e.lock(table, mode);
      e.scans.add(table);
      // an index on a partitioned table is built on every partition (unless ON ONLY)
      if (n.relation.inh === true)
        for (const p of descendants(table, ctx, true)) {
          e.lock(p, mode);
          e.scans.add(p);
        }
      if (n.idxname) e.creates.add(qualifyName(n.idxname, table.split('.')[0], ctx.searchPath));
      if (concurrent) e.transactional = false;
      break;
    }
    case 'DropStmt':
      dropStmt(e, n, ctx);
      break;
    case 'CreateStmt':
      createTable(e, n, ctx);
      break;
    case 'CreateTableAsStmt': {
      const matview = n.objtype === 'OBJECT_MATVIEW';
      e.kind = matview ? 'CREATE MATERIALIZED VIEW' : 'CREATE TABLE AS';
      if (n.into?.rel) e.creates.add(relationName(n.into.rel, ctx.searchPath, true));
      lockReads(e, n.query, ctx);
      break;
    }
    case 'ViewStmt': {
      e.kind = 'CREATE VIEW';
      const view = relationName(n.view, ctx.searchPath, true);
      e.creates.add(view);
      lockReads(e, n.query, ctx);
      // replacing an existing view swaps its rule under ACCESS EXCLUSIVE
      if (n.replace && ctx.catalog?.isKnown(view)) e.lock(view, 'ACCESS EXCLUSIVE');
      break;
    }
    case 'RefreshMatViewStmt': {
      const concurrent = n.concurrent === true;
      e.kind = concurrent ? 'REFRESH MATERIALIZED VIEW CONCURRENTLY' : 'REFRESH MATERIALIZED VIEW';
      const mv = relationName(n.relation, ctx.searchPath);
      e.lock(mv, concurrent ? 'EXCLUSIVE' : 'ACCESS EXCLUSIVE');
      for (const rel of ctx.catalog?.viewReads(mv) ?? []) e.lock(rel, 'ACCESS SHARE');
      if (!concurrent) e.rewrites.add(mv);
      break;
    }
    case 'VacuumStmt':
      vacuumStmt(e, n, ctx);
      break;
    case 'ReindexStmt':
      reindexStmt(e, n, ctx);
      break;
    case 'ClusterStmt':
      e.kind = 'CLUSTER';
      if (n.relation) {
        const rel = relationName(n.relation, ctx.searchPath);
        e.lock(rel, 'ACCESS EXCLUSIVE');
        e.rewrites.add(rel);
        e.scans.add(rel);
      } else {
        e.transactional = false;
      }
      break;
    case 'TruncateStmt':
      e.kind = n.behavior === 'DROP_CASCADE' ? 'TRUNCATE CASCADE' : 'TRUNCATE';
      for (const r of (n.relations ?? []) as AnyNode[]) {
        if (!r.RangeVar) continue;
        const rel = lockTree(e, r.RangeVar, 'ACCESS EXCLUSIVE', ctx);
        // CASCADE truncates every table whose FKs reference it, transitively
        if (n.behavior === 'DROP_CASCADE' && ctx.catalog) {
          const todo = [rel];
          const seen = new Set(todo);
          while (todo.length) {
            for (const ref of ctx.catalog.referencing(todo.pop()!))
              if (!seen.has(ref)) {
                seen.add(ref);
                todo.push(ref);
                e.lock(ref, 'ACCESS EXCLUSIVE');
              }
          }
        }
      }
      break;
    case 'LockStmt': {
      e.kind = 'LOCK TABLE';
      const mode = lockModeFromNumber(typeof n.mode === 'number' ? n.mode : 8);
      for (const r of (n.relations ?? []) as AnyNode[]) if (r.RangeVar) lockTree(e, r.RangeVar, mode, ctx);
      break;
    }
    case 'CreateTrigStmt':
      e.kind = n.isconstraint ? 'CREATE CONSTRAINT TRIGGER' : 'CREATE TRIGGER';
      if (n.relation) {
        const table = relationName(n.relation, ctx.searchPath);
        e.lock(table, 'SHARE ROW EXCLUSIVE');
        // row triggers on a partitioned table are cloned to every partition
        if (n.row) for (const p of descendants(table, ctx, true)) e.lock(p, 'SHARE ROW EXCLUSIVE');
      }
      if (n.constrrel) e.lock(relationName(n.constrrel, ctx.searchPath), 'ACCESS SHARE');
      break;
    case 'CommentStmt': {
      e.kind = `COMMENT ON ${objectWord(n.objtype)}`;
      const names = stringList(n.object?.List?.items);
      if (n.objtype === 'OBJECT_COLUMN' && names.length >= 2)
        e.lock(qualifyList(names.slice(0, -1), ctx.searchPath), 'SHARE UPDATE EXCLUSIVE');
      else if (RELATION_OBJECTS.has(n.objtype) && names.length >= 1)
        e.lock(qualifyList(names, ctx.searchPath), 'SHARE UPDATE EXCLUSIVE');
      else if (n.objtype === 'OBJECT_TABCONSTRAINT' || n.objtype === 'OBJECT_TRIGGER' || n.objtype === 'OBJECT_POLICY') {
        // the object is looked up through its table, which is only read-locked
        if (names.length >= 2) e.lock(qualifyList(names.slice(0, -1), ctx.searchPath), 'ACCESS SHARE');
      }
      break;
    }
    case 'InsertStmt':
    case 'UpdateStmt':
    case 'DeleteStmt':
    case 'MergeStmt':
      dmlStmt(e, type, n, ctx);
      break;
    case 'SelectStmt':
      selectStmt(e, n, ctx);
      break;
    case 'CopyStmt':
      e.kind = n.is_from ? 'COPY FROM' : 'COPY TO';
      if (n.relation) e.lock(relationName(n.relation, ctx.searchPath), n.is_from ? 'ROW EXCLUSIVE' : 'ACCESS SHARE');
      if (n.query) lockReads(e, n.query, ctx);
      break;
    case 'CreateSeqStmt':
      e.kind = 'CREATE SEQUENCE';
      e.creates.add(relationName(n.sequence, ctx.searchPath, true));
      lockOwnedBy(e, n.options, ctx);
      break;
    case 'AlterSeqStmt':
      e.kind = 'ALTER SEQUENCE';
      // nextval() takes ROW EXCLUSIVE on the sequence, so inserts using it wait
      e.lock(relationName(n.sequence, ctx.searchPath), 'SHARE ROW EXCLUSIVE');
      lockOwnedBy(e, n.options, ctx);
      break;
    case 'CreatePublicationStmt':
    case 'AlterPublicationStmt':
      e.kind = type === 'CreatePublicationStmt' ? 'CREATE PUBLICATION' : 'ALTER PUBLICATION';
      walk(n.pubobjects, (key, value) => {
        if ((key === 'pubtable' || key === 'PublicationTable') && value.relation)
          e.lock(relationName(value.relation, ctx.searchPath), 'SHARE UPDATE EXCLUSIVE');
      });
      break;
    case 'AlterDomainStmt': {
      e.kind = 'ALTER DOMAIN';
      const domain = stringList(n.typeName).join('.');
      const con = n.def?.Constraint as AnyNode | undefined;
      // a new domain CHECK is validated against every column of that domain
      if (n.subtype === 'C' && con && con.skip_validation !== true)
        for (const t of ctx.catalog?.tablesUsingType(domain) ?? []) {
          e.lock(t, 'SHARE');
          e.scans.add(t);
        }
      if (n.subtype === 'V') for (const t of ctx.catalog?.tablesUsingType(domain) ?? []) e.lock(t, 'SHARE');
      break;
    }
    case 'CreateEnumStmt':
    case 'CompositeTypeStmt':
    case 'CreateRangeStmt':
      e.kind = 'CREATE TYPE';
      if (type === 'CompositeTypeStmt' && n.typevar) e.creates.add(relationName(n.typevar, ctx.searchPath));
      else e.creates.add(qualifyList(stringList(n.typeName), ctx.searchPath));
      break;
    case 'CreateDomainStmt':
      e.kind = 'CREATE DOMAIN';
      e.creates.add(qualifyList(stringList(n.domainname), ctx.searchPath));
      break;
    case 'AlterEnumStmt':
      e.kind = n.oldVal ? 'ALTER TYPE RENAME VALUE' : 'ALTER TYPE ADD VALUE';
      // before PostgreSQL 12 ADD VALUE cannot run inside a transaction block
      if (!n.oldVal && ctx.pgVersion < 12) e.transactional = false;
      break;
    case 'CreatePolicyStmt':
    case 'AlterPolicyStmt':
      e.kind = type === 'CreatePolicyStmt' ? 'CREATE POLICY' : 'ALTER POLICY';
      if (n.table) e.lock(relationName(n.table, ctx.searchPath), 'ACCESS EXCLUSIVE');
      break;
    case 'RuleStmt':
      e.kind = 'CREATE RULE';
      if (n.relation) e.lock(relationName(n.relation, ctx.searchPath), 'ACCESS EXCLUSIVE');
      break;
    case 'CreateStatsStmt':
      e.kind = 'CREATE STATISTICS';
      for (const r of (n.relations ?? []) as AnyNode[])
        if (r.RangeVar) e.lock(relationName(r.RangeVar, ctx.searchPath), 'SHARE UPDATE EXCLUSIVE');
      break;
    case 'GrantStmt':
      e.kind = n.is_grant ? 'GRANT' : 'REVOKE';
      // PostgreSQL 18 looks the relations up under ACCESS SHARE (get_object_address)
      if (ctx.pgVersion >= 18 && n.targtype === 'ACL_TARGET_OBJECT' && (n.objtype === 'OBJECT_TABLE' || n.objtype === 'OBJECT_SEQUENCE'))
        for (const o of (n.objects ?? []) as AnyNode[]) if (o.RangeVar) e.lock(relationName(o.RangeVar, ctx.searchPath), 'ACCESS SHARE');
      break;
    case 'GrantRoleStmt':
      e.kind = n.is_grant ? 'GRANT ROLE' : 'REVOKE ROLE';
      break;
    case 'CreateFunctionStmt':
      e.kind = n.is_procedure ? 'CREATE PROCEDURE' : 'CREATE FUNCTION';
      break;
    case 'DoStmt':
      e.kind = 'DO';
      break;
    case 'CreateSchemaStmt': {
      e.kind = 'CREATE SCHEMA';
      const schema = (n.schemaname as string | undefined) ?? n.authrole?.RoleSpec?.rolename ?? '?';
      e.creates.add(schema);
      const inner: DescribeContext = { ...ctx, searchPath: [schema] };
      for (const elt of (n.schemaElts ?? []) as AnyNode[]) {
        const sub = describeStatement(elt as Node, inner);
        for (const l of sub.locks) e.lock(l.relation, l.mode);
        for (const c of sub.creates) e.creates.add(c);
      }
      break;
    }
    case 'CreateExtensionStmt':
      e.kind = 'CREATE EXTENSION';
      break;
    case 'CreateSubscriptionStmt': {
      e.kind = 'CREATE SUBSCRIPTION';
      // creating the replication slot cannot run in a transaction block; create_slot defaults
      // to true, and to false with connect = false (checked on PostgreSQL 15)
      const connect = optionValue(n.options, 'connect') ?? true;
      if (optionValue(n.options, 'create_slot') ?? connect) e.transactional = false;
      break;
    }
    case 'TransactionStmt':
      e.kind = TRANSACTION_KINDS[n.kind as string] ?? 'TRANSACTION';
      break;
    case 'VariableSetStmt':
      e.kind = n.kind === 'VAR_RESET' || n.kind === 'VAR_RESET_ALL' ? 'RESET' : 'SET';
      break;
    case 'CreatedbStmt':
    case 'DropdbStmt':
    case 'AlterSystemStmt':
    case 'CreateTableSpaceStmt':
    case 'DropTableSpaceStmt':
      e.transactional = false;
      break;
  }
  return e.build();
}
