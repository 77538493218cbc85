// AST helpers shared by the rules in rules/*.ts. They read the raw libpg_query nodes.
import type {
  AlterTableCmd,
  ColumnDef,
  Constraint,
  Node,
  RangeVar,
  TypeName,
} from '@pgsql/types';
import type { Fix, LockMode, StatementFacts } from '../types.js';
import type { RuleContext } from './types.js';
import { blocksOf } from '../pg/locks.js';

type UnionKeys<T> = T extends unknown ? keyof T : never;
export type NodeTag = UnionKeys<Node>;
export type NodeOf<K extends NodeTag> = Extract<Node, Record<K, unknown>>[K];

/** The payload of `node` when it is a `tag` node, else undefined. */
export function as<K extends NodeTag>(node: unknown, tag: K): NodeOf<K> | undefined {
  if (node && typeof node === 'object' && tag in node) {
    return (node as Record<string, unknown>)[tag] as NodeOf<K>;
  }
  return undefined;
}

export function tagOf(node: Node | undefined): string | undefined {
  return node ? Object.keys(node)[0] : undefined;
}

export function strVal(node: unknown): string | undefined {
  return as(node, 'String')?.sval;
}

export function names(list: Node[] | undefined): string[] {
  return (list ?? []).map((n) => strVal(n) ?? '').filter((s) => s !== '');
}

// ---------------------------------------------------------------- identifiers and names

const RESERVED = new Set(
  (
    'all analyse analyze and any array as asc asymmetric authorization binary both case cast check collate ' +
    'collation column concurrently constraint create cross current_catalog current_date current_role ' +
    'current_schema current_time current_timestamp current_user default deferrable desc distinct do else end ' +
    'except false fetch for foreign freeze from full grant group having ilike in initially inner intersect into ' +
    'is isnull join lateral leading left like limit localtime localtimestamp natural not notnull null offset on ' +
    'only or order outer overlaps placing primary references returning right select session_user similar some ' +
    'symmetric system_user table tablesample then to trailing true union unique user using variadic verbose ' +
    'when where window with'
  ).split(' '),
);

export function quoteIdent(name: string): string {
  if (/^[a-z_][a-z0-9_$]*$/.test(name) && !RESERVED.has(name)) return name;
  return `"${name.replace(/"/g, '""')}"`;
}

/** The relation as written (schema kept when given), quoted for SQL. */
export function renderRel(rv: RangeVar | undefined): string {
  if (!rv?.relname) return '?';
  return rv.schemaname ? `${quoteIdent(rv.schemaname)}.${quoteIdent(rv.relname)}` : quoteIdent(rv.relname);
}

export function qualifyRv(ctx: RuleContext, rv: RangeVar | undefined, atIndex: number): string {
  return ctx.qualify(rv?.relname ?? '?', rv?.schemaname, atIndex);
}

/** Name list (e.g. DROP objects, function names) → qualified name. */
export function qualifyList(ctx: RuleContext, list: Node[] | undefined, atIndex: number): string {
  const parts = names(list);
  const name = parts[parts.length - 1] ?? '?';
  const schema = parts.length > 1 ? parts[parts.length - 2] : undefined;
  return ctx.qualify(name, schema, atIndex);
}

export function renderList(list: Node[] | undefined): string {
  return names(list).map(quoteIdent).join('.');
}

/** Identifier truncated like PostgreSQL does at NAMEDATALEN-1 bytes. */
export function pgIdent(name: string): string {
  const bytes = Buffer.from(name, 'utf8');
  if (bytes.length <= 63) return name;
  let end = 63;
  while (end > 0 && (bytes[end]! & 0xc0) === 0x80) end--;
  return bytes.subarray(0, end).toString('utf8');
}

/** PostgreSQL's default constraint/index name: `<table>_<cols>_<suffix>`. */
export function defaultConstraintName(table: string, columns: string[], suffix: string): string {
  return pgIdent([table, ...columns, suffix].join('_'));
}

// ---------------------------------------------------------------- statements

