import type { Direction } from '../types.js';
import { lexJs, lexPython, lexRuby, type PlainTok, type StrTok, type Tok } from './lex.js';
import type { MigrationFile, SqlUnit } from './types.js';

/**
 * The SQL a migration file runs, laid out exactly like the file: same length, same line
 * breaks, every SQL character at its original line/column. Non-SQL text becomes spaces,
 * each embedded literal ends with a `;` written over its closing quote (heredoc: over the
 * terminator), escapes keep their character at its own column (`\"` → ` "`), and
 * interpolations (`${…}`, `#{…}`, f-string `{…}`, `%s`) become an identifier `x___` of the
 * same length (or the value of a file constant they name, when it fits). Literals made only
 * of interpolations are left out.
 *
 * `up` is the file's main SQL: for plain `.sql` files the unchanged content (whatever the
 * file's direction), for dbmate the `migrate:up` section, for embedded SQL the forward
 * migration. `down` is the rollback part of two-way files, when there is one.
 */
export function extractSql(file: Pick<MigrationFile, 'framework' | 'language'>, content: string): { up: string; down?: string } {
  if (file.language === 'sql') {
    if (file.framework === 'dbmate' || hasDbmateSections(content)) return dbmateSections(content);
    return { up: content };
  }
  const calls = findSqlCalls(file.language, content).filter((c) => c.groups.length > 0);
  const up = calls.some((c) => c.direction === 'up') ? blankBuffer(content) : undefined;
  const down = calls.some((c) => c.direction === 'down') ? blankBuffer(content) : undefined;
  let hasDown = false;
  for (const call of calls) {
    for (const group of call.groups) {
      if (!writeGroup((call.direction === 'down' ? down : up)!, content, group, call)) continue;
      if (call.direction === 'down') hasDown = true;
    }
  }
  const result: { up: string; down?: string } = { up: fromBuffer(up ?? blankBuffer(content)) };
  if (hasDown) result.down = fromBuffer(down!);
  return result;
}

/** The SQL to analyse for a file, one unit per direction, with the transaction mode of each. */
export function sqlUnits(file: MigrationFile, content: string): SqlUnit[] {
  const { up, down } = extractSql(file, content);
  const twoWay = file.language !== 'sql' || down !== undefined;
  const units: SqlUnit[] = [{ direction: twoWay ? 'up' : file.direction, transaction: file.transaction, sql: up }];
  if (down !== undefined) units.push({ direction: 'down', transaction: file.downTransaction ?? file.transaction, sql: down });
  return units;
}

// ---------------------------------------------------------------- dbmate

function hasDbmateSections(content: string): boolean {
  return /^--\s*migrate:up\b/m.test(content);
}

function dbmateSections(content: string): { up: string; down?: string } {
  const downMarker = /^--\s*migrate:down\b/m.exec(content);
  if (!downMarker) return { up: content };
  const cut = downMarker.index;
  const up = content.slice(0, cut) + blankText(content.slice(cut));
  const down = blankText(content.slice(0, cut)) + content.slice(cut);
  return { up, down };
}

// ---------------------------------------------------------------- buffer

/** Every character but line breaks (and a leading BOM, which the parser strips) becomes a space. */
function blankText(text: string): string {
  return fromBuffer(blankBuffer(text));
}

type Buf = Uint16Array;

function blankBuffer(text: string): Buf {
  const buf = new Uint16Array(text.length).fill(0x20);
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) buf[i] = 0x0a;
  for (let i = text.indexOf('\r'); i >= 0; i = text.indexOf('\r', i + 1)) buf[i] = 0x0d;
  if (text.charCodeAt(0) === 0xfeff) buf[0] = 0xfeff;
  return buf;
}

function fromBuffer(buf: Buf): string {
  return Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength).toString('utf16le');
}

