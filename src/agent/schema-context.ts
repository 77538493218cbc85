// The schema context: the tables a migration touches, as they stand before it. From the
// replayed history (a dependency, e.g. the trace) or from a schema dump in the repository.
import type { Report } from '../types.js';
import type { RepoAccess } from './types.js';

/** Dump files recognised in the repository, most specific first. */
export const SCHEMA_DUMP_NAMES = ['structure.sql', 'schema.sql', 'schema.rb', 'schema.prisma'];

/** Returns table definitions (DDL text) keyed by schema-qualified name, from replayed history. */
export type HistorySchemaLoader = (relations: string[]) => Promise<Map<string, string>>;

/** Relations the report says the migrations lock, create, alter or reference. */
export function touchedRelations(report: Report): string[] {
  const out = new Set<string>();
  for (const f of report.files) {
    for (const s of f.statements) for (const l of s.locks) out.add(l.relation);
    for (const x of f.findings) if (x.relation) out.add(x.relation);
  }
  return [...out].sort();
}

export function bareName(relation: string): string {
  const parts = splitQualified(relation);
  return parts[parts.length - 1] ?? relation;
}

function splitQualified(name: string): string[] {
  const parts: string[] = [];
  const re = /"((?:[^"]|"")*)"|([^."]+)/g;
  for (const m of name.matchAll(re)) parts.push(m[1] !== undefined ? m[1].replace(/""/g, '"') : (m[2] ?? '').trim().toLowerCase());
  return parts.filter(Boolean);
}

const IDENT = String.raw`(?:"(?:[^"]|"")+"|[A-Za-z_][\w$]*)`;
const QUALIFIED = String.raw`${IDENT}(?:\s*\.\s*${IDENT})?`;

function matchesTable(written: string, wanted: string): boolean {
  const w = splitQualified(written);
  const t = splitQualified(wanted);
  if (w.length === 0 || t.length === 0) return false;
  if (w[w.length - 1] !== t[t.length - 1]) return false;
  // A bare name on either side matches any schema.
  return w.length === 1 || t.length === 1 || w[0] === t[0];
}

/** From a SQL dump: the CREATE TABLE (or VIEW) statement plus the indexes, constraints, policies and triggers on it. */
export function extractFromSqlDump(dump: string, table: string): string | undefined {
  const parts: string[] = [];
  const create = new RegExp(String.raw`CREATE\s+(?:UNLOGGED\s+|TEMP(?:ORARY)?\s+)?TABLE\s+(?:IF\s+NOT\s+EXISTS\s+)?(${QUALIFIED})\s*\(`, 'gi');
  for (const m of dump.matchAll(create)) {
    if (!matchesTable(m[1] ?? '', table)) continue;
    const end = statementEnd(dump, (m.index ?? 0) + m[0].length - 1);
    parts.push(dump.slice(m.index, end).trim());
  }
  const view = new RegExp(String.raw`CREATE\s+(?:OR\s+REPLACE\s+)?(?:MATERIALIZED\s+)?VIEW\s+(?:IF\s+NOT\s+EXISTS\s+)?(${QUALIFIED})[\s(]`, 'gi');
  for (const m of dump.matchAll(view)) {
    if (!matchesTable(m[1] ?? '', table)) continue;
    parts.push(dump.slice(m.index, statementEnd(dump, (m.index ?? 0) + m[0].length)).trim());
  }
  if (parts.length === 0) return undefined;
  const related = new RegExp(
    String.raw`(?:ALTER\s+TABLE\s+(?:ONLY\s+)?(${QUALIFIED})|CREATE\s+(?:UNIQUE\s+)?INDEX\s+(?:CONCURRENTLY\s+)?(?:IF\s+NOT\s+EXISTS\s+)?(?:${IDENT}\s+)?ON\s+(?:ONLY\s+)?(${QUALIFIED})|CREATE\s+POLICY\s+${IDENT}\s+ON\s+(${QUALIFIED})|CREATE\s+(?:OR\s+REPLACE\s+)?TRIGGER\s+${IDENT}\s+[^;]*?\s+ON\s+(${QUALIFIED}))`,
    'gi',
  );
  for (const m of dump.matchAll(related)) {
    const name = m[1] ?? m[2] ?? m[3] ?? m[4] ?? '';
    if (!matchesTable(name, table)) continue;
    const end = statementEnd(dump, m.index ?? 0);
    parts.push(dump.slice(m.index, end).trim());
  }
  return parts.join('\n\n');
}