export function stmtIndex(stmt: StatementFacts): number {
  return stmt.stmt.index;
}

export interface AlterTable {
  relation: RangeVar;
  cmds: AlterTableCmd[];
  objtype: string | undefined;
}

const ALTER_CACHE = new WeakMap<StatementFacts, AlterTable | null>();

export function alterTable(stmt: StatementFacts): AlterTable | undefined {
  const cached = ALTER_CACHE.get(stmt);
  if (cached !== undefined) return cached ?? undefined;
  const at = as(stmt.stmt.ast, 'AlterTableStmt');
  let result: AlterTable | null = null;
  if (at?.relation) {
    const cmds = (at.cmds ?? []).map((c) => as(c, 'AlterTableCmd')).filter((c): c is AlterTableCmd => !!c);
    result = { relation: at.relation, cmds, objtype: at.objtype };
  }
  ALTER_CACHE.set(stmt, result);
  return result ?? undefined;
}

/** ALTER TABLE on a table (not an index/view/sequence). */
export function alterTableOnTable(stmt: StatementFacts): AlterTable | undefined {
  const at = alterTable(stmt);
  if (!at) return undefined;
  if (at.objtype && at.objtype !== 'OBJECT_TABLE' && at.objtype !== 'OBJECT_FOREIGN_TABLE') return undefined;
  return at;
}

export function columnDef(node: unknown): ColumnDef | undefined {
  return as(node, 'ColumnDef');
}

/** The column definitions an ALTER TABLE adds (`ADD COLUMN …` subcommands). */
export function addedColumns(at: AlterTable): ColumnDef[] {
  return at.cmds.flatMap((cmd) => {
    const col = cmd.subtype === 'AT_AddColumn' ? columnDef(cmd.def) : undefined;
    return col ? [col] : [];
  });
}

export function constraintsOf(col: ColumnDef | undefined): Constraint[] {
  return (col?.constraints ?? []).map((c) => as(c, 'Constraint')).filter((c): c is Constraint => !!c);
}

export function constraintOf(node: unknown): Constraint | undefined {
  return as(node, 'Constraint');
}

export function findConstraint(col: ColumnDef | undefined, type: Constraint['contype']): Constraint | undefined {
  return constraintsOf(col).find((c) => c.contype === type);
}

/** The relation is new in this file, so locking/rewrite hazards do not apply to it. */
export function isNew(ctx: RuleContext, stmt: StatementFacts, relation: string): boolean {
  return ctx.createdEarlier(relation, stmt.stmt.index);
}

export function lockOn(stmt: StatementFacts, relation: string): LockMode | undefined {
  return stmt.locks.find((l) => l.relation === relation)?.mode;
}

/** A fix that replaces the whole statement. */
export function replaceStatement(
  stmt: StatementFacts,
  description: string,
  sql: string,
  outsideTransaction?: boolean,
): Fix {
  const fix: Fix = { description, sql, replaces: stmt.stmt.span };
  if (outsideTransaction) fix.outsideTransaction = true;
  return fix;
}

/** Statement text with a trailing `;` stripped (the parser already strips it; be safe). */
export function stmtText(stmt: StatementFacts): string {
  const text = stmt.stmt.text;
  let end = text.length;
  while (end > 0 && /\s/.test(text[end - 1]!)) end--;
  return text[end - 1] === ';' ? text.slice(0, end - 1) : text.slice(0, end);
}

// ---------------------------------------------------------------- types

const TYPE_ALIASES: Record<string, string> = {
  integer: 'int4',
  int: 'int4',
  int4: 'int4',
  smallint: 'int2',
  int2: 'int2',
  bigint: 'int8',
  int8: 'int8',
  serial: 'serial',
  serial4: 'serial',
  bigserial: 'bigserial',
  serial8: 'bigserial',
  smallserial: 'smallserial',
  serial2: 'smallserial',
  bpchar: 'bpchar',
  varchar: 'varchar',
  'character varying': 'varchar',
  timestamp: 'timestamp',
  timestamptz: 'timestamptz',
  'timestamp with time zone': 'timestamptz',
  'timestamp without time zone': 'timestamp',
  time: 'time',
  timetz: 'timetz',
  float8: 'float8',
  float4: 'float4',
  numeric: 'numeric',
  decimal: 'numeric',
};

