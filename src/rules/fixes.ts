// Fix builders: the SQL of suggested rewrites, quoted and rendered from the AST, and the spans
// they replace. Only fixes edit statement text; detection reads the model's facts.
import type { ColumnDef, Constraint, Node, RangeVar, TypeName } from '@pgsql/types';
import type { Fix, StatementFacts } from '../types.js';
import { OffsetMap, parseOne, scanTokens, type Token } from '../sql/index.js';
import { baseType, isArrayType, names, typeMods } from './ast.js';
import { quoteIdent, renderRel } from './ident.js';

export { quoteIdent, renderRel } from './ident.js';

export function renderList(list: Node[] | undefined): string {
  return names(list).map(quoteIdent).join('.');
}

/** A string literal: quotes doubled, as standard_conforming_strings reads it. */
export function quoteLiteral(value: string): string {
  return `'${value.split("'").join("''")}'`;
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
  const text = stmt.stmt.text.trimEnd();
  return text.endsWith(';') ? text.slice(0, -1) : text;
}

// ---------------------------------------------------------------- edits on PostgreSQL's tokens
// Fixes edit the statement as written (comments, layout and quoting kept), so they need spans.
// Spans come from PostgreSQL's lexical rules (src/sql/tokens.ts, checked against the server's own
// scanner: keywords, quotes, dollar-quoted bodies and comments are told apart as the server does)
// and from AST node locations; never from patterns.

/** The statement's tokens, comments left out; undefined when it cannot be scanned. */
export function codeTokens(text: string): Token[] | undefined {
  return scanTokens(text)?.filter((t) => t.name !== 'C_COMMENT' && t.name !== 'SQL_COMMENT');
}

// Several rules' fixes read the same statement: its tokens and its parse on its own are made once,
// and live as long as the statement's facts.
const syntaxOf = new WeakMap<StatementFacts, { tokens?: Token[] | null; ast?: Node | null }>();

function syntax(stmt: StatementFacts): { tokens?: Token[] | null; ast?: Node | null } {
  let s = syntaxOf.get(stmt);
  if (!s) syntaxOf.set(stmt, (s = {}));
  return s;
}

/** codeTokens of stmtText(stmt), made once per statement; callers must not change the array. */
export function stmtTokens(stmt: StatementFacts): readonly Token[] | undefined {
  const s = syntax(stmt);
  if (s.tokens === undefined) s.tokens = codeTokens(stmtText(stmt)) ?? null;
  return s.tokens ?? undefined;
}

/** parseOne of stmtText(stmt), made once per statement. */
function stmtAst(stmt: StatementFacts): Node | undefined {
  const s = syntax(stmt);
  if (s.ast === undefined) s.ast = parseOne(stmtText(stmt)) ?? null;
  return s.ast ?? undefined;
}

const isWord = (t: Token | undefined, word: string) => t !== undefined && t.keyword && t.text.toUpperCase() === word;

/** Index of the first run of keyword tokens spelling `words` at or after `from`; -1 when absent. */
export function findWords(tokens: readonly Token[], words: readonly string[], from = 0): number {
  for (let i = Math.max(from, 0); i + words.length <= tokens.length; i++) if (words.every((w, k) => isWord(tokens[i + k], w))) return i;
  return -1;
}

/** `text` with `insert` written after the token (one space before it). */
export function insertAfterToken(text: string, token: Token, insert: string): string {
  return `${text.slice(0, token.end)} ${insert}${text.slice(token.end)}`;
}

/** `text` with `insert` after the first run of `words`; undefined when the words are not there. */
export function insertAfterWords(text: string, words: readonly string[], insert: string): string | undefined {
  const tokens = codeTokens(text);
  const at = tokens ? findWords(tokens, words) : -1;
  return at < 0 ? undefined : insertAfterToken(text, tokens![at + words.length - 1]!, insert);
}

/** `text` without tokens[first..last] and the blanks before them. */
export function removeTokens(text: string, tokens: readonly Token[], first: number, last: number): string {
  let start = tokens[first]!.start;
  while (start > 0 && isBlank(text.charCodeAt(start - 1))) start--;
  return text.slice(0, start) + text.slice(tokens[last]!.end);
}

/** `text` without the first run of `words`; undefined when they are not there. */
export function removeWords(text: string, words: readonly string[]): string | undefined {
  const tokens = codeTokens(text);
  const at = tokens ? findWords(tokens, words) : -1;
  return at < 0 ? undefined : removeTokens(text, tokens!, at, at + words.length - 1);
}

/** `text` without its last token when that is the keyword `word` (a trailing CASCADE); undefined otherwise. */
export function removeTrailingWord(text: string, word: string): string | undefined {
  const tokens = codeTokens(text);
  const last = tokens ? tokens.length - 1 : -1;
  return last >= 0 && isWord(tokens![last], word) ? removeTokens(text, tokens!, last, last) : undefined;
}

function isBlank(c: number): boolean {
  return c === 32 || c === 9 || c === 10 || c === 13 || c === 11 || c === 12;
}

