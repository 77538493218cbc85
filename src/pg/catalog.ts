// What the lock model may know about the existing schema: indexes and their tables,
// column types, sequences, foreign keys. Filled from earlier statements (of this file
// or of the migration history) so DROP INDEX, ALTER COLUMN TYPE and DROP TABLE can be
// judged precisely; without it the model falls back to documented assumptions.
import type { Node } from '@pgsql/types';
import { type AnyNode, qualifyList, qualifyName, readRelations, relationName, SERIAL_TYPES, stringList, typeBase, typeNameToString } from './names.js';

export interface ConstraintInfo {
  type: 'foreign' | 'check' | 'primary' | 'unique' | 'exclusion' | 'notnull';
  /** Referenced table of a foreign key. */
  references?: string;
  /** The constrained columns (the FK's own columns), when written or implied. */
  columns?: string[];
  /** A foreign key's referenced columns, when written. */
  refColumns?: string[];
}

/** A foreign key and the table it is declared on. */
export interface ForeignKey extends ConstraintInfo {
  table: string;
  name: string;
}

export interface CatalogView {
  /** Grows whenever the catalog learns something (answers may be kept until it does). */
  generation?(): number;
  tableOfIndex(index: string): string | undefined;
  columnType(table: string, column: string): string | undefined;
  isSequence(relation: string): boolean;
  constraint(table: string, name: string): ConstraintInfo | undefined;
  /** Tables this table's foreign keys reference. */
  referencedBy(table: string): string[];
  isKnown(relation: string): boolean;
  /** Tables whose foreign keys reference this table. */
  referencing(table: string): string[];
  /** Whether an index the catalog knows covers this column (or an expression). */
  hasIndexOn(table: string, column: string): boolean;
  /** Columns of the table's primary key, when known. */
  primaryKeyColumns(table: string): string[] | undefined;
  /** Foreign keys declared on this table. */
  foreignKeysOf(table: string): ForeignKey[];
  /** Foreign keys of other tables that reference this table. */
  foreignKeysTo(table: string): ForeignKey[];
  /** Relations a view / materialized view reads. */
  viewReads(view: string): string[];
  /** Views / materialized views that read this relation. */
  viewsReading(relation: string): string[];
  /** Direct children: partitions (`partition: true`) and inheritance children. */
  children(table: string): { relation: string; partition: boolean }[];
  isPartitioned(table: string): boolean;
  /** The partitioned table this relation is a partition of, when known. */
  partitionParent(relation: string): string | undefined;
  /** Tables with a column of this type (matched by the type's name, schema ignored). */
  tablesUsingType(typeName: string): string[];
  /** Relations (tables, views, sequences, indexes) known in a schema. */
  relationsInSchema(schema: string): string[];
  /**
   * Publications known to publish UPDATE or DELETE of the table (named in FOR TABLE, or FOR
   * ALL TABLES / TABLES IN SCHEMA): without a replica identity, those statements fail on it.
   */
  publishing(table: string): string[];
  /** REPLICA IDENTITY of the table as the migrations set it (`default` when never set). */
  replicaIdentity(table: string): ReplicaIdentity;
  /** A publication the migrations created, as it stands. */
  publication(name: string): Publication | undefined;
}

/** pg_class.relreplident: `default` uses the primary key, `index` a named unique index. */
export type ReplicaIdentity = { kind: 'default' | 'full' | 'nothing' } | { kind: 'index'; index: string };

export interface Publication {
  allTables: boolean;
  tables: Set<string>;
  schemas: Set<string>;
  /** The `publish` option includes update or delete (the default publishes both). */
  updatesOrDeletes: boolean;
}