/** Writes one statement (a group of concatenated literals); false if it has no SQL text. */
function writeGroup(out: Buf, src: string, group: StrTok[], call: Pick<SqlCall, 'bindings' | 'consts'>): boolean {
  const { bindings } = call;
  const hasText = group.some((tok) => tok.segs.some((s) => s.mode === 'raw' && src.slice(s.from, s.to).trim() !== ''));
  if (!hasText) return false;
  for (const tok of group) {
    for (const seg of tok.segs) {
      if (seg.mode === 'raw') {
        for (let i = seg.from; i < seg.to; i++) out[i] = src.charCodeAt(i);
        if (bindings) placeholderBindings(out, src, seg.from, seg.to);
      } else if (seg.mode === 'escape') {
        if (seg.char !== undefined) out[seg.to - 1] = seg.char.charCodeAt(0);
      } else if (!writeConstant(out, src, seg, call.consts)) {
        for (let i = seg.from; i < seg.to; i++) {
          const ch = src[i]!;
          out[i] = (ch === '\n' || ch === '\r' ? ch : i === seg.from ? 'x' : '_').charCodeAt(0);
        }
      }
    }
  }
  const last = group.at(-1)!;
  if (last.close >= 0 && last.close < out.length && src[last.close] !== '\n' && src[last.close] !== '\r') out[last.close] = SEMICOLON;
  return true;
}

const IDENT_CHAR = /[\w$]/;

/**
 * `${table}` where `table` is a string constant of the file that fits in the interpolation's
 * width: write its value, padded with spaces (or `_` when glued to an identifier).
 */