/** Index of the first `word` keyword token outside parentheses at or after `from`; -1 when absent. */
export function topLevelWord(tokens: readonly Token[], word: string, from = 0): number {
  let depth = 0;
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!.text;
    if (t === '(' || t === '[') depth++;
    else if (t === ')' || t === ']') depth--;
    else if (depth === 0 && i >= from && isWord(tokens[i], word)) return i;
  }
  return -1;
}

/** Token ranges [first, last] between tokens[from] and tokens[to] (exclusive), split at commas outside parentheses. */
export function topLevelItems(tokens: readonly Token[], from: number, to: number): [number, number][] {
  const out: [number, number][] = [];
  let depth = 0;
  let start = from;
  for (let i = from; i < to; i++) {
    const t = tokens[i]!.text;
    if (t === '(' || t === '[') depth++;
    else if (t === ')' || t === ']') depth--;
    else if (depth === 0 && t === ',') {
      if (i > start) out.push([start, i - 1]);
      start = i + 1;
    }
  }
  if (to > start) out.push([start, to - 1]);
  return out;
}

/** Source text of tokens[first..last]. */
export function tokenText(text: string, tokens: readonly Token[], first: number, last: number): string {
  return text.slice(tokens[first]!.start, tokens[last]!.end);
}

/** Index of the `)` closing the `(` at tokens[open]; -1 when unbalanced. */
function closingParen(tokens: readonly Token[], open: number): number {
  let depth = 0;
  for (let i = open; i < tokens.length; i++) {
    if (tokens[i]!.text === '(') depth++;
    else if (tokens[i]!.text === ')' && --depth === 0) return i;
  }
  return -1;
}

/**
 * Source text inside the first `( … )` group after the first run of `words` at or after token
 * `from` (e.g. `CHECK (…)`, `FOR VALUES IN (…)`), with the token index of its `)`.
 */
export function parenGroupAfter(text: string, tokens: readonly Token[], words: readonly string[], from = 0): { inner: string; close: number } | undefined {
  const at = findWords(tokens, words, from);
  const open = at < 0 ? -1 : at + words.length;
  if (open < 0 || tokens[open]?.text !== '(') return undefined;
  const close = closingParen(tokens, open);
  return close < 0 ? undefined : { inner: text.slice(tokens[open]!.end, tokens[close]!.start).trim(), close };
}