/** Canonical base type name (lower case, no schema), e.g. `int4`, `varchar`, `timestamptz`. */
export function baseType(tn: TypeName | undefined): string {
  const parts = names(tn?.names).map((s) => s.toLowerCase());
  const last = parts[parts.length - 1] ?? '';
  return TYPE_ALIASES[last] ?? last;
}

export function typeMods(tn: TypeName | undefined): number[] {
  return (tn?.typmods ?? [])
    .map((m) => as(m, 'A_Const'))
    .map((c) => (c?.ival ? (c.ival.ival ?? 0) : undefined))
    .filter((n): n is number => n !== undefined);
}

export function isArrayType(tn: TypeName | undefined): boolean {
  return (tn?.arrayBounds?.length ?? 0) > 0;
}

export function renderType(tn: TypeName | undefined): string {
  const base = baseType(tn);
  const display: Record<string, string> = {
    int4: 'integer',
    int2: 'smallint',
    int8: 'bigint',
    bpchar: 'char',
    float8: 'double precision',
    float4: 'real',
  };
  const mods = typeMods(tn);
  return `${display[base] ?? base}${mods.length ? `(${mods.join(', ')})` : ''}${isArrayType(tn) ? '[]' : ''}`;
}

export const SERIAL_TYPES = new Set(['serial', 'bigserial', 'smallserial']);

// ---------------------------------------------------------------- expressions

/** Visit every `{ Tag: payload }` pair below `node`. */
export function walk(node: unknown, visit: (tag: string, payload: unknown) => void): void {
  if (Array.isArray(node)) {
    for (const item of node) walk(item, visit);
    return;
  }
  if (!node || typeof node !== 'object') return;
  for (const [key, value] of Object.entries(node)) {
    if (/^[A-Z]/.test(key)) visit(key, value);
    walk(value, visit);
  }
}

export function containsTag(node: unknown, tag: string): boolean {
  let found = false;
  walk(node, (t) => {
    if (t === tag) found = true;
  });
  return found;
}

/** Text of the first balanced `( … )` group after `keyword` (case-insensitive) in `text`, skipping quotes. */
export function parenAfter(text: string, keyword: RegExp): string | undefined {
  const m = keyword.exec(text);
  if (!m) return undefined;
  let i = m.index + m[0].length;
  while (i < text.length && text[i] !== '(') i++;
  const start = i;
  let depth = 0;
  for (; i < text.length; i++) {
    const ch = text[i];
    if (ch === "'" || ch === '"') {
      const close = text.indexOf(ch, i + 1);
      if (close < 0) return undefined;
      i = close;
      continue;
    }
    if (ch === '(') depth++;
    if (ch === ')') {
      depth--;
      if (depth === 0) return text.slice(start + 1, i);
    }
  }
  return undefined;
}

// ---------------------------------------------------------------- locks

/** Does holding `mode` block ordinary application reads or writes? */
export function blocksTraffic(mode: LockMode): boolean {
  const blocks = blocksOf(mode);
  return blocks.reads || blocks.writes;
}

// ---------------------------------------------------------------- file-level lookups

/** Earlier statements of the file (before `stmt`), in order. */
export function earlier(ctx: RuleContext, stmt: StatementFacts): StatementFacts[] {
  return ctx.statements.filter((s) => s.stmt.index < stmt.stmt.index);
}

export function isTransactionControl(stmt: StatementFacts): boolean {
  return !!as(stmt.stmt.ast, 'TransactionStmt');
}

/** Statements that do not touch data or schema (SET, transaction control, comments, SELECT of settings). */
export function isBookkeeping(stmt: StatementFacts): boolean {
  const tag = tagOf(stmt.stmt.ast);
  return tag === 'TransactionStmt' || tag === 'VariableSetStmt' || tag === 'VariableShowStmt' || tag === 'CommentStmt';
}

