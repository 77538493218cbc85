// Typed accessors for the libpg_query nodes the rules look at, and the few that resolve a
// node with the model's facts (qualified names, new vs existing relations). Semantics live in
// src/pg; fix builders in ./fixes.ts.
import type { AlterTableCmd, ColumnDef, Constraint, Node, RangeVar, TypeName } from '@pgsql/types';
import { stringList } from '../pg/names.js';
import type { StatementFacts } from '../types.js';
import { renderRel } from './ident.js';
import type { NodeOf, NodeTag, RuleContext } from './types.js';

export { SERIAL_TYPES, walk } from '../pg/names.js';

export type { NodeOf, NodeTag } from './types.js';

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
  return stringList(list).filter((s) => s !== '');
}

// ---------------------------------------------------------------- statements

export interface AlterTable {
  relation: RangeVar;
  cmds: AlterTableCmd[];
  objtype: string | undefined;
}

export function alterTable(stmt: StatementFacts): AlterTable | undefined {
  const at = as(stmt.stmt.ast, 'AlterTableStmt');
  if (!at?.relation) return undefined;
  const cmds = (at.cmds ?? []).map((c) => as(c, 'AlterTableCmd')).filter((c): c is AlterTableCmd => !!c);
  return { relation: at.relation, cmds, objtype: at.objtype };
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

/** Statements that do not touch data or schema (SET, transaction control, comments, SHOW). */
export function isBookkeeping(stmt: StatementFacts): boolean {
  const tag = tagOf(stmt.stmt.ast);
  return tag === 'TransactionStmt' || tag === 'VariableSetStmt' || tag === 'VariableShowStmt' || tag === 'CommentStmt';
}

/** Visit every `{ Tag: payload }` pair below `node`. */
export function walkTags(node: unknown, visit: (tag: string, payload: unknown) => void): void {
  if (Array.isArray(node)) {
    for (const item of node) walkTags(item, visit);
    return;
  }
  if (!node || typeof node !== 'object') return;
  for (const [key, value] of Object.entries(node)) {
    if (/^[A-Z]/.test(key)) visit(key, value);
    walkTags(value, visit);
  }
}

export function containsTag(node: unknown, tag: string): boolean {
  let found = false;
  walkTags(node, (t) => {
    if (t === tag) found = true;
  });
  return found;
}

// ---------------------------------------------------------------- resolved with the model's facts

export function qualifyRv(ctx: RuleContext, rv: RangeVar | undefined, atIndex: number): string {
  return ctx.file.qualify(rv?.relname ?? '?', rv?.schemaname, atIndex);
}

/** Name list (e.g. DROP objects, function names) → qualified name. */
export function qualifyList(ctx: RuleContext, list: Node[] | undefined, atIndex: number): string {
  const parts = names(list);
  const name = parts[parts.length - 1] ?? '?';
  const schema = parts.length > 1 ? parts[parts.length - 2] : undefined;
  return ctx.file.qualify(name, schema, atIndex);
}

/** The relation is new in this file, so locking/rewrite hazards do not apply to it. */
export function isNew(ctx: RuleContext, stmt: StatementFacts, relation: string): boolean {
  return ctx.file.isNew(relation, stmt.stmt.index);
}

export interface ExistingAlter extends AlterTable {
  /** Schema-qualified name. */
  qualified: string;
  /** As written in the statement, for generated SQL. */
  table: string;
  /** A fix may replace the whole statement: it has one subcommand and is not inside a DO block. */
  replaceable: boolean;
}

/** ALTER TABLE on a table that is not new in this file (locking/rewrite hazards apply). */
export function existingAlter(stmt: StatementFacts, ctx: RuleContext): ExistingAlter | undefined {
  return ctx.file.memo('existingAlter', stmt.stmt.index, () => resolveExistingAlter(stmt, ctx));
}

function resolveExistingAlter(stmt: StatementFacts, ctx: RuleContext): ExistingAlter | undefined {
  const at = alterTableOnTable(stmt);
  if (!at) return undefined;
  const qualified = qualifyRv(ctx, at.relation, stmt.stmt.index);
  if (ctx.file.isNew(qualified, stmt.stmt.index)) return undefined;
  const only = at.relation.inh === false ? 'ONLY ' : '';
  return {
    ...at,
    qualified,
    table: `${only}${renderRel(at.relation)}`,
    replaceable: at.cmds.length === 1 && !stmt.stmt.nested,
  };
}

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

