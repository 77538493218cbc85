// Catalog queries the trace runs between statements (PGlite and real PostgreSQL alike).
import { LOCK_MODES, type LockMode, type LockRef } from '../types.js';
import type { ExecOutcome } from './worker.js';

/** What the trace needs from a database connection. */
export interface TraceSession {
  readonly engine: 'pglite' | 'postgres';
  exec(sql: string, timeoutMs: number): Promise<ExecOutcome>;
  query<T = Record<string, unknown>>(sql: string, timeoutMs: number): Promise<T[]>;
  /**
   * Runs a statement that cannot run in a transaction block while a second connection
   * watches its locks (real server only).
   */
  execWatched?(sql: string, watch: LockRef[], timeoutMs: number): Promise<{ outcome: ExecOutcome; locks: RawLock[] }>;
}

/**
 * dbarch's catalog SQL runs on the migration's own connection, where the migration may have
 * set search_path and defined `public.pg_backend_pid()` or an operator to hide its locks:
 * every function, relation, type and operator is named with its schema.
 */
export const op = (o: string) => `OPERATOR(pg_catalog.${o})`;
const EQ = op('=');
const CAT = op('||');

const USER_SCHEMAS = `n.nspname ${op('<>')} 'pg_catalog' AND n.nspname ${op('<>')} 'information_schema'
  AND n.nspname ${op('!~~')} 'pg\\_toast%' AND n.nspname ${op('!~~')} 'pg\\_temp\\_%'`;
const relkindIn = (kinds: string) => `c.relkind ${EQ} ANY ('{${kinds}}'::pg_catalog."char"[])`;

export interface RelationRow {
  oid: string;
  schema: string;
  name: string;
  /** pg_class.relkind: r table, p partitioned, m matview, i/I index, S sequence, v view… */
  kind: string;
  filenode: string;
}

export type RelationSnapshot = Map<string, RelationRow>;

const SNAPSHOT_SQL = `SELECT c.oid::pg_catalog.text AS oid, n.nspname AS schema, c.relname AS name, c.relkind::pg_catalog.text AS kind, c.relfilenode::pg_catalog.text AS filenode
FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid ${EQ} c.relnamespace WHERE ${USER_SCHEMAS}`;

export async function snapshotRelations(s: TraceSession, timeoutMs: number): Promise<RelationSnapshot> {
  const rows = await s.query<RelationRow>(SNAPSHOT_SQL, timeoutMs);
  return new Map(rows.map((r) => [r.oid, r]));
}

export interface RawLock {
  oid: string;
  mode: string;
}

const LOCKS_SQL = `SELECT l.relation::pg_catalog.text AS oid, l.mode FROM pg_catalog.pg_locks l
WHERE l.locktype ${EQ} 'relation' AND l.granted AND l.pid ${EQ} pg_catalog.pg_backend_pid()
  AND l.database ${EQ} (SELECT d.oid FROM pg_catalog.pg_database d WHERE d.datname ${EQ} pg_catalog.current_database())`;

/** Relation locks this backend holds now (catalog relations included; filtered by snapshot later). */
export async function heldLocks(s: TraceSession, timeoutMs: number): Promise<RawLock[]> {
  return s.query<RawLock>(LOCKS_SQL, timeoutMs);
}

/** `AccessExclusiveLock` → `ACCESS EXCLUSIVE`. */
export function lockModeFromPg(mode: string): LockMode | undefined {
  const words = mode
    .replace(/Lock$/, '')
    .replace(/([a-z])([A-Z])/g, '$1 $2')
    .toUpperCase();
  return (LOCK_MODES as readonly string[]).includes(words) ? (words as LockMode) : undefined;
}

export function lockRank(mode: LockMode): number {
  return LOCK_MODES.indexOf(mode);
}

export const TABLE_KINDS = new Set(['r', 'p', 'm']);

export function qualified(r: RelationRow): string {
  return `${r.schema}.${r.name}`;
}

/** Strongest mode per relation, sorted by relation name. */
export function strongestPerRelation(locks: LockRef[]): LockRef[] {
  const best = new Map<string, LockMode>();
  for (const l of locks) {
    const cur = best.get(l.relation);
    if (!cur || lockRank(l.mode) > lockRank(cur)) best.set(l.relation, l.mode);
  }
  return [...best.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([relation, mode]) => ({ relation, mode }));
}

/**
 * Resolves raw locks to user relations, split into tables (r/p/m) and others
 * (indexes, sequences, views). Dropped relations resolve through the earlier snapshot.
 */
export function resolveLocks(raw: RawLock[], ...snapshots: RelationSnapshot[]): { tables: LockRef[]; others: LockRef[] } {
  const tables: LockRef[] = [];
  const others: LockRef[] = [];
  for (const l of raw) {
    const mode = lockModeFromPg(l.mode);
    if (!mode) continue;
    const rel = snapshots.map((s) => s.get(l.oid)).find(Boolean);
    if (!rel) continue;
    (TABLE_KINDS.has(rel.kind) ? tables : others).push({ relation: qualified(rel), mode });
  }
  return { tables, others };
}

export function lockKey(l: RawLock): string {
  return `${l.oid}/${l.mode}`;
}

export interface RelationDiff {
  created: string[];
  dropped: string[];
  rewrote: string[];
}