function writeConstant(out: Buf, src: string, seg: { from: number; to: number }, consts: Constants | undefined): boolean {
  const name = /^(?:\$\{|#\{|\{)\s*([A-Za-z_]\w*)\s*\}$/.exec(src.slice(seg.from, seg.to))?.[1];
  const value = name === undefined ? undefined : consts?.value(name, seg.from);
  const width = seg.to - seg.from;
  if (value === undefined || value === '' || value.length > width || /[\r\n]/.test(value)) return false;
  const glued = IDENT_CHAR.test(src[seg.from - 1] ?? '') || IDENT_CHAR.test(src[seg.to] ?? '');
  for (let i = 0; i < width; i++) out[seg.from + i] = i < value.length ? value.charCodeAt(i) : glued ? UNDERSCORE : 0x20;
  return true;
}

/** Knex `?` / `??` bindings become identifiers of the same length. */
function placeholderBindings(out: Buf, src: string, from: number, to: number): void {
  for (let i = from; i < to; i++) {
    if (src[i] !== '?') continue;
    out[i] = X;
    if (src[i + 1] === '?' && i + 1 < to) out[++i] = UNDERSCORE;
  }
}

const SEMICOLON = 0x3b;
const X = 0x78;
const UNDERSCORE = 0x5f;

// ---------------------------------------------------------------- call sites

interface SqlCall {
  direction: Direction;
  groups: StrTok[][];
  bindings: boolean;
  /** The file's string constants, to fill interpolations of them. */
  consts?: Constants;
}

function isPunct(tok: Tok | undefined, text: string): boolean {
  return !!tok && tok.type === 'punct' && tok.text === text;
}

function isIdent(tok: Tok | undefined, text?: string): tok is PlainTok {
  return !!tok && tok.type === 'ident' && (text === undefined || tok.text === text);
}

const OPEN: Record<string, string> = { '(': ')', '[': ']', '{': '}' };

/**
 * For every bracket token, the index of the token that closes it (any closing bracket
 * closes the innermost open one; unclosed: toks.length). Built once per token list, so
 * call sites nested 100k deep cost one pass, not one scan each.
 */
const closers = new WeakMap<Tok[], Int32Array>();

function closeTable(toks: Tok[]): Int32Array {
  let table = closers.get(toks);
  if (table) return table;
  table = new Int32Array(toks.length).fill(toks.length);
  const open: number[] = [];
  for (let i = 0; i < toks.length; i++) {
    const t = toks[i]!;
    if (t.type !== 'punct') continue;
    if (OPEN[t.text]) open.push(i);
    else if (t.text === ')' || t.text === ']' || t.text === '}') {
      const o = open.pop();
      if (o !== undefined) table[o] = i;
    }
  }
  closers.set(toks, table);
  return table;
}

/** Index of the token closing the bracket at `open`. */
function matchClose(toks: Tok[], open: number): number {
  return closeTable(toks)[open]!;
}

interface Arg {
  kw?: string;
  from: number;
  to: number;
}

/** Arguments of the call whose `(` is at `open`; nested brackets are stepped over, not walked. */
function splitArgs(toks: Tok[], open: number): Arg[] {
  const close = matchClose(toks, open);
  const args: Arg[] = [];
  let from = open + 1;
  for (let i = open + 1; ; i++) {
    const t = toks[i];
    if (i >= close || t === undefined) {
      if (i > from) args.push(argAt(toks, from, Math.min(i, close)));
      break;
    }
    if (t.type !== 'punct') continue;
    if (OPEN[t.text]) i = matchClose(toks, i);
    else if (t.text === ',') {
      if (i > from) args.push(argAt(toks, from, i));
      from = i + 1;
    }
  }
  return args;
}

function argAt(toks: Tok[], from: number, to: number): Arg {
  const a = toks[from];
  const b = toks[from + 1];
  // Python `name=value` / Ruby `name: value`.
  if (isIdent(a) && (isPunct(b, ':') || (isPunct(b, '=') && !isPunct(toks[from + 2], '=')))) {
    return { kw: a.text, from: from + 2, to };
  }
  return { from, to };
}

const MAX_WRAPPING = 64;

/** String groups an expression evaluates to: literals, concatenations, lists, text()/dedent() wrappers, constants. */
function sqlGroups(toks: Tok[], from: number, to: number, consts: Constants, depth = 0): StrTok[][] {
  // real code wraps a literal in a few parentheses or text() calls, never hundreds
  if (depth > MAX_WRAPPING) return [];
  let i = from;
  // Ruby/JS/Python prefixes that do not change the value.
  while (i < to && (isIdent(toks[i], 'await') || isIdent(toks[i], 'return'))) i++;
  const t = toks[i];
  if (!t || i >= to) return [];
  if (t.type === 'string') return [collectGroup(toks, i, to)];
  if (t.type === 'punct' && (t.text === '[' || t.text === '(')) {
    const close = Math.min(matchClose(toks, i), to);
    const elements = splitArgs(toks, i);
    if (t.text === '(' && elements.length === 1) return sqlGroups(toks, i + 1, close, consts, depth + 1);
    const groups: StrTok[][] = [];
    for (const el of elements) {
      const first = toks[el.from];
      // Django RunSQL lists may hold (sql, params) tuples: only the sql is SQL.
      if (isPunct(first, '(') || (t.text === '[' && isPunct(first, '['))) {
        const inner = splitArgs(toks, el.from);
        if (inner[0]) groups.push(...sqlGroups(toks, inner[0].from, inner[0].to, consts, depth + 1));
      } else groups.push(...sqlGroups(toks, el.from, el.to, consts, depth + 1));
    }
    return groups;
  }
  if (t.type === 'ident') {
    let j = i;
    while (isIdent(toks[j]) && isPunct(toks[j + 1], '.') && isIdent(toks[j + 2])) j += 2;
    const callee = toks[j] as PlainTok;
    if (isPunct(toks[j + 1], '(') && /^(text|dedent|SQL|sql|raw|format_sql|strip)$/.test(callee.text)) {
      const args = splitArgs(toks, j + 1);
      return args[0] ? sqlGroups(toks, args[0].from, args[0].to, consts, depth + 1) : [];
    }
    if (j === i && j + 1 >= to) {
      const c = consts.get(t.text, t.start);
      return c ? [c] : [];
    }
  }
  return [];
}

/** A literal followed by more literals joined by `+`, `\` (line continuation) or adjacency. */
function collectGroup(toks: Tok[], i: number, to: number): StrTok[] {
  const group = [toks[i] as StrTok];
  let j = i + 1;
  while (j < to) {
    const t = toks[j];
    if (t?.type === 'string') {
      group.push(t);
      j++;
    } else if ((isPunct(t, '+') || isPunct(t, '\\')) && toks[j + 1]?.type === 'string' && j + 1 < to) {
      group.push(toks[j + 1] as StrTok);
      j += 2;
    } else break;
  }
  return group;
}

/** `NAME = "…"` assignments, so `RunSQL(NAME)` / `execute(sql)` find their SQL. */
class Constants {
  private readonly byName = new Map<string, { at: number; group: StrTok[] }[]>();
  constructor(
    toks: Tok[],
    private readonly src: string,
  ) {
    for (let i = 0; i + 2 < toks.length; i++) {
      const t = toks[i];
      if (!isIdent(t) || isPunct(toks[i - 1], '.') || !isPunct(toks[i + 1], '=') || isPunct(toks[i + 2], '=')) continue;
      let k = i + 2;
      while (isPunct(toks[k], '(')) k++;
      if (toks[k]?.type !== 'string') continue;
      const list = this.byName.get(t.text) ?? [];
      list.push({ at: t.start, group: collectGroup(toks, k, toks.length) });
      this.byName.set(t.text, list);
    }
  }
  has(name: string): boolean {
    return this.byName.has(name);
  }
  /** Text of a constant made of plain literal text only (no escapes or interpolation). */
  value(name: string, at: number): string | undefined {
    const group = this.get(name, at);
    if (!group || group.some((tok) => tok.segs.some((seg) => seg.mode !== 'raw'))) return undefined;
    return group.map((tok) => tok.segs.map((seg) => this.src.slice(seg.from, seg.to)).join('')).join('');
  }
  /** The assignment closest before `at` (a local `sql = …` in the same method), else the first. */
  get(name: string, at: number): StrTok[] | undefined {
    const list = this.byName.get(name);
    if (!list) return undefined;
    // list is in file order: the last entry before `at`, found by bisection
    let lo = 0;
    let hi = list.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (list[mid]!.at < at) lo = mid + 1;
      else hi = mid;
    }
    return list[Math.max(lo - 1, 0)]!.group;
  }
}

interface Region {
  from: number;
  to: number;
  direction: Direction;
}

/**
 * Direction of a position: the first block (in file order) containing it, else the last
 * marker before it. Built once per file; each look-up is a bisection.
 */
function directions(markers: { at: number; direction: Direction }[], blocks: Region[]): (pos: number) => Direction {
  // Blocks start in increasing order. The part of a block that an earlier block already
  // covers is the earlier block's, so trimming gives disjoint, sorted regions.
  const regions: Region[] = [];
  let covered = -Infinity;
  for (const b of blocks) {
    const from = Math.max(b.from, covered);
    if (from < b.to) regions.push({ from, to: b.to, direction: b.direction });
    covered = Math.max(covered, b.to);
  }
  return (pos) => {
    const r = regions[lastAtOrBefore(regions, pos, (x) => x.from)];
    if (r && pos < r.to) return r.direction;
    return markers[lastAtOrBefore(markers, pos, (m) => m.at)]?.direction ?? 'up';
  };
}

/** Index of the last item whose key is <= pos (-1 if none); items sorted by key. */
function lastAtOrBefore<T>(items: T[], pos: number, key: (x: T) => number): number {
  let lo = 0;
  let hi = items.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (key(items[mid]!) <= pos) lo = mid + 1;
    else hi = mid;
  }
  return lo - 1;
}