/** Column names covered by each index/unique/PK built on `relation` in the file up to `beforeIndex`. */
export function indexedColumnLists(ctx: RuleContext, relation: string, beforeIndex: number): string[][] {
  const all = perFile(ctx, 'indexedColumnLists', () => collectIndexedColumns(ctx));
  return (all.get(relation) ?? []).filter((e) => e.index <= beforeIndex).map((e) => e.columns);
}

function collectIndexedColumns(ctx: RuleContext): Map<string, { index: number; columns: string[] }[]> {
  const byRelation = new Map<string, { index: number; columns: string[] }[]>();
  const add = (relation: string, index: number, columns: string[]) => {
    const list = byRelation.get(relation) ?? [];
    list.push({ index, columns });
    byRelation.set(relation, list);
  };
  const keyed = (c: Constraint | undefined) => c?.contype === 'CONSTR_PRIMARY' || c?.contype === 'CONSTR_UNIQUE';
  for (const s of ctx.statements) {
    const i = s.stmt.index;
    const idx = as(s.stmt.ast, 'IndexStmt');
    if (idx) {
      add(qualifyRv(ctx, idx.relation, i), i, (idx.indexParams ?? []).map((p) => as(p, 'IndexElem')?.name ?? '').filter(Boolean));
    }
    const create = as(s.stmt.ast, 'CreateStmt');
    if (create) {
      const rel = qualifyRv(ctx, create.relation, i);
      for (const elt of create.tableElts ?? []) {
        const col = columnDef(elt);
        if (col && constraintsOf(col).some(keyed)) add(rel, i, [col.colname ?? '']);
        const con = constraintOf(elt);
        if (keyed(con)) add(rel, i, names(con!.keys));
      }
    }
    const at = alterTable(s);
    if (at) {
      const rel = qualifyRv(ctx, at.relation, i);
      for (const cmd of at.cmds) {
        const con = constraintOf(cmd.def);
        if (cmd.subtype === 'AT_AddConstraint' && keyed(con)) add(rel, i, names(con!.keys));
        const col = columnDef(cmd.def);
        if (cmd.subtype === 'AT_AddColumn' && col && constraintsOf(col).some(keyed)) add(rel, i, [col.colname ?? '']);
      }
    }
  }
  return byRelation;
}

const FK_ACTIONS: Record<string, string> = {
  r: 'RESTRICT',
  c: 'CASCADE',
  n: 'SET NULL',
  d: 'SET DEFAULT',
};

/** Render a FOREIGN KEY constraint body (without ADD CONSTRAINT) from its AST. */
export function renderForeignKey(con: Constraint, fkColumns: string[]): string {
  let sql = `FOREIGN KEY (${fkColumns.map(quoteIdent).join(', ')}) REFERENCES ${renderRel(con.pktable)}`;
  const pk = names(con.pk_attrs);
  if (pk.length) sql += ` (${pk.map(quoteIdent).join(', ')})`;
  const del = con.fk_del_action ? FK_ACTIONS[con.fk_del_action] : undefined;
  const upd = con.fk_upd_action ? FK_ACTIONS[con.fk_upd_action] : undefined;
  if (del) sql += ` ON DELETE ${del}`;
  if (upd) sql += ` ON UPDATE ${upd}`;
  if (con.deferrable) sql += ' DEFERRABLE';
  if (con.initdeferred) sql += ' INITIALLY DEFERRED';
  return sql;
}

/** Does the statement run in the same transaction block as the statement `before`? */
export function sameTransaction(ctx: RuleContext, before: StatementFacts, after: StatementFacts): boolean {
  const ids = transactionIds(ctx);
  const a = ids.get(before.stmt.index) ?? -1;
  return a !== -1 && a === ids.get(after.stmt.index);
}

// ---------------------------------------------------------------- transaction model