/** Index one past the `;` ending the statement starting at or containing `from` (quotes and comments aware). */
function statementEnd(sql: string, from: number): number {
  let i = from;
  let depth = 0;
  while (i < sql.length) {
    const c = sql[i];
    if (c === "'" || c === '"') {
      const close = sql.indexOf(c, i + 1);
      i = close < 0 ? sql.length : close + 1;
      continue;
    }
    if (c === '-' && sql[i + 1] === '-') {
      const nl = sql.indexOf('\n', i);
      i = nl < 0 ? sql.length : nl + 1;
      continue;
    }
    if (c === '(') depth++;
    else if (c === ')') depth--;
    else if (c === ';' && depth <= 0) return i + 1;
    i++;
  }
  return sql.length;
}

/** From Rails' schema.rb: the `create_table` block plus `add_index`/`add_foreign_key` lines for it. */
export function extractFromSchemaRb(schema: string, table: string): string | undefined {
  const name = bareName(table);
  const lines = schema.split('\n');
  const parts: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    const m = /^(\s*)create_table\s+["':]([\w.]+)["']?/.exec(lines[i] ?? '');
    if (!m || bareName(m[2] ?? '') !== name) continue;
    const indent = m[1] ?? '';
    const block = [lines[i] ?? ''];
    for (let j = i + 1; j < lines.length; j++) {
      block.push(lines[j] ?? '');
      if (new RegExp(`^${indent}end\\b`).test(lines[j] ?? '')) break;
    }
    parts.push(block.join('\n'));
  }
  if (parts.length === 0) return undefined;
  const related = new RegExp(String.raw`^\s*(?:add_index|add_foreign_key|add_check_constraint)\s+["':]${escapeRe(name)}["']?`);
  for (const l of lines) if (related.test(l)) parts.push(l.trim());
  return parts.join('\n');
}

/** From a Prisma schema: the `model` whose name or `@@map` is the table. */
export function extractFromPrisma(schema: string, table: string): string | undefined {
  const name = bareName(table);
  const re = /^model\s+(\w+)\s*\{[\s\S]*?^\}/gm;
  for (const m of schema.matchAll(re)) {
    const block = m[0];
    const mapped = /@@map\(\s*"([^"]+)"\s*\)/.exec(block)?.[1];
    const model = m[1] ?? '';
    if ((mapped ?? model).toLowerCase() === name.toLowerCase() || model.toLowerCase() === name.toLowerCase()) return block;
  }
  return undefined;
}

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

export function extractTable(dumpPath: string, dump: string, table: string): string | undefined {
  if (dumpPath.endsWith('.rb')) return extractFromSchemaRb(dump, table);
  if (dumpPath.endsWith('.prisma')) return extractFromPrisma(dump, table);
  return extractFromSqlDump(dump, table);
}

/** Find schema dumps in the repository: configured path first, then the usual names. */
export async function findSchemaDumps(repo: RepoAccess, configured?: string): Promise<string[]> {
  const files = await repo.listFiles();
  const found = files.filter((f) => SCHEMA_DUMP_NAMES.includes(f.split('/').pop() ?? '') && !f.includes('node_modules/'));
  found.sort((a, b) => a.split('/').length - b.split('/').length || a.localeCompare(b));
  const ordered = configured ? [configured, ...found.filter((f) => f !== configured)] : found;
  return ordered.slice(0, 5);
}

export interface SchemaContextOptions {
  report: Report;
  repo?: RepoAccess;
  history?: HistorySchemaLoader;
  /** `trace.schemaDump` from the config. */
  schemaDump?: string;
  maxTables?: number;
}

/**
 * The touched tables' definitions: from history when the loader knows them, else from the
 * first dump that has them. Tables created by the migration itself have no prior definition.
 */
export async function buildSchemaContext(opts: SchemaContextOptions): Promise<Map<string, string>> {
  const tables = touchedRelations(opts.report).slice(0, opts.maxTables ?? 20);
  const out = new Map<string, string>();
  if (tables.length === 0) return out;
  if (opts.history) {
    try {
      for (const [k, v] of await opts.history(tables)) if (v.trim()) out.set(k, v);
    } catch {
      // History replay is best effort; a dump may still answer.
    }
  }
  const missing = tables.filter((t) => !out.has(t));
  if (missing.length === 0 || !opts.repo) return out;
  try {
    for (const path of await findSchemaDumps(opts.repo, opts.schemaDump)) {
      const text = await opts.repo.readFile(path);
      if (!text) continue;
      for (const t of missing) {
        if (out.has(t)) continue;
        const def = extractTable(path, text, t);
        if (def) out.set(t, `-- from ${path}\n${def}`);
      }
    }
  } catch {
    // The dump is context, not a requirement: the agent can still read files itself.
  }
  return out;
}