export function findSqlCalls(language: MigrationFile['language'], src: string): SqlCall[] {
  if (language === 'ruby') return rubyCalls(lexRuby(src), src);
  if (language === 'python') return pythonCalls(lexPython(src), src);
  return jsCalls(lexJs(src), src);
}

function rubyCalls(toks: Tok[], src: string): SqlCall[] {
  const consts = new Constants(toks, src);
  const markers: { at: number; direction: Direction }[] = [];
  const blocks: Region[] = [];
  let ends: Map<number, number> | undefined;
  for (let i = 0; i < toks.length; i++) {
    const t = toks[i]!;
    if (isIdent(t, 'def')) {
      let n = i + 1;
      if (isIdent(toks[n], 'self') && isPunct(toks[n + 1], '.')) n += 2;
      const name = toks[n];
      markers.push({ at: t.start, direction: isIdent(name, 'down') ? 'down' : 'up' });
    }
    // reversible { |dir| dir.up { … }; dir.down do … end }
    if ((isIdent(t, 'up') || isIdent(t, 'down')) && isPunct(toks[i - 1], '.')) {
      const next = toks[i + 1];
      const direction: Direction = t.text === 'down' ? 'down' : 'up';
      if (isPunct(next, '{')) {
        const close = matchClose(toks, i + 1);
        blocks.push({ from: t.start, to: toks[close]?.end ?? Infinity, direction });
      } else if (isIdent(next, 'do')) {
        ends ??= doBlockEnds(toks);
        const end = ends.get(i);
        blocks.push({ from: t.start, to: end === undefined ? Infinity : toks[end]!.end, direction });
      }
    }
  }
  const directionAt = directions(markers, blocks);
  const calls: SqlCall[] = [];
  for (let i = 0; i < toks.length; i++) {
    const t = toks[i]!;
    if (!isIdent(t) || !/^(execute|exec_query|exec_update|exec_delete|exec_insert)$/.test(t.text)) continue;
    const next = toks[i + 1];
    let groups: StrTok[][];
    if (isPunct(next, '(')) {
      const args = splitArgs(toks, i + 1);
      groups = args[0] && !args[0].kw ? sqlGroups(toks, args[0].from, args[0].to, consts) : [];
    } else if (next?.type === 'string') {
      groups = [collectGroup(toks, i + 1, toks.length)];
    } else if (isIdent(next) && next.line === t.line && consts.has(next.text)) {
      groups = [consts.get(next.text, next.start)!];
    } else continue;
    calls.push({ direction: directionAt(t.start), groups, bindings: false, consts });
  }
  return calls;
}