/** CREATE/DROP INDEX CONCURRENTLY, REINDEX … CONCURRENTLY, DETACH PARTITION … CONCURRENTLY. */
export function concurrentKind(stmt: StatementFacts): string | undefined {
  const ast = stmt.stmt.ast;
  if (as(ast, 'IndexStmt')?.concurrent) return 'CREATE INDEX CONCURRENTLY';
  if (as(ast, 'DropStmt')?.concurrent) return 'DROP INDEX CONCURRENTLY';
  const reindex = as(ast, 'ReindexStmt');
  if (reindex?.params?.some((p) => as(p, 'DefElem')?.defname === 'concurrently')) return 'REINDEX CONCURRENTLY';
  const at = alterTable(stmt);
  if (at?.cmds.some((c) => c.subtype === 'AT_DetachPartition' && as(c.def, 'PartitionCmd')?.concurrent)) {
    return 'DETACH PARTITION CONCURRENTLY';
  }
  return undefined;
}

/** Statements PostgreSQL refuses inside a transaction block (besides the CONCURRENTLY ones). */
export function nonTransactionalKind(stmt: StatementFacts, pgVersion: number): string | undefined {
  const ast = stmt.stmt.ast;
  const vacuum = as(ast, 'VacuumStmt');
  if (vacuum?.is_vacuumcmd) return 'VACUUM';
  if (as(ast, 'CreatedbStmt')) return 'CREATE DATABASE';
  if (as(ast, 'DropdbStmt')) return 'DROP DATABASE';
  if (as(ast, 'CreateTableSpaceStmt')) return 'CREATE TABLESPACE';
  if (as(ast, 'DropTableSpaceStmt')) return 'DROP TABLESPACE';
  if (as(ast, 'AlterSystemStmt')) return 'ALTER SYSTEM';
  const cluster = as(ast, 'ClusterStmt');
  if (cluster && !cluster.relation) return 'CLUSTER';
  const reindex = as(ast, 'ReindexStmt');
  if (reindex && reindex.kind !== 'REINDEX_OBJECT_INDEX' && reindex.kind !== 'REINDEX_OBJECT_TABLE') {
    return `REINDEX ${reindex.kind?.replace('REINDEX_OBJECT_', '') ?? ''}`.trim();
  }
  const enumStmt = as(ast, 'AlterEnumStmt');
  if (enumStmt && !enumStmt.oldVal && pgVersion < 12) return 'ALTER TYPE … ADD VALUE';
  if (concurrentKind(stmt)) return undefined;
  if (stmt.transactional === false) return stmt.kind;
  return undefined;
}

// ---------------------------------------------------------------- data changes

const KEY_COLUMN = /^(id|uuid|key|code|slug|name)$|_(id|uuid|key|code|slug)$/i;

function conjuncts(node: unknown): unknown[] {
  const bool = as(node, 'BoolExpr');
  if (bool?.boolop === 'AND_EXPR') return (bool.args ?? []).flatMap(conjuncts);
  return [node];
}

/** `key_col = constant` or `key_col IN (constants)`: the statement targets a few known rows. */
function isPointPredicate(node: unknown): boolean {
  const expr = as(node, 'A_Expr');
  if (!expr) return false;
  const op = strVal(expr.name?.[0]);
  const col = names(as(expr.lexpr, 'ColumnRef')?.fields).pop();
  if (!col || !KEY_COLUMN.test(col)) return false;
  const constant = (n: unknown) => !!(as(n, 'A_Const') || as(n, 'ParamRef') || as(as(n, 'TypeCast')?.arg, 'A_Const'));
  if (expr.kind === 'AEXPR_OP' && op === '=') return constant(expr.rexpr);
  if (expr.kind === 'AEXPR_IN') return (as(expr.rexpr, 'List')?.items ?? []).every(constant);
  return false;
}

/** A sub-select with LIMIT in the WHERE clause: the statement is one batch of a batched loop. */
function isBatchPredicate(where: unknown): boolean {
  let batched = false;
  walk(where, (tag, payload) => {
    if (tag === 'SelectStmt' && (payload as { limitCount?: unknown }).limitCount) batched = true;
  });
  return batched;
}

