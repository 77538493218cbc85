// SQL that a DO block runs: its static SQL statements and `EXECUTE '<literal>'`, found
// with the PL/pgSQL parser and mapped back to where they sit in the file.
import { parsePlPgSQLSync, parseSync } from 'libpg-query';
import type { Node, RawStmt } from '@pgsql/types';
import { OffsetMap } from './offsets.js';

export interface NestedSql {
  ast: Node;
  /** SQL as it runs (for EXECUTE: the literal's value, unescaped). */
  text: string;
  /** String indexes into the file; the DO statement's own span when not locatable. */
  offset: number;
  endOffset: number;
  via: 'static' | 'execute';
}

export interface DoBody {
  language: string;
  body: string;
  /** File string index of the first body character, when the body appears verbatim. */
  bodyStart?: number;
  /** File index for a body index (handles `''` in single-quoted bodies). */
  map?: (bodyIndex: number) => number;
}

interface Found {
  lineno: number;
  order: number;
  via: 'static' | 'execute';
  query: string;
}

const DOLLAR_TAG = /^\$(?:[A-Za-z_\u0080-\uffff][A-Za-z0-9_\u0080-\uffff]*)?\$/;

/** Language and body of a DoStmt, and where the body starts in `text`. */
export function doBody(doArgs: Node[] | undefined, text: string, locToIndex: (byte: number) => number): DoBody | undefined {
  let language = 'plpgsql';
  let body: string | undefined;
  let location: number | undefined;
  for (const arg of doArgs ?? []) {
    if (!('DefElem' in arg)) continue;
    const d = arg.DefElem;
    const val = d.arg && 'String' in d.arg ? d.arg.String.sval : undefined;
    if (d.defname === 'language' && val !== undefined) language = val;
    if (d.defname === 'as' && val !== undefined) {
      body = val;
      location = d.location;
    }
  }
  if (body === undefined) return undefined;
  const result: DoBody = { language, body };
  if (location === undefined || location < 0) return result;
  const tokenStart = locToIndex(location);
  if (tokenStart < 0) return result;
  const tag = DOLLAR_TAG.exec(text.slice(tokenStart, tokenStart + 200));
  if (tag) {
    const start = tokenStart + tag[0].length;
    if (text.startsWith(body, start)) {
      result.bodyStart = start;
      result.map = (i) => start + i;
    }
    return result;
  }
  if (text.charCodeAt(tokenStart) === 39) {
    // '...' body: '' stands for one quote. Map each body index to its source index.
    const idx = new Int32Array(body.length + 1);
    let k = tokenStart + 1;
    let ok = true;
    for (let b = 0; b < body.length; b++) {
      idx[b] = k;
      const c = text.charCodeAt(k);
      if (c !== body.charCodeAt(b)) {
        ok = false;
        break;
      }
      k += c === 39 ? 2 : 1;
    }
    idx[body.length] = k;
    if (ok) {
      result.bodyStart = tokenStart + 1;
      result.map = (i) => idx[Math.max(0, Math.min(i, body.length))]!;
    }
  }
  return result;
}

function uniqueTag(body: string): string {
  let tag = '$dbarch$';
  for (let n = 1; body.includes(tag); n++) tag = `$dbarch${n}$`;
  return tag;
}

/** All execsql / dynexecute statements of a PL/pgSQL tree, in source order. */
function collect(tree: unknown): Found[] {
  const found: Found[] = [];
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) {
      for (const item of node) walk(item);
      return;
    }
    if (node === null || typeof node !== 'object') return;
    for (const [key, value] of Object.entries(node as Record<string, unknown>)) {
      if (key === 'datums') continue;
      if (key === 'PLpgSQL_stmt_execsql' || key === 'PLpgSQL_stmt_dynexecute') {
        const v = value as { lineno?: number; sqlstmt?: unknown; query?: unknown };
        const expr = (key === 'PLpgSQL_stmt_execsql' ? v.sqlstmt : v.query) as { PLpgSQL_expr?: { query?: string } } | undefined;
        const query = expr?.PLpgSQL_expr?.query;
        if (typeof query === 'string') {
          found.push({ lineno: v.lineno ?? 0, order: found.length, via: key === 'PLpgSQL_stmt_execsql' ? 'static' : 'execute', query });
        }
        continue;
      }
      walk(value);
    }
  };
  walk(tree);
  return found.sort((a, b) => a.lineno - b.lineno || a.order - b.order);
}

