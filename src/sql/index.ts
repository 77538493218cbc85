// The SQL parser of dbarch: the only door to libpg_query (PostgreSQL 18 grammar, WASM).
// parseSql never throws: anything it cannot handle becomes a finding in `notices`.
import { loadModule, parseSync } from 'libpg-query';
import { KEYWORD_KIND } from './keywords.generated.js';
import { tokenize, type Token } from './tokens.js';
import type { Node, RawStmt } from '@pgsql/types';
import type { Finding, ParsedFile, Span, SqlStatement } from '../types.js';
import { decodeSource } from './decode.js';
import { collectDirectives, directivesAbove, type DirectivePolicy } from './directives.js';
import { lex, type Comment } from './lexer.js';
import { LineIndex } from './lines.js';
import { OffsetMap, indexAfterCodePoints } from './offsets.js';
import { doBody, extractDoStatements } from './plpgsql.js';
import { StatementSplitter, type Segment } from './split.js';
import { describeSubstitutions, literalForm, renderTemplates, type RenderResult } from './templates.js';

export { LineIndex, type Position } from './lines.js';
export { OffsetMap } from './offsets.js';
export { parseDirective } from './directives.js';
export { stringLiteralValue } from './plpgsql.js';

export const DEFAULT_MAX_BYTES = 2 * 1024 * 1024;
/** How deep `EXECUTE 'DO $$ … $$'` inside a DO block is followed. */
const MAX_DO_DEPTH = 3;

let ready = false;
let loading: Promise<void> | undefined;

/** Loads the WASM parser once; safe to call many times and concurrently. */
export async function initParser(): Promise<void> {
  if (ready) return;
  loading ??= loadModule().then(() => {
    ready = true;
  });
  await loading;
}

export function isParserReady(): boolean {
  return ready;
}

export interface ParseOptions {
  path: string;
  /** Files larger than this many bytes are not parsed (default 2 MiB). */
  maxBytes?: number;
  /** Which ignore directives are honoured (config `ignoreDirectives`); all by default. */
  directives?: { requireReason?: boolean; allowFileLevel?: boolean };
  /** Values for template placeholders (`{{ .X }}`, `${x}`, `:x`), by name. */
  vars?: Readonly<Record<string, string>>;
}

interface SqlErrorLike {
  message: string;
  sqlDetails?: { cursorPosition?: number };
}

function isSqlError(err: unknown): err is SqlErrorLike {
  return err instanceof Error && err.name === 'SqlError';
}

function notice(rule: string, severity: Finding['severity'], message: string, span: Span, statementIndex?: number): Finding {
  const f: Finding = {
    rule,
    severity,
    line: span.line,
    column: span.column,
    endLine: span.endLine,
    endColumn: span.endColumn,
    message,
    engine: 'builtin',
  };
  if (statementIndex !== undefined) f.statementIndex = statementIndex;
  return f;
}

function shorten(s: string, max = 80): string {
  const oneLine = s.replace(/\s+/g, ' ').trim();
  return oneLine.length > max ? `${oneLine.slice(0, max - 1)}…` : oneLine;
}

/**
 * UTF-16/32 text (a BOM, or NUL bytes, which PostgreSQL never accepts in a query) read as
 * UTF-8 would be garbage that parses to nothing: such a file is reported, not linted.
 */
function foreignEncoding(bytes: Uint8Array): string | undefined {
  const b = bytes;
  if (b.length >= 4 && ((b[0] === 0xff && b[1] === 0xfe && b[2] === 0 && b[3] === 0) || (b[0] === 0 && b[1] === 0 && b[2] === 0xfe && b[3] === 0xff))) return 'UTF-32 text';
  if (b.length >= 2 && ((b[0] === 0xff && b[1] === 0xfe) || (b[0] === 0xfe && b[1] === 0xff))) return 'UTF-16 text';
  const nul = b.indexOf(0);
  return nul >= 0 ? `NUL byte at offset ${nul} (UTF-16 or binary data)` : undefined;
}

/** Parses a migration file into statements with exact spans. Synchronous; call initParser() first. */
export function parseSql(source: string | Uint8Array, opts: ParseOptions): ParsedFile {
  const file: ParsedFile = {
    path: opts.path,
    source: '',
    statements: [],
    directives: { file: new Set(), byStatement: new Map() },
    notices: [],
  };
  try {
    parseInto(file, source, opts.maxBytes ?? DEFAULT_MAX_BYTES, opts.directives, opts.vars);
    file.notices.sort((a, b) => a.line - b.line || a.column - b.column);
  } catch (err) {
    const detail = err instanceof Error ? err.message : String(err);
    const hint = ready ? '' : ' (initParser() was not awaited)';
    const at = { line: 1, column: 1, endLine: 1, endColumn: 1, offset: 0, endOffset: 0 };
    file.notices.push(notice('internal-error', 'error', `dbarch could not parse ${opts.path}${hint}: ${detail}`, at));
  }
  return file;
}