/** An UPDATE/DELETE that touches an unbounded set of existing rows in one statement. */
export function unbatchedDml(
  stmt: StatementFacts,
  ctx: RuleContext,
): { kind: 'UPDATE' | 'DELETE'; relation: string; where: unknown; rv: RangeVar } | undefined {
  const update = as(stmt.stmt.ast, 'UpdateStmt');
  const del = as(stmt.stmt.ast, 'DeleteStmt');
  const rv = update?.relation ?? del?.relation;
  if (!rv) return undefined;
  const relation = qualifyRv(ctx, rv, stmt.stmt.index);
  if (ctx.createdEarlier(relation, stmt.stmt.index)) return undefined;
  const where = update ? update.whereClause : del?.whereClause;
  if (where && (conjuncts(where).some(isPointPredicate) || isBatchPredicate(where))) return undefined;
  return { kind: update ? 'UPDATE' : 'DELETE', relation, where, rv };
}

// ---------------------------------------------------------------- ALTER TABLE on existing tables

export interface ExistingAlter extends AlterTable {
  /** Schema-qualified name. */
  qualified: string;
  /** As written in the statement, for generated SQL. */
  table: string;
  /** A fix may replace the whole statement: it has one subcommand and is not inside a DO block. */
  replaceable: boolean;
}

/** ALTER TABLE on a table that existed before this file (locking/rewrite hazards apply). */
const EXISTING_ALTER_CACHE = new WeakMap<StatementFacts, ExistingAlter | null>();

export function existingAlter(stmt: StatementFacts, ctx: RuleContext): ExistingAlter | undefined {
  const cached = EXISTING_ALTER_CACHE.get(stmt);
  if (cached !== undefined) return cached ?? undefined;
  let result: ExistingAlter | null = null;
  const at = alterTableOnTable(stmt);
  if (at) {
    const qualified = qualifyRv(ctx, at.relation, stmt.stmt.index);
    if (!ctx.createdEarlier(qualified, stmt.stmt.index)) {
      const only = at.relation.inh === false ? 'ONLY ' : '';
      result = {
        ...at,
        qualified,
        table: `${only}${renderRel(at.relation)}`,
        replaceable: at.cmds.length === 1 && !stmt.stmt.nested,
      };
    }
  }
  EXISTING_ALTER_CACHE.set(stmt, result);
  return result ?? undefined;
}

const CLAUSE_END =
  /^(not\s+null|null|check|references|unique|primary|constraint|collate|generated|deferrable|initially)\b/i;

/** Source text of the `DEFAULT <expr>` clause in a column definition: [clause start, clause end, expr]. */
export function defaultClause(text: string): { start: number; end: number; expr: string } | undefined {
  const m = /\bDEFAULT\s+/i.exec(text);
  if (!m) return undefined;
  let i = m.index + m[0].length;
  let depth = 0;
  for (; i < text.length; i++) {
    const ch = text[i]!;
    if (ch === "'" || ch === '"') {
      const close = text.indexOf(ch, i + 1);
      if (close < 0) break;
      i = close;
      continue;
    }
    if (ch === '(') depth++;
    else if (ch === ')') {
      if (depth === 0) break;
      depth--;
    } else if (depth === 0 && (ch === ',' || ch === ';')) break;
    else if (depth === 0 && /\s/.test(ch) && CLAUSE_END.test(text.slice(i + 1).trimStart())) break;
  }
  const expr = text.slice(m.index + m[0].length, i).trim();
  return { start: m.index, end: i, expr };
}

/** Statement text of a single `ADD COLUMN` with the DEFAULT and NOT NULL clauses removed. */
export function plainAddColumn(stmt: StatementFacts): string {
  let text = stmtText(stmt);
  const d = defaultClause(text);
  if (d) text = text.slice(0, d.start) + text.slice(d.end);
  return text.replace(/\s+NOT\s+NULL\b/i, '').replace(/\s+$/, '').replace(/\s{2,}/g, ' ');
}