export function diffRelations(before: RelationSnapshot, after: RelationSnapshot): RelationDiff {
  const created: string[] = [];
  const dropped: string[] = [];
  const rewrote: string[] = [];
  for (const [oid, r] of after) {
    const old = before.get(oid);
    if (!old) created.push(qualified(r));
    else if (TABLE_KINDS.has(r.kind) && r.filenode !== '0' && old.filenode !== r.filenode) rewrote.push(qualified(r));
  }
  for (const [oid, r] of before) if (!after.has(oid)) dropped.push(qualified(r));
  return { created: created.sort(), dropped: dropped.sort(), rewrote: rewrote.sort() };
}

// ------------------------------------------------------------ schema snapshot for reversibility

const kindName = (col: string, names: Record<string, string>) =>
  `CASE ${Object.entries(names).map(([k, v]) => `WHEN ${col} ${EQ} '${k}' THEN '${v}'`).join(' ')} ELSE ${col}::pg_catalog.text END`;

const SCHEMA_QUERIES: [string, string][] = [
  [
    'relation',
    `SELECT n.nspname ${CAT} '.' ${CAT} c.relname AS key,
       ${kindName('c.relkind', { r: 'table', p: 'partitioned table', v: 'view', m: 'materialized view', S: 'sequence', f: 'foreign table', c: 'composite type' })} AS val
     FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid ${EQ} c.relnamespace WHERE ${USER_SCHEMAS} AND NOT (${relkindIn('i,I,t')})`,
  ],
  [
    'column',
    `SELECT n.nspname ${CAT} '.' ${CAT} c.relname ${CAT} '.' ${CAT} a.attname AS key,
       pg_catalog.format_type(a.atttypid, a.atttypmod) ${CAT} CASE WHEN a.attnotnull THEN ' NOT NULL' ELSE '' END
       ${CAT} coalesce(' DEFAULT ' ${CAT} pg_catalog.pg_get_expr(d.adbin, d.adrelid), '') AS val
     FROM pg_catalog.pg_attribute a JOIN pg_catalog.pg_class c ON c.oid ${EQ} a.attrelid JOIN pg_catalog.pg_namespace n ON n.oid ${EQ} c.relnamespace
     LEFT JOIN pg_catalog.pg_attrdef d ON d.adrelid ${EQ} a.attrelid AND d.adnum ${EQ} a.attnum
     WHERE ${USER_SCHEMAS} AND a.attnum ${op('>')} 0 AND NOT a.attisdropped AND ${relkindIn('r,p,v,m,f')}`,
  ],
  [
    'index',
    `SELECT n.nspname ${CAT} '.' ${CAT} c.relname AS key, pg_catalog.pg_get_indexdef(c.oid) AS val
     FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid ${EQ} c.relnamespace WHERE ${USER_SCHEMAS} AND ${relkindIn('i,I')}`,
  ],
  [
    'constraint',
    `SELECT n.nspname ${CAT} '.' ${CAT} cl.relname ${CAT} '.' ${CAT} co.conname AS key, pg_catalog.pg_get_constraintdef(co.oid) AS val
     FROM pg_catalog.pg_constraint co JOIN pg_catalog.pg_class cl ON cl.oid ${EQ} co.conrelid JOIN pg_catalog.pg_namespace n ON n.oid ${EQ} cl.relnamespace
     WHERE ${USER_SCHEMAS}`,
  ],
  [
    'type',
    `SELECT n.nspname ${CAT} '.' ${CAT} t.typname AS key,
       CASE WHEN t.typtype ${EQ} 'e' THEN 'enum(' ${CAT} (SELECT pg_catalog.string_agg(e.enumlabel, ',' ORDER BY e.enumsortorder) FROM pg_catalog.pg_enum e WHERE e.enumtypid ${EQ} t.oid) ${CAT} ')' ELSE t.typtype::pg_catalog.text END AS val
     FROM pg_catalog.pg_type t JOIN pg_catalog.pg_namespace n ON n.oid ${EQ} t.typnamespace
     WHERE ${USER_SCHEMAS} AND t.typtype ${EQ} ANY ('{e,d}'::pg_catalog."char"[])`,
  ],
  [
    'function',
    `SELECT n.nspname ${CAT} '.' ${CAT} p.proname ${CAT} '(' ${CAT} pg_catalog.pg_get_function_identity_arguments(p.oid) ${CAT} ')' AS key, pg_catalog.md5(p.prosrc) AS val
     FROM pg_catalog.pg_proc p JOIN pg_catalog.pg_namespace n ON n.oid ${EQ} p.pronamespace
     WHERE ${USER_SCHEMAS} AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend d WHERE d.objid ${EQ} p.oid AND d.deptype ${EQ} 'e')`,
  ],
];

/** `kind key` → definition, for comparing the schema before and after a migration. */
export type SchemaSnapshot = Map<string, string>;

export async function snapshotSchema(s: TraceSession, timeoutMs: number): Promise<SchemaSnapshot> {
  const out: SchemaSnapshot = new Map();
  for (const [kind, sql] of SCHEMA_QUERIES) {
    for (const row of await s.query<{ key: string; val: string }>(sql, timeoutMs)) out.set(`${kind} ${row.key}`, row.val);
  }
  return out;
}

/** Human descriptions of how `actual` differs from `expected`. */
export function diffSchemas(expected: SchemaSnapshot, actual: SchemaSnapshot): string[] {
  const out: string[] = [];
  for (const [key, val] of expected) {
    const got = actual.get(key);
    if (got === undefined) out.push(`${key} is missing`);
    else if (got !== val) out.push(`${key} is \`${got}\` instead of \`${val}\``);
  }
  for (const key of actual.keys()) if (!expected.has(key)) out.push(`${key} is left over`);
  return out.sort();
}