function parseInto(
  file: ParsedFile,
  source: string | Uint8Array,
  maxBytes: number,
  directivePolicy?: ParseOptions['directives'],
  vars?: Readonly<Record<string, string>>,
): void {
  const size = typeof source === 'string' ? Buffer.byteLength(source, 'utf8') : source.length;
  if (size > maxBytes) {
    const at = { line: 1, column: 1, endLine: 1, endColumn: 1, offset: 0, endOffset: 0 };
    file.notices.push(
      notice('file-too-large', 'info', `File skipped: ${size} bytes is over the limit of ${maxBytes} bytes (maxFileBytes).`, at),
    );
    return;
  }
  const foreign = typeof source === 'string' ? undefined : foreignEncoding(source);
  if (foreign) {
    const at = { line: 1, column: 1, endLine: 1, endColumn: 1, offset: 0, endOffset: 0 };
    file.notices.push(notice('unsupported-encoding', 'info', `File skipped: ${foreign}; dbarch reads migrations as UTF-8.`, at));
    return;
  }

  const decoded = decodeSource(source);
  const text = decoded.text;
  file.source = text;
  const lines = new LineIndex(text);
  if (decoded.invalidByte !== undefined) {
    const at = decoded.beforeInvalid!.length;
    const span = lines.span(at, Math.min(at + 1, text.length));
    file.notices.push(
      notice(
        'invalid-utf8',
        'info',
        `File is not valid UTF-8: byte ${decoded.invalidByte} (line ${span.line}, column ${span.column}) and any other invalid bytes were read as U+FFFD.`,
        span,
      ),
    );
  }

  const lexed = lex(text);
  const policy: DirectivePolicy | undefined = directivePolicy && {
    ...directivePolicy,
    onRejected: (c, why) => file.notices.push(notice('ignore-directive-refused', 'warning', `Ignore directive not honoured: ${why}.`, lines.span(c.start, c.end))),
  };
  for (const r of lexed.skipped) {
    const span = lines.span(r.start, r.end);
    if (r.kind === 'meta-command') {
      file.notices.push(notice('skipped-meta-command', 'info', `psql meta-command skipped (not SQL): ${shorten(r.label)}`, span));
    } else {
      const rows = r.lines === 1 ? '1 line' : `${r.lines} lines`;
      file.notices.push(notice('skipped-copy-data', 'info', `COPY data skipped (${rows}) after: ${shorten(r.label)}`, span));
    }
  }
  let parserText = lexed.parserText;
  let replaced: RenderResult['ranges'] = [];
  if (lexed.templates.length > 0) {
    const rendered = renderTemplates(parserText, lexed.templates, {
      vars: new Map(Object.entries(vars ?? {})),
      psqlSets: lexed.psqlSets,
      isKeyword,
    });
    parserText = preferLiterals(rendered);
    replaced = rendered.ranges;
    const first = lexed.templates.reduce((a, b) => (b.start < a.start ? b : a));
    const span = lines.span(first.start, first.end);
    const n = rendered.substitutions.length;
    const unvalued = rendered.substitutions.some((s) => s.replacement !== '' && s.source === undefined);
    const hint = unvalued ? ' Give values with `vars:` in the config or `--var name=value`.' : '';
    const what = n === 1 ? '1 template placeholder' : `${n} template placeholders`;
    file.notices.push(
      notice('template-substituted', 'info', `${what} replaced before parsing: ${describeSubstitutions(rendered.substitutions)}.${hint}`, span),
    );
  }
  if (lexed.segments.length === 0) {
    file.directives = collectDirectives(text, lexed.comments, [], policy);
    return;
  }

  const parser = new FileParser(text, parserText, lexed.comments, lines, replaced);
  const top = parser.parse();
  const statements: SqlStatement[] = [];
  const errors: Finding[] = [];
  const topBounds: { index: number; offset: number; endOffset: number }[] = [];
  const parentOf = new Map<number, number>();

  const addNested = (parent: SqlStatement, depth: number): void => {
    const ast = parent.ast;
    if (!ast || !('DoStmt' in ast) || depth > MAX_DO_DEPTH) return;
    let outcome: ReturnType<typeof extractDoStatements>;
    try {
      const info = doBody(ast.DoStmt.args, text, (byte) => parser.locToIndex(parent, byte));
      if (!info || info.language.toLowerCase() !== 'plpgsql') return;
      outcome = extractDoStatements(info, parent.span);
    } catch (err) {
      // A bug here must not cost the rest of the file.
      outcome = { ok: false, message: `internal error: ${err instanceof Error ? err.message : String(err)}` };
    }
    if (!outcome.ok) {
      file.notices.push(
        notice('plpgsql-not-analysed', 'info', `DO block not analysed: PL/pgSQL parse failed: ${outcome.message}`, parent.span, parent.index),
      );
      return;
    }
    for (const n of outcome.nested) {
      const child: SqlStatement = {
        index: statements.length,
        text: n.text,
        span: lines.span(n.offset, n.endOffset),
        ast: n.ast,
        nested: { parentIndex: parent.index, via: n.via },
      };
      statements.push(child);
      parentOf.set(child.index, parent.index);
      // A DO block run by EXECUTE: its own location data is relative to the nested text.
      if ('DoStmt' in n.ast) parser.registerNested(child, n);
      addNested(child, depth + 1);
    }
  };

  for (const t of top) {
    const stmt: SqlStatement = { index: statements.length, text: t.text, span: t.span };
    if (parserText !== lexed.parserText) {
      const seen = parserText.slice(t.span.offset, t.span.endOffset);
      if (seen !== t.text) stmt.rendered = seen.trimEnd();
    }
    if (t.ast) stmt.ast = t.ast;
    if (t.ast && !stmt.rendered && t.locBase.kind === 'file' && (parserText === text || parserText.startsWith(t.text, t.span.offset))) {
      stmt.astLocation = parser.byteOf(t.span.offset) - t.locBase.byteBase;
    }
    if (t.error) {
      stmt.error = { message: t.error.message, span: t.error.span };
      errors.push(notice(t.error.rule, 'error', t.error.message, t.error.span, stmt.index));
    }
    statements.push(stmt);
    parser.registerTop(stmt, t.locBase);
    topBounds.push({ index: stmt.index, offset: stmt.span.offset, endOffset: stmt.span.endOffset });
    addNested(stmt, 1);
  }

  file.statements = statements;
  file.notices.push(...errors);
  const directives = collectDirectives(text, lexed.comments, topBounds, policy);
  for (const [child, parent] of parentOf) {
    const inherited = directives.byStatement.get(parent);
    const own = directivesAbove(text, statements[child]!.span.offset, policy);
    if (!inherited && own.length === 0) continue;
    directives.byStatement.set(child, new Set([...(inherited ?? []), ...own]));
  }
  file.directives = directives;
}