export class Catalog implements CatalogView {
  private readonly indexes = new Map<string, string>();
  private readonly columns = new Map<string, Map<string, string>>();
  private readonly sequences = new Set<string>();
  private readonly constraints = new Map<string, Map<string, ConstraintInfo>>();
  private readonly relations = new Set<string>();
  private readonly reads = new Map<string, string[]>();
  private readonly partitioned = new Set<string>();
  private readonly childLinks = new Map<string, Map<string, boolean>>();
  /** Relations dropped in this layer: hides them in the base. */
  private readonly dropped = new Set<string>();
  /**
   * Relations dropped in this layer: what the base knows under the name is gone for good, also
   * when the name is used again (a table created, or renamed, to it is another table).
   */
  private readonly replaced = new Set<string>();
  /** `parent>child` links removed in this layer (DETACH, NO INHERIT). */
  private readonly unlinked = new Set<string>();
  /** Columns of each index (`*`: an expression, or not known). */
  private readonly indexColumns = new Map<string, string[]>();
  /** `table/constraint` dropped in this layer: hides it in the base. */
  private readonly droppedConstraints = new Set<string>();
  /** Tables renamed in this layer: new name → old name (as the base knows it). */
  private readonly renamedFrom = new Map<string, string>();
  /** Publications created or altered in this layer (a copy of the base's when altered). */
  private readonly publications = new Map<string, Publication>();
  private readonly droppedPublications = new Set<string>();
  private readonly identities = new Map<string, ReplicaIdentity>();
  /**
   * Relations created since the last `startChange()` (and not dropped since): a later file of
   * the same change (pull request, release) finds them new. A rename keeps the mark it had.
   */
  private readonly fresh = new Set<string>();

  /** `base` is read through, never written: a file's catalog layered over the history's. */
  constructor(private readonly base?: CatalogView) {}

  // Questions that scan a whole layer (who references a table, which indexes it has) are asked
  // for many statements while the schema of a long history stands still: answers are kept until
  // this layer or one below it learns something.
  private version = 0;
  private readonly answers = new Map<string, unknown>();
  private answersAt = -1;
  /** Grows whenever this layer or one below it learns something. */
  generation(): number {
    return this.version + (this.base?.generation?.() ?? 0);
  }
  private remember<T>(key: string, compute: () => T): T {
    const g = this.generation();
    if (g !== this.answersAt) {
      this.answers.clear();
      this.answersAt = g;
    }
    if (this.answers.has(key)) return this.answers.get(key) as T;
    const value = compute();
    this.answers.set(key, value);
    return value;
  }