/**
 * For each `x.up do` / `x.down do` (by token index), the first later `end` that starts a
 * line indented no deeper than the block's line. One sweep with a heap of the open blocks
 * (deepest first), so a file of thousands of unclosed blocks stays linear-ish.
 */
function doBlockEnds(toks: Tok[]): Map<number, number> {
  const out = new Map<number, number>();
  const heap: { indent: number; at: number }[] = [];
  const swap = (a: number, b: number) => ([heap[a], heap[b]] = [heap[b]!, heap[a]!]);
  const push = (x: { indent: number; at: number }) => {
    heap.push(x);
    for (let k = heap.length - 1; k > 0 && heap[(k - 1) >> 1]!.indent < heap[k]!.indent; k = (k - 1) >> 1) swap(k, (k - 1) >> 1);
  };
  const pop = () => {
    const top = heap[0]!;
    const last = heap.pop()!;
    if (heap.length) {
      heap[0] = last;
      for (let k = 0; ; ) {
        const l = 2 * k + 1;
        const r = l + 1;
        let m = k;
        if (l < heap.length && heap[l]!.indent > heap[m]!.indent) m = l;
        if (r < heap.length && heap[r]!.indent > heap[m]!.indent) m = r;
        if (m === k) break;
        swap(k, m);
        k = m;
      }
    }
    return top;
  };
  for (let i = 0; i < toks.length; i++) {
    const t = toks[i]!;
    if (isIdent(t, 'end') && t.atLineStart) {
      while (heap.length && heap[0]!.indent >= t.indent) out.set(pop().at, i);
    }
    if ((isIdent(t, 'up') || isIdent(t, 'down')) && isPunct(toks[i - 1], '.') && isIdent(toks[i + 1], 'do')) push({ indent: lineIndent(toks, i), at: i });
  }
  return out;
}