/** Batched backfill: one batch per statement; repeat until it updates 0 rows. */
export function batchedUpdate(table: string, column: string, value: string, batch = 1000): string {
  return (
    `UPDATE ${table} SET ${column} = ${value}\n` +
    `  WHERE ctid IN (SELECT ctid FROM ${table} WHERE ${column} IS NULL LIMIT ${batch});`
  );
}

/** The four-step NOT NULL pattern that avoids a long ACCESS EXCLUSIVE scan (PG ≥ 12). */
export function notNullSteps(table: string, tableName: string, column: string): string {
  const check = quoteIdent(pgIdent(`${tableName}_${column}_not_null`));
  const col = quoteIdent(column);
  return [
    `ALTER TABLE ${table} ADD CONSTRAINT ${check} CHECK (${col} IS NOT NULL) NOT VALID;`,
    '-- In a separate migration (the validation scan takes only SHARE UPDATE EXCLUSIVE):',
    `ALTER TABLE ${table} VALIDATE CONSTRAINT ${check};`,
    `ALTER TABLE ${table} ALTER COLUMN ${col} SET NOT NULL;`,
    `ALTER TABLE ${table} DROP CONSTRAINT ${check};`,
  ].join('\n');
}

/** Was a CHECK (column IS NOT NULL) constraint on `relation` validated earlier in the file? */
export function hasValidatedNotNullCheck(
  ctx: RuleContext,
  relation: string,
  column: string,
  beforeIndex: number,
): boolean {
  const pending = new Set<string>();
  for (const s of ctx.statements) {
    if (s.stmt.index >= beforeIndex) break;
    const at = alterTable(s);
    if (!at || qualifyRv(ctx, at.relation, s.stmt.index) !== relation) continue;
    for (const cmd of at.cmds) {
      const con = constraintOf(cmd.def);
      if (cmd.subtype === 'AT_AddConstraint' && con?.contype === 'CONSTR_CHECK') {
        const test = as(con.raw_expr, 'NullTest');
        const col = names(as(test?.arg, 'ColumnRef')?.fields).pop();
        if (test?.nulltesttype === 'IS_NOT_NULL' && col === column) {
          if (!con.skip_validation) return true;
          if (con.conname) pending.add(con.conname);
        }
      }
      if (cmd.subtype === 'AT_ValidateConstraint' && cmd.name && pending.has(cmd.name)) return true;
    }
  }
  return false;
}

// ---------------------------------------------------------------- column definitions

export interface DefinedColumn {
  relation: string;
  table: string;
  column: string;
  typeName: TypeName | undefined;
  def?: ColumnDef;
  how: 'create' | 'add' | 'alter-type';
}

/** Columns the statement defines or retypes (CREATE TABLE, ADD COLUMN, ALTER COLUMN TYPE). */
export function definedColumns(stmt: StatementFacts, ctx: RuleContext): DefinedColumn[] {
  const out: DefinedColumn[] = [];
  const create = as(stmt.stmt.ast, 'CreateStmt');
  if (create?.relation) {
    const relation = qualifyRv(ctx, create.relation, stmt.stmt.index);
    for (const elt of create.tableElts ?? []) {
      const col = columnDef(elt);
      if (col?.colname) {
        out.push({ relation, table: renderRel(create.relation), column: col.colname, typeName: col.typeName, def: col, how: 'create' });
      }
    }
  }
  const at = alterTable(stmt);
  if (at) {
    const relation = qualifyRv(ctx, at.relation, stmt.stmt.index);
    for (const cmd of at.cmds) {
      const col = columnDef(cmd.def);
      if (cmd.subtype === 'AT_AddColumn' && col?.colname) {
        out.push({ relation, table: renderRel(at.relation), column: col.colname, typeName: col.typeName, def: col, how: 'add' });
      }
      if (cmd.subtype === 'AT_AlterColumnType' && cmd.name && col) {
        out.push({ relation, table: renderRel(at.relation), column: cmd.name, typeName: col.typeName, def: col, how: 'alter-type' });
      }
    }
  }
  return out;
}