interface TopStatement {
  text: string;
  span: Span;
  ast?: Node;
  error?: { message: string; span: Span; rule: 'syntax-error' | 'internal-error' };
  /** How to turn a libpg_query location inside this statement into a file index. */
  locBase: LocBase;
}

type LocBase = { kind: 'file'; byteBase: number } | { kind: 'text'; map: OffsetMap; offset: number };

class FileParser {
  private readonly offsets: OffsetMap;
  private readonly commentByStart = new Map<number, number>();
  private readonly commentByEnd = new Map<number, number>();
  private readonly bases = new Map<SqlStatement, LocBase>();

  constructor(
    private readonly source: string,
    private readonly text: string,
    comments: Comment[],
    private readonly lines: LineIndex,
    /** Template ranges, sorted: their replacement is followed by padding the trim must not cut. */
    private readonly replaced: { start: number; end: number }[] = [],
  ) {
    this.offsets = new OffsetMap(text);
    for (const c of comments) {
      this.commentByStart.set(c.start, c.end);
      this.commentByEnd.set(c.end, c.start);
    }
  }

  registerTop(stmt: SqlStatement, base: LocBase): void {
    // Only DO statements need their AST locations mapped (to find the body).
    if (stmt.ast && 'DoStmt' in stmt.ast) this.bases.set(stmt, base);
  }

  registerNested(stmt: SqlStatement, n: { text: string; offset: number }): void {
    // Locations in a nested statement's AST are relative to its own text. They only map
    // onto the file when that text sits there verbatim.
    if (this.source.startsWith(n.text, n.offset)) {
      this.bases.set(stmt, { kind: 'text', map: new OffsetMap(n.text), offset: n.offset });
    }
  }

  /** UTF-8 byte offset of a string index of the parsed text. */
  byteOf(index: number): number {
    return this.offsets.byteOfIndex(index);
  }