  private hidden(relation: string): boolean {
    return this.dropped.has(relation) || this.replaced.has(relation);
  }
  tableOfIndex(index: string): string | undefined {
    const local = this.indexes.get(index);
    if (local || this.hidden(index)) return local;
    const table = this.base?.tableOfIndex(index);
    return table === undefined ? undefined : this.currentName(table);
  }
  columnType(table: string, column: string): string | undefined {
    // '' marks a column dropped or renamed away in this layer
    const local = this.columns.get(table)?.get(column);
    if (local !== undefined) return local || undefined;
    return this.hidden(table) ? undefined : this.base?.columnType(this.baseName(table), column);
  }
  isSequence(relation: string): boolean {
    return this.sequences.has(relation) || (!this.hidden(relation) && (this.base?.isSequence(relation) ?? false));
  }
  constraint(table: string, name: string): ConstraintInfo | undefined {
    const local = this.constraints.get(table)?.get(name);
    if (local) return local;
    if (this.hidden(table) || this.droppedConstraints.has(`${table}/${name}`)) return undefined;
    const info = this.base?.constraint(this.baseName(table), name);
    return info?.references ? { ...info, references: this.currentName(info.references) } : info;
  }
  /** The name the base layer knows a (possibly renamed) table by. */
  private baseName(table: string): string {
    return this.renamedFrom.get(table) ?? table;
  }
  /** A base-layer name as this layer knows it (after renames), or undefined when dropped here. */
  private currentName(baseTable: string): string {
    for (const [now, before] of this.renamedFrom) if (before === baseTable) return now;
    return baseTable;
  }
  foreignKeysOf(table: string): ForeignKey[] {
    const out = new Map<string, ForeignKey>();
    if (!this.hidden(table))
      for (const fk of this.base?.foreignKeysOf(this.baseName(table)) ?? []) {
        if (this.droppedConstraints.has(`${table}/${fk.name}`) || !fk.references) continue;
        const references = this.currentName(fk.references);
        if (!this.dropped.has(references)) out.set(fk.name, { ...fk, table, references });
      }
    for (const [name, c] of this.constraints.get(table) ?? [])
      if (c.type === 'foreign' && c.references && !this.dropped.has(c.references)) out.set(name, { ...c, table, name });
    return [...out.values()];
  }
  foreignKeysTo(table: string): ForeignKey[] {
    return this.remember(`fkTo ${table}`, () => this.scanForeignKeysTo(table)).map((fk) => ({ ...fk }));
  }
  private scanForeignKeysTo(table: string): ForeignKey[] {
    const out = new Map<string, ForeignKey>();
    if (!this.hidden(table))
      for (const fk of this.base?.foreignKeysTo(this.baseName(table)) ?? []) {
        const from = this.currentName(fk.table);
        if (this.dropped.has(from) || this.droppedConstraints.has(`${from}/${fk.name}`)) continue;
        out.set(`${from}/${fk.name}`, { ...fk, table: from, references: table });
      }
    for (const [t, byName] of this.constraints)
      for (const [name, c] of byName)
        if (c.type === 'foreign' && c.references === table && !this.dropped.has(t)) out.set(`${t}/${name}`, { ...c, table: t, name });
    return [...out.values()];
  }
  hasIndexOn(table: string, column: string): boolean {
    const local = this.remember(`indexed ${table}`, () => {
      const columns = new Set<string>();
      for (const [index, t] of this.indexes) if (t === table) for (const c of this.indexColumns.get(index) ?? ['*']) columns.add(c);
      return columns;
    });
    if (local.has(column) || local.has('*')) return true;
    return !this.hidden(table) && (this.base?.hasIndexOn(this.baseName(table), column) ?? false);
  }
  primaryKeyColumns(table: string): string[] | undefined {
    for (const [name, c] of this.constraints.get(table) ?? []) if (c.type === 'primary' && !this.droppedConstraints.has(`${table}/${name}`)) return c.columns;
    return this.hidden(table) ? undefined : this.base?.primaryKeyColumns(this.baseName(table));
  }
  referencedBy(table: string): string[] {
    return [...new Set(this.foreignKeysOf(table).map((fk) => fk.references!))];
  }
  referencing(table: string): string[] {
    return [...new Set(this.foreignKeysTo(table).map((fk) => fk.table))].filter((t) => t !== table);
  }
  viewReads(view: string): string[] {
    return this.reads.get(view) ?? (this.hidden(view) ? [] : (this.base?.viewReads(view) ?? []));
  }
  viewsReading(relation: string): string[] {
    return [...this.remember(`views ${relation}`, () => this.scanViewsReading(relation))];
  }
  private scanViewsReading(relation: string): string[] {
    const out = new Set<string>((this.base?.viewsReading(relation) ?? []).filter((v) => !this.hidden(v) && !this.reads.has(v)));
    for (const [view, reads] of this.reads) if (reads.includes(relation)) out.add(view);
    return [...out];
  }
  children(table: string): { relation: string; partition: boolean }[] {
    // asked for nearly every table a statement locks (inheritance children are locked too)
    return this.remember(`children ${table}`, () => this.scanChildren(table)).map((c) => ({ ...c }));
  }
  private scanChildren(table: string): { relation: string; partition: boolean }[] {
    const out = new Map<string, boolean>();
    if (!this.hidden(table))
      for (const c of this.base?.children(table) ?? [])
        if (!this.hidden(c.relation) && !this.unlinked.has(`${table}>${c.relation}`)) out.set(c.relation, c.partition);
    for (const [child, partition] of this.childLinks.get(table) ?? []) out.set(child, partition);
    return [...out].map(([relation, partition]) => ({ relation, partition }));
  }
  partitionParent(relation: string): string | undefined {
    return this.remember(`parent ${relation}`, () => this.scanPartitionParent(relation));
  }
  private scanPartitionParent(relation: string): string | undefined {
    for (const [parent, links] of this.childLinks) if (links.get(relation) === true) return parent;
    if (this.hidden(relation)) return undefined;
    const parent = this.base?.partitionParent(relation);
    return parent !== undefined && !this.hidden(parent) && !this.unlinked.has(`${parent}>${relation}`) ? parent : undefined;
  }
  isPartitioned(table: string): boolean {
    return this.partitioned.has(table) || (!this.hidden(table) && (this.base?.isPartitioned(table) ?? false));
  }
  tablesUsingType(typeName: string): string[] {
    return [...this.remember(`typeUsers ${typeName}`, () => this.scanTablesUsingType(typeName))];
  }
  private scanTablesUsingType(typeName: string): string[] {
    const name = typeName.split('.').pop()!;
    const out = new Set<string>((this.base?.tablesUsingType(typeName) ?? []).filter((t) => !this.hidden(t)));
    for (const [table, cols] of this.columns)
      for (const type of cols.values()) if (type && typeBase(type).split('.').pop() === name) out.add(table);
    return [...out];
  }
  relationsInSchema(schema: string): string[] {
    const out = new Set<string>((this.base?.relationsInSchema(schema) ?? []).filter((r) => !this.hidden(r)));
    for (const set of [this.relations, this.sequences, new Set(this.indexes.keys())])
      for (const r of set) if (r.startsWith(`${schema}.`)) out.add(r);
    return [...out];
  }
  private link(parent: string, child: string, partition: boolean): void {
    let links = this.childLinks.get(parent);
    if (!links) this.childLinks.set(parent, (links = new Map()));
    links.set(child, partition);
    this.unlinked.delete(`${parent}>${child}`);
  }
  private unlink(parent: string, child: string): void {
    this.childLinks.get(parent)?.delete(child);
    this.unlinked.add(`${parent}>${child}`);
  }
  publishing(table: string): string[] {
    const out = new Set<string>();
    if (!this.hidden(table))
      for (const name of this.base?.publishing(this.baseName(table)) ?? []) if (!this.publications.has(name) && !this.droppedPublications.has(name)) out.add(name);
    const schema = table.split('.')[0]!;
    for (const [name, p] of this.publications)
      if (p.updatesOrDeletes && (p.allTables || p.tables.has(table) || p.schemas.has(schema))) out.add(name);
    return [...out];
  }
  replicaIdentity(table: string): ReplicaIdentity {
    const local = this.identities.get(table);
    if (local) return local;
    if (this.hidden(table) || !this.base) return { kind: 'default' };
    const base = this.base.replicaIdentity(this.baseName(table));
    // the index may have been dropped or renamed in this layer
    if (base.kind === 'index' && this.hidden(base.index)) return { kind: 'nothing' };
    return base;
  }
  publication(name: string): Publication | undefined {
    if (this.droppedPublications.has(name)) return undefined;
    return this.publications.get(name) ?? this.base?.publication(name);
  }
  /** The publication as this layer changes it: copied from the base on first change. */
  private ownPublication(name: string, create: boolean): Publication {
    let p = this.publications.get(name);
    if (!p || create) {
      const base = create ? undefined : this.base?.publication(name);
      p = base
        ? { ...base, tables: new Set(base.tables), schemas: new Set(base.schemas) }
        : { allTables: false, tables: new Set(), schemas: new Set(), updatesOrDeletes: true };
      this.publications.set(name, p);
    }
    return p;
  }
  private observePublication(n: AnyNode, searchPath: readonly string[], create: boolean): void {
    const name = n.pubname as string | undefined;
    if (!name) return;
    const p = this.ownPublication(name, create);
    this.droppedPublications.delete(name);
    if (n.for_all_tables) p.allTables = true;
    for (const o of (n.options ?? []) as AnyNode[]) {
      if (o.DefElem?.defname !== 'publish') continue;
      const kinds = String(o.DefElem.arg?.String?.sval ?? '').split(',').map((k) => k.trim().toLowerCase());
      p.updatesOrDeletes = kinds.includes('update') || kinds.includes('delete');
    }
    const objs = (n.pubobjects ?? []) as AnyNode[];
    if (n.action === 'AP_SetObjects') {
      p.tables.clear();
      p.schemas.clear();
    }
    for (const o of objs) {
      const spec = o.PublicationObjSpec as AnyNode | undefined;
      if (!spec) continue;
      const drop = n.action === 'AP_DropObjects';
      const target =
        spec.pubobjtype === 'PUBLICATIONOBJ_TABLE' && spec.pubtable?.relation ? { set: p.tables, v: relationName(spec.pubtable.relation, searchPath) }
        : spec.pubobjtype === 'PUBLICATIONOBJ_TABLES_IN_SCHEMA' && spec.name ? { set: p.schemas, v: spec.name as string }
        : spec.pubobjtype === 'PUBLICATIONOBJ_TABLES_IN_CUR_SCHEMA' ? { set: p.schemas, v: searchPath[0] ?? 'public' }
        : undefined;
      if (target) drop ? target.set.delete(target.v) : target.set.add(target.v);
    }
  }
  /** A new change begins: what earlier changes created now exists (has traffic, holds rows). */
  startChange(): void {
    this.fresh.clear();
  }
  /** Relations created by the current change and still there, for the next file's facts. */
  freshRelations(): ReadonlySet<string> {
    return new Set(this.fresh);
  }
  isKnown(relation: string): boolean {
    if (this.relations.has(relation) || this.indexes.has(relation) || this.sequences.has(relation)) return true;
    return !this.hidden(relation) && (this.base?.isKnown(relation) ?? false);
  }