const COLUMN_TYPE_PATTERNS = new Map<string, RegExp>();

/** Where the type written after `column` is in `text`: [start, end) of the type, or undefined. */
export function findColumnType(text: string, column: string, typePattern: RegExp): { start: number; end: number } | undefined {
  const key = `${column}\u0000${typePattern.source}`;
  let pattern = COLUMN_TYPE_PATTERNS.get(key);
  if (!pattern) {
    const col = column.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    pattern = new RegExp(`(\\b${col}"?\\s+(?:(?:SET\\s+DATA\\s+)?TYPE\\s+)?)(${typePattern.source})`, 'i');
    // Compiling is the expensive part; column names repeat across files.
    if (COLUMN_TYPE_PATTERNS.size > 10_000) COLUMN_TYPE_PATTERNS.clear();
    COLUMN_TYPE_PATTERNS.set(key, pattern);
  }
  const m = pattern.exec(text);
  if (!m) return undefined;
  const start = m.index + m[1]!.length;
  return { start, end: start + m[2]!.length };
}

/**
 * The statement text with the type written after `column` rewritten by `replace` (the
 * type text matched by `typePattern`, case-insensitive), or undefined when not found.
 */
export function replaceColumnType(
  text: string,
  column: string,
  typePattern: RegExp,
  replace: (typeText: string) => string,
): string | undefined {
  const at = findColumnType(text, column, typePattern);
  if (!at) return undefined;
  return text.slice(0, at.start) + replace(text.slice(at.start, at.end)) + text.slice(at.end);
}

/** Line/column span of text[start, end) of the statement (columns count code points, as Span does). */
export function spanInStatement(
  stmt: StatementFacts,
  start: number,
  end: number,
): { line: number; column: number; endLine: number; endColumn: number } {
  const text = stmt.stmt.text;
  const { line, column } = stmt.stmt.span;
  const position = (index: number) => {
    const before = text.slice(0, index);
    const newlines = before.split('\n').length - 1;
    const lastLine = before.slice(before.lastIndexOf('\n') + 1);
    const width = [...lastLine].length;
    return newlines ? { line: line + newlines, column: width + 1 } : { line, column: column + width };
  };
  const a = position(start);
  const b = position(end);
  return { line: a.line, column: a.column, endLine: b.line, endColumn: b.column };
}

// ---------------------------------------------------------------- per-file caches

const FILE_CACHE = new WeakMap<readonly StatementFacts[], Map<string, unknown>>();

/** Compute a file-wide value once per lint run (rules see the same statements array). */
export function perFile<T>(ctx: RuleContext, key: string, compute: () => T): T {
  let cache = FILE_CACHE.get(ctx.statements);
  if (!cache) {
    cache = new Map();
    FILE_CACHE.set(ctx.statements, cache);
  }
  if (!cache.has(key)) cache.set(key, compute());
  return cache.get(key) as T;
}

/**
 * Transaction block of each statement (by statement index), or -1 outside one.
 * Statements in the same block share a number; COMMIT/ROLLBACK end a block.
 */
export function transactionIds(ctx: RuleContext): Map<number, number> {
  return perFile(ctx, 'transactionIds', () => {
    const ids = new Map<number, number>();
    let current = 0;
    let open = false;
    for (const s of ctx.statements) {
      if (s.inTransaction && !open) {
        current++;
        open = true;
      }
      ids.set(s.stmt.index, s.inTransaction ? current : -1);
      const t = as(s.stmt.ast, 'TransactionStmt');
      const ends = t && (t.kind === 'TRANS_STMT_COMMIT' || t.kind === 'TRANS_STMT_ROLLBACK' || t.kind === 'TRANS_STMT_PREPARE');
      if (ends || !s.inTransaction) open = false;
    }
    return ids;
  });
}
