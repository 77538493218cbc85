// Name resolution, type names and default-expression volatility: small AST helpers
// the lock model and the rules share.
import type { Node, RangeVar, TypeName } from '@pgsql/types';
import { IMMUTABLE_FUNCTIONS, STABLE_FUNCTIONS, VOLATILE_FUNCTIONS } from './volatility.generated.js';

/** Loose view of an AST node: the typed union is too narrow to walk generically. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyNode = Record<string, any>;

export const DEFAULT_SEARCH_PATH: readonly string[] = ['public'];

/**
 * A search_path, optionally able to tell whether a relation exists: PostgreSQL resolves an
 * unqualified name that is read (ALTER, DROP, SELECT…) to the first schema of the path that
 * holds it, and creates new relations in the first schema of the path.
 */
export type SearchPath = readonly string[] & { readonly has?: (relation: string) => boolean };

/** The path with a lookup of existing relations (e.g. the catalog's `isKnown`). */
export function withLookup(path: readonly string[], has: (relation: string) => boolean): SearchPath {
  return Object.assign([...path], { has });
}

/**
 * Schema where unqualified names are created: the first real entry of the path. `$user` is
 * skipped: a schema named after the role the migration runs as is not known here.
 */
export function currentSchema(searchPath: readonly string[]): string {
  for (const s of searchPath) if (s !== '$user' && s !== '' && s !== 'pg_catalog') return s;
  return 'public';
}

/**
 * `schema.name`. An unqualified name resolves to the first schema of the path where the
 * relation is known to exist, else to the schema it would be created in.
 */
export function qualifyName(name: string, schema: string | undefined, searchPath: SearchPath): string {
  if (schema) return `${schema}.${name}`;
  const has = searchPath.has;
  if (has && searchPath.length > 1)
    for (const s of searchPath) if (s !== '$user' && s !== '' && has(`${s}.${name}`)) return `${s}.${name}`;
  return `${currentSchema(searchPath)}.${name}`;
}

/**
 * Schema-qualified name of a RangeVar (temporary relations live in `pg_temp`). With
 * `creating`, the name of a relation the statement creates: the first schema of the path.
 */
export function relationName(rv: RangeVar, searchPath: SearchPath, creating = false): string {
  const schema = rv.schemaname ?? (rv.relpersistence === 't' ? 'pg_temp' : undefined);
  return qualifyName(rv.relname ?? '?', schema, creating ? [...searchPath] : searchPath);
}

/** Strings of a `[{String:{sval}}]` list (names, qualified names). */
export function stringList(nodes: readonly Node[] | undefined): string[] {
  const out: string[] = [];
  for (const n of (nodes ?? []) as unknown as AnyNode[]) {
    if (n.String) out.push(n.String.sval ?? '');
    else if (n.A_Star) out.push('*');
  }
  return out;
}

/** Qualified name from a name list: `[schema, name]` or `[name]` (ignores a catalog prefix). */
export function qualifyList(names: readonly string[], searchPath: readonly string[]): string {
  const name = names[names.length - 1] ?? '?';
  const schema = names.length >= 2 ? names[names.length - 2] : undefined;
  return qualifyName(name, schema, searchPath);
}

const INTERNAL_TYPE_NAMES = new Set([
  'int2',
  'int4',
  'int8',
  'float4',
  'float8',
  'bool',
  'varchar',
  'bpchar',
  'numeric',
  'timestamp',
  'timestamptz',
  'time',
  'timetz',
  'interval',
  'bit',
  'varbit',
  'text',
  'char',
]);

function constValue(n: AnyNode): string | undefined {
  const c = n.A_Const;
  if (!c) return n.ColumnRef ? stringList(n.ColumnRef.fields).join('.') : undefined;
  if (c.ival) return String(c.ival.ival ?? 0);
  if (c.fval) return String(c.fval.fval);
  if (c.sval) return c.sval.sval ?? '';
  return undefined;
}

/**
 * Canonical text of a type: PostgreSQL's internal names for built-ins (`int4`, `int8`,
 * `varchar(255)`, `bpchar(2)` for char(2), `timestamptz`, `numeric(10,2)`, `bool`),
 * names as written for others (`serial`, `text`, `jsonb`, `uuid`, `citext`), schema kept
 * when given and not pg_catalog (`public.mood`), and `[]` per array dimension.
 */
