// The schema as the migrations of one history have built it so far, replayed from their DSL:
// renames and drops need to know which indexes, sequences and columns exist.

export interface ModelColumn {
  type: string;
  /** Known for Django fields, whose AlterField runs only what changed. */
  nullable?: boolean;
}

/** A Django model: its table and primary key, found by app label and model name. */
export interface DjangoModel {
  table: string;
  pk: string;
  pkType: string;
}

export interface ModelIndex {
  columns: string[];
}

export interface ModelTable {
  columns: Map<string, ModelColumn>;
  indexes: Map<string, ModelIndex>;
  /** Name of the serial primary key column, whose sequence follows table renames. */
  serialKey?: string;
  hasPrimaryKey: boolean;
}

export class ModelState {
  readonly tables = new Map<string, ModelTable>();
  private readonly djangoModels = new Map<string, DjangoModel>();
  /** Liquibase changelog properties (`${name}`), set by the first changelog that defines them. */
  readonly properties = new Map<string, string>();

  djangoModel(app: string, model: string): DjangoModel | undefined {
    return this.djangoModels.get(`${app}.${model}`.toLowerCase());
  }

  setDjangoModel(app: string, model: string, m: DjangoModel): void {
    this.djangoModels.set(`${app}.${model}`.toLowerCase(), m);
  }

  table(name: string): ModelTable | undefined {
    return this.tables.get(name);
  }

  ensure(name: string): ModelTable {
    let t = this.tables.get(name);
    if (!t) {
      t = { columns: new Map(), indexes: new Map(), hasPrimaryKey: false };
      this.tables.set(name, t);
    }
    return t;
  }

  createTable(name: string, columns: [string, string][], primaryKey: { column: string; serial: boolean } | undefined): void {
    const t: ModelTable = { columns: new Map(), indexes: new Map(), hasPrimaryKey: !!primaryKey };
    for (const [c, type] of columns) t.columns.set(c, { type });
    if (primaryKey?.serial) t.serialKey = primaryKey.column;
    this.tables.set(name, t);
  }

  dropTable(name: string): void {
    this.tables.delete(name);
  }

  renameTable(from: string, to: string): ModelTable | undefined {
    const t = this.tables.get(from);
    if (!t) return undefined;
    this.tables.delete(from);
    this.tables.set(to, t);
    return t;
  }

  addColumn(table: string, column: string, type: string): void {
    this.ensure(table).columns.set(column, { type });
  }

  removeColumn(table: string, column: string): void {
    const t = this.tables.get(table);
    if (!t) return;
    t.columns.delete(column);
    // PostgreSQL drops the indexes that use a dropped column.
    for (const [name, idx] of t.indexes) if (idx.columns.includes(column)) t.indexes.delete(name);
  }

  renameColumn(table: string, from: string, to: string): void {
    const t = this.tables.get(table);
    if (!t) return;
    const c = t.columns.get(from);
    if (c) {
      t.columns.delete(from);
      t.columns.set(to, c);
    }
    for (const idx of t.indexes.values()) idx.columns = idx.columns.map((x) => (x === from ? to : x));
  }

  columnType(table: string, column: string): string | undefined {
    return this.tables.get(table)?.columns.get(column)?.type;
  }

  addIndex(table: string, name: string, columns: string[]): void {
    this.ensure(table).indexes.set(name, { columns });
  }

  removeIndex(name: string): void {
    for (const t of this.tables.values()) t.indexes.delete(name);
  }

  /** The table holding an index of this name. */
  indexTable(name: string): string | undefined {
    for (const [tn, t] of this.tables) if (t.indexes.has(name)) return tn;
    return undefined;
  }

  renameIndex(from: string, to: string): void {
    for (const t of this.tables.values()) {
      const idx = t.indexes.get(from);
      if (idx) {
        t.indexes.delete(from);
        t.indexes.set(to, idx);
      }
    }
  }
}

/** One model state per migration set, replayed in apply order. */
export class ModelHistory {
  private readonly sets = new Map<string, ModelState>();
  state(set: string): ModelState {
    let s = this.sets.get(set);
    if (!s) {
      s = new ModelState();
      this.sets.set(set, s);
    }
    return s;
  }
}