/** Text inside the first `( … )` after the keywords `words` in `text`. */
export function parenAfter(text: string, words: readonly string[]): string | undefined {
  const tokens = codeTokens(text);
  return tokens && parenGroupAfter(text, tokens, words)?.inner;
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

/** A DEFAULT clause of a column definition: [clause start, clause end) in the statement text, and its expression. */
export interface DefaultClause {
  start: number;
  end: number;
  expr: string;
}

/**
 * The clauses of one kind (`CONSTR_DEFAULT`, `CONSTR_CHECK`, `CONSTR_FOREIGN`…) of the
 * statement's column definitions, in the order they are written. The parser gives where each
 * clause starts (the constraint's location, at `CONSTRAINT name` when named); it ends where the
 * column's next clause starts, or at the `,` / `)` that ends the column definition. `expr` is
 * the text after the clause's keyword (a DEFAULT's expression).
 */
export function columnClauses(text: string, contype: string): DefaultClause[] {
  const ast = parseOne(text);
  const tokens = ast && codeTokens(text);
  if (!ast || !tokens) return [];
  const map = new OffsetMap(text);
  const out: DefaultClause[] = [];
  visitColumnDefs(ast, (col) => {
    const clauses = ((col.constraints ?? []) as Node[]).flatMap((c) => ('Constraint' in c && c.Constraint ? [c.Constraint] : []));
    const starts = [...clauses.map((c) => c.location), col.collClause?.location]
      .filter((l): l is number => typeof l === 'number' && l >= 0)
      .map((l) => map.indexOfByte(l));
    for (const c of clauses) {
      if (c.contype !== contype || typeof c.location !== 'number') continue;
      const start = map.indexOfByte(c.location);
      const next = Math.min(...starts.filter((x) => x > start), text.length);
      const first = tokens.findIndex((t) => t.start >= start);
      if (first < 0) continue;
      let depth = 0;
      let last = first;
      for (let i = first + 1; i < tokens.length && tokens[i]!.start < next; i++) {
        const t = tokens[i]!.text;
        if (t === '(') depth++;
        else if (t === ')' && depth-- === 0) break;
        else if (depth === 0 && (t === ',' || t === ';')) break;
        last = i;
      }
      const end = tokens[last]!.end;
      out.push({ start, end, expr: text.slice(tokens[first]!.end, end).trim() });
    }
  });
  return out.sort((x, y) => x.start - y.start);
}

/** The DEFAULT clauses of the statement's column definitions, in the order they are written. */
export function defaultClauses(text: string): DefaultClause[] {
  return columnClauses(text, 'CONSTR_DEFAULT');
}

/** `text` without the span and the blanks before it. */
export function cutSpan(text: string, span: { start: number; end: number }): string {
  let start = span.start;
  while (start > 0 && isBlank(text.charCodeAt(start - 1))) start--;
  return text.slice(0, start) + text.slice(span.end);
}

/** `text` without its only column clause of this kind; undefined when there is not exactly one. */
export function withoutColumnClause(text: string, contype: string): string | undefined {
  const clauses = columnClauses(text, contype);
  return clauses.length === 1 ? cutSpan(text, clauses[0]!) : undefined;
}

function visitColumnDefs(node: unknown, visit: (col: ColumnDef) => void): void {
  visitNodes(node, (key, value) => {
    if (key === 'ColumnDef') visit(value as ColumnDef);
  });
}

/** The first DEFAULT clause of the statement text. */
export function defaultClause(text: string): DefaultClause | undefined {
  return defaultClauses(text)[0];
}

/** The `n`-th (0-based) DEFAULT clause of the statement text, in the order the clauses are written. */
export function nthDefaultClause(text: string, n: number): DefaultClause | undefined {
  return defaultClauses(text)[n];
}

/** Statement text of a single `ADD COLUMN` with the DEFAULT and NOT NULL clauses removed. */
export function plainAddColumn(stmt: StatementFacts): string {
  let text = stmtText(stmt);
  const d = defaultClause(text);
  if (d) text = cutSpan(text, d);
  const tokens = codeTokens(text);
  const at = tokens ? findWords(tokens, ['NOT', 'NULL']) : -1;
  return at < 0 ? text.trimEnd() : removeTokens(text, tokens!, at, at + 1).trimEnd();
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

// Words that end a column's type: the clauses that may follow it in a column definition or an
// ALTER COLUMN … TYPE (every multi-word type name is spelled with other keywords).
const AFTER_TYPE = new Set(['COLLATE', 'USING', 'DEFAULT', 'NOT', 'NULL', 'CONSTRAINT', 'CHECK', 'PRIMARY', 'UNIQUE', 'REFERENCES', 'GENERATED', 'DEFERRABLE', 'INITIALLY', 'COMPRESSION', 'STORAGE', 'ARRAY']);

/**
 * Where the type of each of `columns` is written in the statement (CREATE TABLE, ADD COLUMN, ALTER
 * COLUMN … TYPE), array bounds left out: [start, end) of the statement text. The start is the
 * parser's location of the TypeName; the type runs over its name words, `.` and `( … )`
 * modifiers, up to the clause that follows it.
 */
export function columnTypeSpans(stmt: StatementFacts, columns: readonly string[]): ({ start: number; end: number } | undefined)[] {
  // The file's parse tree when its locations map onto the statement; else one parse serves every
  // column and every type rule (a wide CREATE TABLE has dozens of hits).
  const own = stmt.stmt.astLocation !== undefined ? stmt.stmt.ast : undefined;
  const ast = own ?? stmtAst(stmt);
  if (!ast) return columns.map(() => undefined);
  const base = own ? stmt.stmt.astLocation! : 0;
  const text = stmtText(stmt);
  const wanted = new Set(columns);
  const types = new Map<string, TypeName>();
  visitNodes(ast, (key, value) => {
    const v = value as { colname?: string; name?: string; typeName?: TypeName; def?: { ColumnDef?: ColumnDef }; subtype?: string };
    let name: string | undefined;
    let type: TypeName | undefined;
    if (key === 'ColumnDef' && v.colname !== undefined && v.typeName) [name, type] = [v.colname, v.typeName];
    else if (key === 'AlterTableCmd' && v.subtype === 'AT_AlterColumnType' && v.name !== undefined) [name, type] = [v.name, v.def?.ColumnDef?.typeName];
    if (name !== undefined && type && wanted.has(name) && !types.has(name)) types.set(name, type);
  });
  const tokens = stmtTokens(stmt);
  if (!tokens) return columns.map(() => undefined);
  const map = new OffsetMap(text);
  return columns.map((column) => {
    const type = types.get(column);
    if (typeof type?.location !== 'number') return undefined;
    const start = map.indexOfByte(type.location - base);
    const first = tokens.findIndex((t) => t.start >= start);
    return first < 0 ? undefined : { start, end: tokens[typeEnd(tokens, first)]!.end };
  });
}

/** Index of the last token of the type written from tokens[first]: its name words, `.` and `( … )` modifiers. */
function typeEnd(tokens: readonly Token[], first: number): number {
  let last = first;
  for (let i = first + 1; i < tokens.length; i++) {
    const t = tokens[i]!;
    if (t.text === '(') {
      const close = closingParen(tokens, i);
      if (close < 0) break;
      last = i = close;
    } else if (t.text === '.' || tokens[i - 1]!.text === '.' || (t.keyword && !AFTER_TYPE.has(t.text.toUpperCase()))) last = i;
    else break;
  }
  return last;
}

function visitNodes(node: unknown, visit: (key: string, value: unknown) => void): void {
  if (Array.isArray(node)) {
    for (const n of node) visitNodes(n, visit);
    return;
  }
  if (!node || typeof node !== 'object') return;
  for (const [key, value] of Object.entries(node)) {
    visit(key, value);
    visitNodes(value, visit);
  }
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