export function typeNameToString(typeName: TypeName): string {
  const names = stringList(typeName.names);
  let base: string;
  if (names.length >= 2 && names[0] === 'pg_catalog') base = names.slice(1).join('.');
  else base = names.join('.');
  const mods = ((typeName.typmods ?? []) as AnyNode[]).map(constValue);
  // interval typmods are a field bitmask, not something a reader recognises
  if (mods.length > 0 && base !== 'interval' && mods.every((m) => m !== undefined)) base += `(${mods.join(',')})`;
  const dims = typeName.arrayBounds?.length ?? 0;
  return base + '[]'.repeat(dims);
}

/** Base name without modifiers or array brackets: `varchar(10)[]` → `varchar`. */
export function typeBase(type: string): string {
  return type.replace(/\[\]/g, '').replace(/\(.*\)$/, '');
}

export function isInternalTypeName(name: string): boolean {
  return INTERNAL_TYPE_NAMES.has(name);
}

export const SERIAL_TYPES = new Set(['serial', 'serial4', 'bigserial', 'serial8', 'smallserial', 'serial2']);

export type Volatility = 'immutable' | 'stable' | 'volatile';

const VOLATILITY = new Map<string, Volatility>();
for (const n of IMMUTABLE_FUNCTIONS) VOLATILITY.set(n, 'immutable');
for (const n of STABLE_FUNCTIONS) VOLATILITY.set(n, 'stable');
for (const n of VOLATILE_FUNCTIONS) VOLATILITY.set(n, 'volatile');

/**
 * Volatility of a function by name, from pg_proc (generated list). A name that is not a
 * built-in is volatile: that is PostgreSQL's default for CREATE FUNCTION.
 */
export function functionVolatility(names: readonly string[]): Volatility {
  const name = names.at(-1)?.toLowerCase() ?? '';
  const schema = names.length >= 2 ? names.at(-2) : undefined;
  // A schema other than the catalog's or an extension's usual home is a user function.
  if (schema !== undefined && schema !== 'pg_catalog' && schema !== 'public' && schema !== 'extensions') return 'volatile';
  return VOLATILITY.get(name) ?? 'volatile';
}

/**
 * Whether a default expression is volatile, so ADD COLUMN … DEFAULT must write it into
 * every row. now()/CURRENT_TIMESTAMP are STABLE (evaluated once). A function we don't
 * know is treated as volatile: that is PostgreSQL's default for user functions.
 */
export function isVolatileDefault(expr: Node | undefined): boolean {
  if (!expr) return false;
  let volatile = false;
  walk(expr as AnyNode, (key, value) => {
    if (volatile) return false;
    if (key === 'FuncCall') {
      if (functionVolatility(stringList(value.funcname)) === 'volatile') {
        volatile = true;
        return false;
      }
    } else if (key === 'SubLink') {
      volatile = true; // a subquery default is rejected by PostgreSQL anyway; never constant
      return false;
    }
    return true;
  });
  return volatile;
}

/**
 * Depth-first walk over a JSON AST. The visitor gets each object-valued property
 * (`key` is the node type for `{ Type: {...} }` wrappers); returning false skips the subtree.
 */
export function walk(node: unknown, visit: (key: string, value: AnyNode) => boolean | void): void {
  if (node === null || typeof node !== 'object') return;
  if (Array.isArray(node)) {
    for (const item of node) walk(item, visit);
    return;
  }
  const obj = node as AnyNode;
  for (const key in obj) {
    const value = obj[key];
    if (value === null || typeof value !== 'object') continue;
    if (Array.isArray(value)) {
      for (const item of value) walk(item, visit);
      continue;
    }
    if (visit(key, value) === false) continue;
    walk(value, visit);
  }
}

/** RangeVars a query reads (the wrapped ones: FROM, JOIN, subqueries), skipping CTE names. */
export function readRangeVars(node: unknown): AnyNode[] {
  const ctes = new Set<string>();
  const found: AnyNode[] = [];
  walk(node, (key, value) => {
    if (key === 'CommonTableExpr' && value.ctename) ctes.add(value.ctename);
    if (key !== 'RangeVar') return true;
    found.push(value);
    return false;
  });
  return found.filter((rv) => rv.schemaname || !ctes.has(rv.relname));
}

/** Relations a query reads (wrapped RangeVars), skipping CTE names. */
export function readRelations(node: unknown, searchPath: readonly string[]): string[] {
  return readRangeVars(node).map((rv) => relationName(rv, searchPath));
}