  /** File string index of a libpg_query byte location inside `stmt`. */
  locToIndex(stmt: SqlStatement, byte: number): number {
    const base = this.bases.get(stmt);
    if (!base) return -1;
    if (base.kind === 'file') return this.offsets.indexOfByte(base.byteBase + byte);
    return base.offset + base.map.indexOfByte(byte);
  }

  parse(): TopStatement[] {
    try {
      const res = parseSync(this.text);
      return this.fromRaw(res.stmts ?? [], 0, this.text.length);
    } catch {
      // A syntax error, or the parser failing on something else (e.g. too deep):
      // statement by statement, the rest still gets analysed.
      return this.parsePieces();
    }
  }

  /** Statements of a parse result whose locations are relative to byte `byteBase`. */
  private fromRaw(raws: RawStmt[], byteBase: number, endIndex: number): TopStatement[] {
    const out: TopStatement[] = [];
    for (const raw of raws) {
      if (!raw.stmt) continue;
      const startByte = byteBase + (raw.stmt_location ?? 0);
      const start = this.offsets.indexOfByte(startByte);
      const end = raw.stmt_len ? this.offsets.indexOfByte(startByte + raw.stmt_len) : endIndex;
      const [s, e] = this.trim(start, end);
      out.push({ text: this.source.slice(s, e), span: this.lines.span(s, e), ast: raw.stmt, locBase: { kind: 'file', byteBase } });
    }
    return out;
  }

  /** Slow path: one parse per statement, so one syntax error hides nothing else. */
  private parsePieces(): TopStatement[] {
    const out: TopStatement[] = [];
    for (const seg of this.segments()) {
      // Keep the `;` so errors read as PostgreSQL reports them (`at or near ";"`).
      const pieceEnd = seg.semicolon >= 0 ? seg.semicolon + 1 : seg.end;
      const piece = this.text.slice(seg.start, pieceEnd);
      const byteBase = this.offsets.byteOfIndex(seg.start);
      try {
        out.push(...this.fromRaw(parseSync(piece).stmts ?? [], byteBase, seg.end));
      } catch (err) {
        const [s, e] = this.trim(seg.start, seg.end);
        const syntax = isSqlError(err);
        const message = syntax ? err.message : `parser failed: ${err instanceof Error ? err.message : String(err)}`;
        const at = syntax ? indexAfterCodePoints(this.text, seg.start, err.sqlDetails?.cursorPosition ?? 0) : s;
        const end = syntax ? this.errorEnd(message, at, pieceEnd) : e;
        out.push({
          text: this.source.slice(s, e),
          span: this.lines.span(s, e),
          error: { message, span: this.lines.span(at, end), rule: syntax ? 'syntax-error' : 'internal-error' },
          locBase: { kind: 'file', byteBase },
        });
      }
    }
    return out;
  }

  /** End of the token the error points at (`at or near "x"`), else one character. */
  private errorEnd(message: string, at: number, limit: number): number {
    const near = /at or near "([\s\S]*)"$/.exec(message)?.[1];
    if (near && this.text.startsWith(near, at)) return at + near.length;
    if (at >= limit) return at;
    const c = this.text.charCodeAt(at);
    return at + (c >= 0xd800 && c <= 0xdbff ? 2 : 1);
  }

  /** Statement boundaries from the PostgreSQL scanner, or from our lexer if it gives up. */
  private segments(): Segment[] {
    return scannerSegments(this.text) ?? lex(this.text).segments;
  }

  /** Narrows [start, end) to exclude whitespace, comments and `;` at either side. */
  private trim(start: number, end: number): [number, number] {
    const t = this.text;
    let s = start;
    let e = end;
    for (;;) {
      while (s < e && isBlank(t.charCodeAt(s))) s++;
      const skip = this.commentByStart.get(s);
      if (skip === undefined || skip > e) break;
      s = skip;
    }
    for (;;) {
      while (e > s && (isBlank(t.charCodeAt(e - 1)) || t.charCodeAt(e - 1) === 59)) e--;
      const back = this.commentByEnd.get(e);
      if (back === undefined || back < s) break;
      e = back;
    }
    return [s, this.replacedEnd(e)];
  }

  /** The end of the template range that `e` falls inside, else `e`. */
  private replacedEnd(e: number): number {
    const r = this.replaced;
    let lo = 0;
    let hi = r.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (r[mid]!.end < e) lo = mid + 1;
      else hi = mid;
    }
    const hit = r[lo];
    return hit && hit.start < e && e < hit.end ? hit.end : e;
  }
}