function lineIndent(toks: Tok[], i: number): number {
  const t = toks[i]!;
  return t.type === 'string' ? 0 : t.indent;
}

function pythonCalls(toks: Tok[], src: string): SqlCall[] {
  const consts = new Constants(toks, src);
  const markers: { at: number; direction: Direction }[] = [];
  for (let i = 0; i < toks.length; i++) {
    if (isIdent(toks[i], 'def') && isIdent(toks[i + 1])) {
      const name = (toks[i + 1] as PlainTok).text;
      markers.push({ at: toks[i]!.start, direction: /^downgrade/.test(name) || name === 'backwards' ? 'down' : 'up' });
    }
  }
  const directionAt = directions(markers, []);
  const calls: SqlCall[] = [];
  for (let i = 0; i < toks.length; i++) {
    const t = toks[i]!;
    if (!isIdent(t) || !isPunct(toks[i + 1], '(')) continue;
    if (t.text === 'RunSQL') {
      const args = splitArgs(toks, i + 1);
      const sql = args.find((a) => a.kw === 'sql') ?? (args[0] && !args[0].kw ? args[0] : undefined);
      const reverse = args.find((a) => a.kw === 'reverse_sql') ?? (args[1] && !args[1].kw ? args[1] : undefined);
      if (sql) calls.push({ direction: 'up', groups: sqlGroups(toks, sql.from, sql.to, consts), bindings: false, consts });
      if (reverse) calls.push({ direction: 'down', groups: sqlGroups(toks, reverse.from, reverse.to, consts), bindings: false, consts });
    } else if ((t.text === 'execute' || t.text === 'exec_driver_sql') && isPunct(toks[i - 1], '.')) {
      const args = splitArgs(toks, i + 1);
      const first = args.find((a) => a.kw === 'sqltext' || a.kw === 'sql' || a.kw === 'statement') ?? (args[0] && !args[0].kw ? args[0] : undefined);
      if (!first) continue;
      calls.push({ direction: directionAt(t.start), groups: sqlGroups(toks, first.from, first.to, consts), bindings: false, consts });
    }
  }
  return calls;
}

function jsCalls(toks: Tok[], src: string): SqlCall[] {
  const consts = new Constants(toks, src);
  const markers: { at: number; direction: Direction }[] = [];
  for (let i = 0; i < toks.length; i++) {
    const t = toks[i]!;
    if (!isIdent(t, 'up') && !isIdent(t, 'down')) continue;
    const prev = toks[i - 1];
    const next = toks[i + 1];
    const assigned = isPunct(next, '=') && !isPunct(toks[i + 2], '=');
    const property = isPunct(next, ':') && !isPunct(prev, '?');
    const declared = isPunct(next, '(') && !isPunct(prev, '.');
    if (assigned || property || declared) markers.push({ at: t.start, direction: t.text === 'down' ? 'down' : 'up' });
  }
  const directionAt = directions(markers, []);
  const calls: SqlCall[] = [];
  for (let i = 0; i < toks.length; i++) {
    const t = toks[i]!;
    if (!isIdent(t) || !isPunct(toks[i - 1], '.') || !isPunct(toks[i + 1], '(')) continue;
    if (t.text !== 'raw' && t.text !== 'query') continue;
    const args = splitArgs(toks, i + 1);
    if (!args[0]) continue;
    calls.push({ direction: directionAt(t.start), groups: sqlGroups(toks, args[0].from, args[0].to, consts), bindings: t.text === 'raw', consts });
  }
  return calls;
}