  /** Record what a statement (already executed) created, changed or dropped. */
  observe(ast: Node | undefined, searchPath: readonly string[]): void {
    if (!ast) return;
    // answers kept before, or asked while learning, are stale after
    this.version++;
    try {
      this.learn(ast, searchPath);
    } finally {
      this.version++;
    }
  }

  private learn(ast: Node, searchPath: readonly string[]): void {
    const [type, raw] = Object.entries(ast as AnyNode)[0] ?? [];
    const n = raw as AnyNode;
    if (!type || !n) return;
    switch (type) {
      case 'CreateStmt': {
        const table = relationName(n.relation, searchPath, true);
        this.relations.add(table);
        this.fresh.add(table);
        this.dropped.delete(table);
        if (n.partspec) this.partitioned.add(table);
        for (const p of (n.inhRelations ?? []) as AnyNode[])
          if (p.RangeVar) this.link(relationName(p.RangeVar, searchPath), table, !!n.partbound);
        for (const elt of (n.tableElts ?? []) as AnyNode[]) {
          if (elt.ColumnDef) this.addColumn(table, elt.ColumnDef, searchPath);
          if (elt.Constraint) this.addConstraint(table, elt.Constraint, searchPath, undefined);
        }
        break;
      }
      case 'CreateTableAsStmt':
      case 'ViewStmt': {
        const rv = type === 'ViewStmt' ? n.view : n.into?.rel;
        if (rv) {
          const rel = relationName(rv, searchPath, true);
          this.relations.add(rel);
          this.fresh.add(rel);
          // a view or materialized view depends on what it reads; CREATE TABLE AS only copies it
          if (type === 'ViewStmt' || n.objtype === 'OBJECT_MATVIEW') this.reads.set(rel, [...new Set(readRelations(n.query, searchPath))]);
        }
        break;
      }
      case 'CreateSeqStmt': {
        const seq = relationName(n.sequence, searchPath, true);
        this.sequences.add(seq);
        this.fresh.add(seq);
        break;
      }
      case 'IndexStmt': {
        const table = relationName(n.relation, searchPath);
        if (n.idxname) {
          const index = qualifyName(n.idxname, table.split('.')[0], searchPath);
          this.indexes.set(index, table);
          this.fresh.add(index);
          // expression indexes name no column: they count for every column
          const cols = ((n.indexParams ?? []) as AnyNode[]).map((p) => p.IndexElem?.name as string | undefined);
          this.indexColumns.set(index, cols.every((c) => c !== undefined) ? (cols as string[]) : ['*']);
        }
        break;
      }
      case 'AlterTableStmt': {
        const table = relationName(n.relation, searchPath);
        for (const c of (n.cmds ?? []) as AnyNode[]) {
          const cmd = c.AlterTableCmd as AnyNode | undefined;
          if (!cmd) continue;
          if (cmd.subtype === 'AT_AddColumn' && cmd.def?.ColumnDef) this.addColumn(table, cmd.def.ColumnDef, searchPath);
          else if (cmd.subtype === 'AT_AlterColumnType' && cmd.name && cmd.def?.ColumnDef?.typeName)
            this.column(table).set(cmd.name, typeNameToString(cmd.def.ColumnDef.typeName));
          else if (cmd.subtype === 'AT_DropColumn' && cmd.name) {
            // an FK written without columns references the primary key (read before the column's constraints go)
            const pk = this.primaryKeyColumns(table);
            this.column(table).set(cmd.name, '');
            // constraints on the column go with it (CASCADE also takes FKs referencing it)
            for (const [name, c] of this.constraints.get(table) ?? []) if (c.columns?.includes(cmd.name)) this.dropConstraint(table, name);
            for (const fk of this.base?.foreignKeysOf(table) ?? []) if (fk.columns?.includes(cmd.name)) this.dropConstraint(table, fk.name);
            if (cmd.behavior === 'DROP_CASCADE') {
              // with the primary key not known, the FK is kept
              for (const fk of this.foreignKeysTo(table))
                if ((fk.refColumns ?? pk)?.includes(cmd.name)) this.dropConstraint(fk.table, fk.name);
            }
          }
          else if (cmd.subtype === 'AT_AddConstraint' && cmd.def?.Constraint)
            this.addConstraint(table, cmd.def.Constraint, searchPath, undefined);
          else if (cmd.subtype === 'AT_DropConstraint' && cmd.name) this.dropConstraint(table, cmd.name);
          else if (cmd.subtype === 'AT_ReplicaIdentity' && cmd.def?.ReplicaIdentityStmt) {
            const ri = cmd.def.ReplicaIdentityStmt as AnyNode;
            const kind = ri.identity_type as string;
            this.identities.set(
              table,
              kind === 'i' && ri.name ? { kind: 'index', index: qualifyName(ri.name, table.split('.')[0], searchPath) }
              : kind === 'f' ? { kind: 'full' }
              : kind === 'n' ? { kind: 'nothing' }
              : { kind: 'default' },
            );
          }
          else if (n.objtype !== 'OBJECT_INDEX' && cmd.def?.PartitionCmd?.name) {
            const part = relationName(cmd.def.PartitionCmd.name, searchPath);
            if (cmd.subtype === 'AT_AttachPartition') this.link(table, part, true);
            else if (cmd.subtype === 'AT_DetachPartition') this.unlink(table, part);
          } else if (cmd.subtype === 'AT_AddInherit' && cmd.def?.RangeVar)
            this.link(relationName(cmd.def.RangeVar, searchPath), table, false);
          else if (cmd.subtype === 'AT_DropInherit' && cmd.def?.RangeVar)
            this.unlink(relationName(cmd.def.RangeVar, searchPath), table);
        }
        break;
      }
      case 'CreatePublicationStmt':
      case 'AlterPublicationStmt':
        this.observePublication(n, searchPath, type === 'CreatePublicationStmt');
        break;
      case 'RenameStmt': {
        if (!n.relation) break;
        const rel = relationName(n.relation, searchPath);
        const renamed = qualifyName(n.newname, rel.split('.')[0], searchPath);
        if (n.renameType === 'OBJECT_TABCONSTRAINT' && n.subname) {
          const info = this.constraint(rel, n.subname);
          if (info) {
            this.dropConstraint(rel, n.subname);
            let byName = this.constraints.get(rel);
            if (!byName) this.constraints.set(rel, (byName = new Map()));
            byName.set(n.newname, info);
            this.droppedConstraints.delete(`${rel}/${n.newname}`);
          }
        } else if (n.renameType === 'OBJECT_COLUMN' && n.subname) {
          const t = this.columnType(rel, n.subname);
          if (t) {
            this.column(rel).set(n.subname, '');
            this.column(rel).set(n.newname, t);
          }
          this.renameColumnInKeys(rel, n.subname, n.newname);
        } else if (n.renameType === 'OBJECT_INDEX') {
          const t = this.tableOfIndex(rel);
          if (t) {
            this.indexes.delete(rel);
            this.indexes.set(renamed, t);
          }
          this.moveFresh(rel, renamed);
          this.dropped.add(rel);
        } else if (n.renameType === 'OBJECT_TABLE') {
          for (const map of [this.columns, this.constraints] as Map<string, unknown>[]) {
            const v = map.get(rel);
            if (v) {
              map.delete(rel);
              map.set(renamed, v);
            }
          }
          // foreign keys follow the table they reference
          for (const byName of this.constraints.values()) for (const c of byName.values()) if (c.references === rel) c.references = renamed;
          if (!this.relations.has(rel)) this.renamedFrom.set(renamed, this.renamedFrom.get(rel) ?? rel);
          for (const [idx, t] of this.indexes) if (t === rel) this.indexes.set(idx, renamed);
          this.relations.delete(rel);
          this.relations.add(renamed);
          this.moveFresh(rel, renamed);
          this.dropped.add(rel);
          this.dropped.delete(renamed);
        }
        break;
      }
      case 'DropStmt': {
        if (n.removeType === 'OBJECT_PUBLICATION') {
          for (const obj of (n.objects ?? []) as AnyNode[]) {
            const name = obj.String?.sval as string | undefined;
            if (!name) continue;
            this.publications.delete(name);
            this.droppedPublications.add(name);
          }
          break;
        }
        for (const obj of (n.objects ?? []) as AnyNode[]) {
          const names = stringList(obj.List?.items);
          if (names.length === 0) continue;
          const rel = qualifyList(names, searchPath);
          // FKs referencing a dropped table went with it (CASCADE; without it the drop failed)
          if (n.removeType === 'OBJECT_TABLE') for (const fk of this.foreignKeysTo(rel)) this.dropConstraint(fk.table, fk.name);
          this.indexes.delete(rel);
          this.sequences.delete(rel);
          this.columns.delete(rel);
          this.constraints.delete(rel);
          this.relations.delete(rel);
          this.reads.delete(rel);
          this.partitioned.delete(rel);
          this.childLinks.delete(rel);
          this.fresh.delete(rel);
          this.dropped.add(rel);
          this.replaced.add(rel);
        }
        break;
      }
    }
  }