/** Statement boundaries found by the PostgreSQL scanner; undefined when it cannot scan the text. */
function scannerSegments(text: string): Segment[] | undefined {
  const tokens = tokenize(text);
  if (!tokens) return undefined;
  const splitter = new StatementSplitter();
  for (const t of tokens) {
    if (t.name === 'C_COMMENT' || t.name === 'SQL_COMMENT') continue;
    const { start, end } = t;
    if (t.text === ';') splitter.token(start, end, 'semi');
    else if (t.text === '(') splitter.token(start, end, 'open');
    else if (t.text === ')') splitter.token(start, end, 'close');
    else if (t.name === 'IDENT' || t.keyword) splitter.token(start, end, 'word', t.text.toUpperCase());
    else splitter.token(start, end, 'other');
  }
  splitter.finish();
  return splitter.segments;
}

/**
 * Splits SQL into statements as psql would (`;` outside parentheses and BEGIN ATOMIC bodies),
 * with the PostgreSQL scanner, or dbarch's own lexer when the scanner gives up (unterminated
 * quote). Works on invalid SQL. `start`/`end` are string indexes of the statement's first
 * and past its last token; `semicolon` is the index of its `;` or -1.
 */
export function splitStatements(sql: string, opts: { scanner?: boolean } = {}): Segment[] {
  if (opts.scanner === false) return lex(sql).segments;
  return scannerSegments(sql) ?? lex(sql).segments;
}

export type { Segment } from './split.js';

/** Keywords that cannot stand where a table or column name goes (type_func_name and reserved). */
function isKeyword(word: string): boolean {
  return (KEYWORD_KIND.get(word.toLowerCase()) ?? 0) >= 3;
}

/**
 * A placeholder in code is first read as an identifier. Where the grammar wants a literal
 * (`START ${n}`, `IS {{ .Comment }}`), PostgreSQL's parser says so: the statement is parsed
 * again with the placeholder as a string, then as a number.
 */
function preferLiterals(r: RenderResult): string {
  if (r.neutral.length === 0) return r.text;
  let text = r.text;
  const segments = scannerSegments(text) ?? lex(text).segments;
  let slot = 0;
  for (const seg of segments) {
    while (slot < r.neutral.length && r.neutral[slot]!.end <= seg.start) slot++;
    const inside = [];
    for (let k = slot; k < r.neutral.length && r.neutral[k]!.start < seg.end; k++) inside.push(r.neutral[k]!);
    if (inside.length === 0) continue;
    const tried = new Map<(typeof inside)[number], number>();
    // A neutral name is shorter than its slot: the statement may end inside the slot.
    const end = Math.max(seg.end, ...inside.map((s) => s.end));
    for (let attempt = 0; attempt < inside.length * 2 + 1; attempt++) {
      const piece = text.slice(seg.start, end);
      let at: number;
      try {
        parseSync(piece);
        break;
      } catch (err) {
        if (!isSqlError(err)) break;
        at = seg.start + indexAfterCodePoints(piece, 0, err.sqlDetails?.cursorPosition ?? 0);
      }
      const culprit = inside.find((s) => s.start <= at && at < s.end);
      if (!culprit) break;
      const step = tried.get(culprit) ?? 0;
      const form = step === 0 ? literalForm(culprit, 'string') : step === 1 ? literalForm(culprit, 'number') : undefined;
      tried.set(culprit, step + 1);
      const replacement = form ?? culprit.name.padEnd(culprit.end - culprit.start);
      text = text.slice(0, culprit.start) + replacement + text.slice(culprit.end);
      r.substitutions[culprit.substitution]!.replacement = replacement.trim();
      if (!form) break;
    }
  }
  return text;
}

function isBlank(c: number): boolean {
  return c === 32 || c === 10 || c === 13 || c === 9 || c === 11 || c === 12;
}

// ---------------------------------------------------------------- small helpers for other modules

/** The AST of the first statement in `sql`, or undefined when it does not parse. */
export function parseOne(sql: string): Node | undefined {
  try {
    return parseSync(sql).stmts?.[0]?.stmt;
  } catch {
    return undefined;
  }
}

/** ASTs of every statement in `sql`; throws a descriptive Error on a syntax error. */
export function parseAll(sql: string): Node[] {
  try {
    return (parseSync(sql).stmts ?? []).flatMap((s) => (s.stmt ? [s.stmt] : []));
  } catch (err) {
    throw new Error(err instanceof Error ? err.message : String(err));
  }
}

export type { Token } from './tokens.js';

/** PostgreSQL scanner tokens with string indexes; undefined when the input cannot be scanned. */
export { tokenize as scanTokens } from './tokens.js';