/** The value of `expr` when it is a single string literal (any quoting), else undefined. */
export function stringLiteralValue(expr: string): string | undefined {
  let res;
  try {
    res = parseSync(`SELECT ${expr}`);
  } catch {
    return undefined;
  }
  const stmts = res.stmts ?? [];
  if (stmts.length !== 1) return undefined;
  const stmt = stmts[0]!.stmt;
  if (!stmt || !('SelectStmt' in stmt)) return undefined;
  const sel = stmt.SelectStmt;
  const allowed = new Set(['targetList', 'limitOption', 'op']);
  if (Object.keys(sel).some((k) => !allowed.has(k))) return undefined;
  const targets = sel.targetList ?? [];
  if (targets.length !== 1) return undefined;
  const t = targets[0]!;
  if (!('ResTarget' in t) || t.ResTarget.name) return undefined;
  const val = t.ResTarget.val;
  if (!val || !('A_Const' in val)) return undefined;
  return val.A_Const.sval?.sval;
}

function parseStatements(sql: string): { ast: Node; start: number; end: number }[] {
  let res;
  try {
    res = parseSync(sql);
  } catch {
    return [];
  }
  const map = new OffsetMap(sql);
  const out: { ast: Node; start: number; end: number }[] = [];
  for (const raw of (res.stmts ?? []) as RawStmt[]) {
    if (!raw.stmt) continue;
    const startByte = raw.stmt_location ?? 0;
    let start = map.indexOfByte(startByte);
    let end = raw.stmt_len ? map.indexOfByte(startByte + raw.stmt_len) : sql.length;
    while (start < end && /\s/.test(sql[start]!)) start++;
    while (end > start && /[\s;]/.test(sql[end - 1]!)) end--;
    out.push({ ast: raw.stmt, start, end });
  }
  return out;
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * Finds `needle` in `hay` from `from`: exactly; else with each whitespace run standing for
 * that many characters of anything (PL/pgSQL blanks `INTO target` to spaces of the same
 * length); else with any whitespace run matching any other.
 */
function locate(hay: string, needle: string, from: number): { start: number; end: number; exact: boolean } | undefined {
  const exact = hay.indexOf(needle, from);
  if (exact >= 0) return { start: exact, end: exact + needle.length, exact: true };
  const trimmed = needle.trim();
  if (trimmed === '' || needle.length > 100_000) return undefined;
  const parts = trimmed.split(/(\s+)/);
  const sameLength = parts.map((p, k) => (k % 2 ? `[\\s\\S]{${p.length}}` : escapeRegExp(p))).join('');
  const anySpace = parts.map((p, k) => (k % 2 ? '\\s+' : escapeRegExp(p))).join('');
  for (const source of [sameLength, anySpace]) {
    const re = new RegExp(source, 'g');
    re.lastIndex = from;
    const m = re.exec(hay);
    if (m) return { start: m.index, end: m.index + m[0].length, exact: false };
  }
  return undefined;
}

export type PlpgsqlOutcome = { ok: true; nested: NestedSql[] } | { ok: false; message: string };

/**
 * Statements a DO block runs. `fallback` is the DO statement's own span, used for any
 * statement whose text cannot be found in the body.
 */
export function extractDoStatements(info: DoBody, fallback: { offset: number; endOffset: number }): PlpgsqlOutcome {
  const tag = uniqueTag(info.body);
  let tree: unknown;
  try {
    tree = parsePlPgSQLSync(`CREATE FUNCTION __dbarch_do() RETURNS void LANGUAGE plpgsql AS ${tag}${info.body}${tag}`);
  } catch (err) {
    return { ok: false, message: err instanceof Error ? err.message : String(err) };
  }
  const nested: NestedSql[] = [];
  let cursor = 0;
  for (const f of collect(tree)) {
    let sql: string | undefined = f.query;
    if (f.via === 'execute') {
      sql = stringLiteralValue(f.query);
      if (sql === undefined) continue;
    }
    const stmts = parseStatements(sql);
    if (stmts.length === 0) continue;
    const where = info.map ? locate(info.body, f.query, cursor) : undefined;
    if (where) cursor = where.end;
    for (const s of stmts) {
      const text = sql.slice(s.start, s.end);
      let offset = fallback.offset;
      let endOffset = fallback.endOffset;
      if (where && info.map) {
        // Exact text of this statement inside the located region, else the whole region.
        const inner = where.exact || f.via === 'execute' ? info.body.indexOf(text, where.start) : -1;
        if (inner >= 0 && inner + text.length <= where.end) {
          offset = info.map(inner);
          endOffset = info.map(inner + text.length);
        } else {
          offset = info.map(where.start);
          endOffset = info.map(where.end);
        }
      }
      nested.push({ ast: s.ast, text, offset, endOffset, via: f.via });
    }
  }
  return { ok: true, nested };
}