  private moveFresh(from: string, to: string): void {
    if (this.fresh.delete(from)) this.fresh.add(to);
    else this.fresh.delete(to);
  }

  /** Foreign keys name columns: a renamed column stays in them under its new name. */
  private renameColumnInKeys(table: string, from: string, to: string): void {
    const swap = (cols: string[] | undefined) => cols?.map((c) => (c === from ? to : c));
    const put = (t: string, name: string, info: ConstraintInfo) => {
      let byName = this.constraints.get(t);
      if (!byName) this.constraints.set(t, (byName = new Map()));
      byName.set(name, info);
    };
    for (const fk of this.foreignKeysOf(table))
      if (fk.columns?.includes(from)) put(table, fk.name, { type: 'foreign', references: fk.references!, columns: swap(fk.columns)!, ...(fk.refColumns ? { refColumns: fk.refColumns } : {}) });
    for (const fk of this.foreignKeysTo(table)) {
      if (!fk.refColumns?.includes(from)) continue;
      const own = fk.table === table ? this.constraints.get(table)?.get(fk.name) : undefined;
      const columns = own?.columns ?? fk.columns;
      put(fk.table, fk.name, { type: 'foreign', references: table, refColumns: swap(fk.refColumns)!, ...(columns ? { columns: fk.table === table ? swap(columns)! : columns } : {}) });
    }
    for (const c of this.constraints.get(table)?.values() ?? []) if (c.type !== 'foreign' && c.columns?.includes(from)) c.columns = swap(c.columns)!;
    for (const [index, t] of this.indexes) if (t === table) this.indexColumns.set(index, swap(this.indexColumns.get(index)) ?? ['*']);
  }

