// The catalog as a redesign must reproduce it: everything snapshotSchema compares, plus index and
// constraint validity, sequences, view definitions and grants. Two copies of the base state, one
// with the migration and one with the plan, are equivalent when these snapshots are equal.
import { snapshotSchema, type SchemaSnapshot, type TraceSession } from './catalog.js';

const USER_SCHEMAS = `n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_toast%' AND n.nspname NOT LIKE 'pg\\_temp\\_%'`;

const EXTRA_QUERIES: [string, string][] = [
  [
    'index-validity',
    `SELECT n.nspname || '.' || c.relname AS key, CASE WHEN i.indisvalid THEN 'valid' ELSE 'INVALID' END || CASE WHEN i.indisready THEN '' ELSE ', not ready' END AS val
     FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_namespace n ON n.oid = c.relnamespace WHERE ${USER_SCHEMAS}`,
  ],
  [
    'constraint-validity',
    `SELECT n.nspname || '.' || cl.relname || '.' || co.conname AS key, CASE WHEN co.convalidated THEN 'validated' ELSE 'NOT VALID' END AS val
     FROM pg_constraint co JOIN pg_class cl ON cl.oid = co.conrelid JOIN pg_namespace n ON n.oid = cl.relnamespace WHERE ${USER_SCHEMAS}`,
  ],
  [
    'sequence',
    `SELECT n.nspname || '.' || c.relname AS key, format_type(s.seqtypid, NULL) || ' increment ' || s.seqincrement || ' min ' || s.seqmin || ' max ' || s.seqmax || ' start ' || s.seqstart || CASE WHEN s.seqcycle THEN ' cycle' ELSE '' END AS val
     FROM pg_sequence s JOIN pg_class c ON c.oid = s.seqrelid JOIN pg_namespace n ON n.oid = c.relnamespace WHERE ${USER_SCHEMAS}`,
  ],
  [
    'view',
    `SELECT n.nspname || '.' || c.relname AS key, md5(pg_get_viewdef(c.oid)) AS val
     FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE ${USER_SCHEMAS} AND c.relkind IN ('v', 'm')`,
  ],
  [
    'grant',
    `SELECT n.nspname || '.' || c.relname AS key, coalesce(array_to_string(c.relacl, ','), 'default') AS val
     FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE ${USER_SCHEMAS} AND c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f')`,
  ],
];

const NOT_NULL_SQL = `SELECT n.nspname || '.' || cl.relname || '.' || co.conname AS key, n.nspname || '.' || cl.relname || '.' || a.attname AS col
  FROM pg_constraint co JOIN pg_class cl ON cl.oid = co.conrelid JOIN pg_namespace n ON n.oid = cl.relnamespace
  JOIN pg_attribute a ON a.attrelid = co.conrelid AND a.attnum = co.conkey[1]
  WHERE ${USER_SCHEMAS} AND co.contype::text = 'n'`;

/** `kind key` → definition, with validity, sequences, views and grants. */
export async function snapshotEquivalence(s: TraceSession, timeoutMs: number): Promise<SchemaSnapshot> {
  const out = await snapshotSchema(s, timeoutMs);
  for (const [kind, sql] of EXTRA_QUERIES) {
    for (const row of await s.query<{ key: string; val: string }>(sql, timeoutMs)) out.set(`${kind} ${row.key}`, row.val);
  }
  // PostgreSQL 18 records NOT NULL as a named constraint whose generated name depends on what else
  // was named before (`…_not_null1`): key it by its column instead, like the column's own nullability.
  for (const row of await s.query<{ key: string; col: string }>(NOT_NULL_SQL, timeoutMs)) {
    for (const kind of ['constraint', 'constraint-validity']) {
      const val = out.get(`${kind} ${row.key}`);
      if (val === undefined) continue;
      out.delete(`${kind} ${row.key}`);
      out.set(`${kind} ${row.col} (not null)`, val);
    }
  }
  return out;
}
