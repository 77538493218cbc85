// Fix builders: the SQL of suggested rewrites, quoted and rendered from the AST, and the spans
// they replace. Only fixes edit statement text; detection reads the model's facts.
import type { Constraint, Node, RangeVar, TypeName } from '@pgsql/types';
import type { Fix, StatementFacts } from '../types.js';
import { baseType, isArrayType, names, typeMods } from './ast.js';
import { quoteIdent, renderRel } from './ident.js';

export { quoteIdent, renderRel } from './ident.js';

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

/** The `n`-th (0-based) DEFAULT clause of the statement text, in the order the clauses are written. */
export function nthDefaultClause(text: string, n: number): { start: number; end: number; expr: string } | undefined {
  let from = 0;
  for (let k = 0; ; k++) {
    const clause = defaultClause(text.slice(from));
    if (!clause) return undefined;
    if (k === n) return { start: from + clause.start, end: from + clause.end, expr: clause.expr };
    from += clause.end;
  }
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

/** Where the type written after `column` is in `text`: [start, end) of the type, or undefined. */
const TYPE_KEYWORD = /(?:SET\s+DATA\s+)?TYPE\s+/iy;

/**
 * Where the type written after `column` is in `text`: [start, end) of the type, or undefined.
 * `typePattern` must be sticky and case-insensitive (`/…/iy`): it is tried right after the name.
 */
export function findColumnType(text: string, column: string, typePattern: RegExp): { start: number; end: number } | undefined {
  const lower = text.toLowerCase();
  const name = column.toLowerCase();
  const isWord = (c: string | undefined) => c !== undefined && /[\w$]/.test(c);
  for (let at = lower.indexOf(name); at >= 0; at = lower.indexOf(name, at + 1)) {
    if (isWord(lower[at - 1])) continue;
    let i = at + name.length;
    if (text[i] === '"') i++;
    const ws = i;
    while (i < text.length && /\s/.test(text[i]!)) i++;
    if (i === ws) continue;
    TYPE_KEYWORD.lastIndex = i;
    if (TYPE_KEYWORD.test(text)) i = TYPE_KEYWORD.lastIndex;
    typePattern.lastIndex = i;
    const m = typePattern.exec(text);
    if (m) return { start: i, end: i + m[0].length };
  }
  return undefined;
}

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