  private dropConstraint(table: string, name: string): void {
    this.constraints.get(table)?.delete(name);
    this.droppedConstraints.add(`${table}/${name}`);
  }

  private column(table: string): Map<string, string> {
    let cols = this.columns.get(table);
    if (!cols) this.columns.set(table, (cols = new Map()));
    return cols;
  }

  private addColumn(table: string, def: AnyNode, searchPath: readonly string[]): void {
    if (!def.colname || !def.typeName) return;
    const type = typeNameToString(def.typeName);
    this.column(table).set(def.colname, type);
    const schema = table.split('.')[0];
    if (SERIAL_TYPES.has(type)) this.sequences.add(qualifyName(`${table.split('.')[1]}_${def.colname}_seq`, schema, searchPath));
    for (const c of (def.constraints ?? []) as AnyNode[])
      if (c.Constraint) this.addConstraint(table, c.Constraint, searchPath, def.colname);
  }

  private addConstraint(table: string, con: AnyNode, searchPath: readonly string[], column: string | undefined): void {
    const bare = table.split('.')[1];
    const schema = table.split('.')[0];
    const cols: string[] = column ? [column] : stringList(con.keys ?? con.fk_attrs);
    let info: ConstraintInfo | undefined;
    let defaultName: string | undefined;
    switch (con.contype) {
      case 'CONSTR_FOREIGN': {
        info = { type: 'foreign', references: relationName(con.pktable, searchPath) };
        const refColumns = stringList(con.pk_attrs);
        if (refColumns.length) info.refColumns = refColumns;
        defaultName = `${bare}_${cols.join('_')}_fkey`;
        break;
      }
      case 'CONSTR_CHECK':
        info = { type: 'check' };
        defaultName = column ? `${bare}_${column}_check` : undefined;
        break;
      case 'CONSTR_PRIMARY':
        info = { type: 'primary' };
        defaultName = `${bare}_pkey`;
        break;
      case 'CONSTR_UNIQUE':
        info = { type: 'unique' };
        defaultName = `${bare}_${cols.join('_')}_key`;
        break;
      case 'CONSTR_EXCLUSION':
        info = { type: 'exclusion' };
        break;
      default:
        return;
    }
    let name = con.conname ?? con.indexname ?? defaultName;
    if (!name) return;
    // a generated name already taken gets a number, as PostgreSQL's ChooseConstraintName does
    if (!con.conname && !con.indexname)
      for (let i = 1; this.constraint(table, name) !== undefined; i++) name = `${defaultName}${i}`;
    if (cols.length) info.columns = cols;
    this.droppedConstraints.delete(`${table}/${name}`);
    let byName = this.constraints.get(table);
    if (!byName) this.constraints.set(table, (byName = new Map()));
    byName.set(name, info);
    if (info.type === 'primary' || info.type === 'unique' || info.type === 'exclusion') {
      const index = qualifyName(con.indexname ?? name, schema, searchPath);
      this.indexes.set(index, table);
      this.indexColumns.set(index, info.type === 'exclusion' || !cols.length ? ['*'] : cols);
    }
  }
}
