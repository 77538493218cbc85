// PostgreSQL's lexical rules (src/backend/parser/scan.l), in JavaScript. Fix builders and the
// model read tokens of single statements many thousand times per run; the WASM scanner costs
// ~50 µs per call plus ~0.8 µs per character (its tokens cross as JSON), more than parsing the
// statement. This scanner gives the same tokens, with string indexes, and is checked against
// libpg_query's scanner on every fixture statement (test/sql/tokens.test.ts).
import { KEYWORD_KIND } from './keywords.generated.js';

export interface Token {
  /** String indexes into the scanned text. */
  start: number;
  end: number;
  text: string;
  /** libpg_query's token name for non-keywords (IDENT, SCONST, ICONST, Op, C_COMMENT, ASCII_59 …); KEYWORD for keywords. */
  name: string;
  keyword: boolean;
}

const enum C {
  Tab = 9,
  LF = 10,
  VT = 11,
  FF = 12,
  CR = 13,
  Space = 32,
  Bang = 33,
  DQuote = 34,
  Dollar = 36,
  Quote = 39,
  Star = 42,
  Plus = 43,
  Minus = 45,
  Dot = 46,
  Slash = 47,
  Zero = 48,
  Nine = 57,
  Colon = 58,
  Less = 60,
  Eq = 61,
  Greater = 62,
  Backslash = 92,
  Underscore = 95,
}

const IDENT_START = 1;
const IDENT_CONT = 2;
const SPACE = 4;
const OP = 8;
/** Operator characters that keep a trailing `+`/`-` part of the operator. */
const OP_KEEPS_SIGN = 16;
const DIGIT = 32;
const CLASS = new Uint8Array(128);
for (let c = 0; c < 128; c++) {
  if ((c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === C.Underscore) CLASS[c]! |= IDENT_START | IDENT_CONT;
  if (c >= C.Zero && c <= C.Nine) CLASS[c]! |= IDENT_CONT | DIGIT;
  if (c === C.Dollar) CLASS[c]! |= IDENT_CONT;
}
for (const c of ' \t\n\r\f\v') CLASS[c.charCodeAt(0)]! |= SPACE;
for (const c of '~!@#^&|`?+-*/%<>=') CLASS[c.charCodeAt(0)]! |= OP;
for (const c of '~!@#^&|`?%') CLASS[c.charCodeAt(0)]! |= OP_KEEPS_SIGN;

/** Longer words are never keywords: no map lookup for them. */
const MAX_KEYWORD = Math.max(...[...KEYWORD_KIND.keys()].map((w) => w.length));

const is = (c: number, flag: number) => (c >= 0x80 ? flag === IDENT_START || flag === IDENT_CONT : c >= 0 && (CLASS[c]! & flag) !== 0);
/** Character classes of PostgreSQL's lexer (every non-ASCII UTF-16 unit is an identifier character), shared with src/sql/lexer.ts. */
export const isIdentStart = (c: number) => is(c, IDENT_START);
export const isIdentCont = (c: number) => is(c, IDENT_CONT);
export const isSpace = (c: number) => is(c, SPACE);
const SELF = new Set(',()[].;:+-*/%^<>=');
const TWO_CHAR: Record<string, string> = { '=>': 'EQUALS_GREATER', '<=': 'LESS_EQUALS', '>=': 'GREATER_EQUALS', '<>': 'NOT_EQUALS', '!=': 'NOT_EQUALS' };

class Unscannable extends Error {}

/** The tokens of `text` as PostgreSQL's scanner reads them; undefined where it reports an error (an unterminated quote or comment, junk after a number). */
export function tokenize(text: string): Token[] | undefined {
  try {
    return scan(text);
  } catch (err) {
    if (err instanceof Unscannable) return undefined;
    throw err;
  }
}

function scan(text: string): Token[] {
  const n = text.length;
  const out: Token[] = [];
  const at = (k: number) => (k < n ? text.charCodeAt(k) : -1);
  const push = (start: number, end: number, name: string, keyword = false) => {
    out.push({ start, end, text: text.slice(start, end), name, keyword });
  };
  let i = 0;
  while (i < n) {
    const c = text.charCodeAt(i);
    const next = at(i + 1);
    if (is(c, SPACE)) {
      i++;
      continue;
    }
    if (c === C.Minus && next === C.Minus) {
      let k = i + 2;
      while (k < n && at(k) !== C.LF && at(k) !== C.CR) k++;
      push(i, k, 'SQL_COMMENT');
      i = k;
      continue;
    }
    if (c === C.Slash && next === C.Star) {
      const k = blockCommentEnd(text, i);
      push(i, k, 'C_COMMENT');
      i = k;
      continue;
    }
    // Prefixed strings and identifiers: E'…', B'…', X'…', N'…', U&'…', U&"…".
    if (next === C.Quote && (c | 0x20) === 0x65) {
      i = pushString(text, i, i + 1, true, 'SCONST', push);
      continue;
    }
    if (next === C.Quote && (c | 0x20) === 0x62) {
      i = pushString(text, i, i + 1, false, 'BCONST', push);
      continue;
    }
    if (next === C.Quote && (c | 0x20) === 0x78) {
      i = pushString(text, i, i + 1, false, 'XCONST', push);
      continue;
    }
    if (next === C.Quote && (c | 0x20) === 0x6e) {
      // PostgreSQL reads N'…' as the keyword NCHAR spelled `n`, then the string.
      push(i, i + 1, 'KEYWORD', true);
      i++;
      continue;
    }
    if ((c | 0x20) === 0x75 && next === 38 && (at(i + 2) === C.Quote || at(i + 2) === C.DQuote)) {
      if (at(i + 2) === C.Quote) i = pushString(text, i, i + 2, false, 'USCONST', push);
      else {
        const k = quotedIdentEnd(text, i + 2);
        push(i, k, 'UIDENT');
        i = k;
      }
      continue;
    }
    if (is(c, IDENT_START)) {
      let k = i + 1;
      while (k < n && is(text.charCodeAt(k), IDENT_CONT)) k++;
      const word = text.slice(i, k);
      const keyword = k - i <= MAX_KEYWORD && KEYWORD_KIND.has(asciiLower(word));
      push(i, k, keyword ? 'KEYWORD' : 'IDENT', keyword);
      i = k;
      continue;
    }
    if (c === C.Quote) {
      i = pushString(text, i, i, false, 'SCONST', push);
      continue;
    }
    if (c === C.DQuote) {
      const k = quotedIdentEnd(text, i);
      if (k - i === 2) throw new Unscannable('zero-length delimited identifier');
      push(i, k, 'IDENT');
      i = k;
      continue;
    }
    if (c === C.Dollar) {
      if (is(next, DIGIT)) {
        let k = i + 1;
        while (is(at(k), DIGIT)) k++;
        push(i, k, 'PARAM');
        i = k;
        continue;
      }
      let k = i + 1;
      if (is(next, IDENT_START)) {
        k++;
        while (k < n && is(at(k), IDENT_CONT) && at(k) !== C.Dollar) k++;
      }
      if (at(k) === C.Dollar) {
        const tag = text.slice(i, k + 1);
        const close = text.indexOf(tag, k + 1);
        if (close < 0) throw new Unscannable('unterminated dollar-quoted string');
        push(i, close + tag.length, 'SCONST');
        i = close + tag.length;
        continue;
      }
      push(i, i + 1, 'ASCII_36');
      i++;
      continue;
    }
    if (is(c, DIGIT) || (c === C.Dot && is(next, DIGIT))) {
      i = pushNumber(text, i, push);
      continue;
    }
    if (c === C.Colon && next === C.Colon) {
      push(i, i + 2, 'TYPECAST');
      i += 2;
      continue;
    }
    if (c === C.Colon && next === C.Eq) {
      push(i, i + 2, 'COLON_EQUALS');
      i += 2;
      continue;
    }
    if (c === C.Dot && next === C.Dot) {
      push(i, i + 2, 'DOT_DOT');
      i += 2;
      continue;
    }
    if (is(c, OP)) {
      i = pushOperator(text, i, push);
      continue;
    }
    push(i, i + 1, `ASCII_${c}`);
    i++;
  }
  return out;
}

function asciiLower(word: string): string {
  let lower = '';
  for (let k = 0; k < word.length; k++) {
    const c = word.charCodeAt(k);
    lower += c >= 65 && c <= 90 ? String.fromCharCode(c + 32) : word[k];
  }
  return lower;
}

/** End of a (nested) block comment starting at `start`. */
function blockCommentEnd(text: string, start: number): number {
  let depth = 1;
  let k = start + 2;
  while (k < text.length) {
    const d = text.charCodeAt(k);
    const e = text.charCodeAt(k + 1);
    if (d === C.Star && e === C.Slash) {
      k += 2;
      if (--depth === 0) return k;
    } else if (d === C.Slash && e === C.Star) {
      depth++;
      k += 2;
    } else k++;
  }
  throw new Unscannable('unterminated /* comment');
}

/** End of the "…" identifier whose quote is at `quote`. */
function quotedIdentEnd(text: string, quote: number): number {
  let k = quote + 1;
  for (;;) {
    const close = text.indexOf('"', k);
    if (close < 0) throw new Unscannable('unterminated quoted identifier');
    if (text.charCodeAt(close + 1) === C.DQuote) k = close + 2;
    else return close + 1;
  }
}

type Push = (start: number, end: number, name: string, keyword?: boolean) => void;

/**
 * A string literal from `start` (its prefix) whose first quote is at `quote`, with the
 * continuation PostgreSQL allows: another quoted part after whitespace (no comment) holding a newline.
 */
function pushString(text: string, start: number, quote: number, escapes: boolean, name: string, push: Push): number {
  let k = quote;
  for (;;) {
    k = quotedEnd(text, k, escapes);
    const more = continuation(text, k);
    if (more < 0) break;
    k = more;
  }
  push(start, k, name);
  return k;
}

/** End of one '…' part whose quote is at `quote`. */
function quotedEnd(text: string, quote: number, escapes: boolean): number {
  let k = quote + 1;
  const n = text.length;
  while (k < n) {
    const d = text.charCodeAt(k);
    if (escapes && d === C.Backslash) k += 2;
    else if (d === C.Quote) {
      if (text.charCodeAt(k + 1) === C.Quote) k += 2;
      else return k + 1;
    } else k++;
  }
  throw new Unscannable('unterminated quoted string');
}

/** Index of the quote that continues a string ending at `k`, or -1. */
function continuation(text: string, k: number): number {
  let newline = false;
  for (let j = k; j < text.length; ) {
    const d = text.charCodeAt(j);
    if (d === C.LF || d === C.CR) {
      newline = true;
      j++;
    } else if (d === C.Space || d === C.Tab || d === C.FF || d === C.VT) j++;
    else return newline && d === C.Quote ? j : -1;
  }
  return -1;
}

/** Integers (decimal with `_` separators, 0x/0o/0b), decimals and reals; junk after them is an error. */
function pushNumber(text: string, start: number, push: Push): number {
  const n = text.length;
  const at = (k: number) => (k < n ? text.charCodeAt(k) : -1);
  const digits = (k: number, ok: (c: number) => boolean): number => {
    // digit ( _? digit )*
    if (!ok(at(k))) return k;
    k++;
    for (;;) {
      if (ok(at(k))) k++;
      else if (at(k) === C.Underscore && ok(at(k + 1))) k += 2;
      else return k;
    }
  };
  const dec = (c: number) => c >= C.Zero && c <= C.Nine;
  let k = start;
  let name = 'ICONST';
  const c1 = at(k + 1) | 0x20;
  if (at(k) === C.Zero && (c1 === 0x78 || c1 === 0x6f || c1 === 0x62) && at(k + 2) !== C.Underscore) {
    const ok =
      c1 === 0x78
        ? (c: number) => dec(c) || ((c | 0x20) >= 0x61 && (c | 0x20) <= 0x66)
        : c1 === 0x6f
          ? (c: number) => c >= C.Zero && c <= 55
          : (c: number) => c === C.Zero || c === 49;
    const e = digits(k + 2, ok);
    if (e > k + 2) {
      if (is(at(e), IDENT_CONT)) throw new Unscannable('trailing junk after numeric literal');
      push(start, e, 'ICONST');
      return e;
    }
  }
  k = digits(k, dec);
  if (at(k) === C.Dot && at(k + 1) !== C.Dot) {
    name = 'FCONST';
    k = digits(k + 1, dec);
  }
  if ((at(k) | 0x20) === 0x65) {
    let e = k + 1;
    if (at(e) === C.Plus || at(e) === C.Minus) e++;
    const end = digits(e, dec);
    if (end === e) throw new Unscannable('trailing junk after numeric literal');
    name = 'FCONST';
    k = end;
  }
  if (is(at(k), IDENT_CONT)) throw new Unscannable('trailing junk after numeric literal');
  push(start, k, name);
  return k;
}

/** An operator: the longest run of operator characters, cut before `--` or `/*`, with PostgreSQL's rule for a trailing `+`/`-`. */
function pushOperator(text: string, start: number, push: Push): number {
  const n = text.length;
  let k = start;
  while (k < n && is(text.charCodeAt(k), OP)) {
    if (k > start) {
      const d = text.charCodeAt(k);
      const e = text.charCodeAt(k + 1);
      if ((d === C.Minus && e === C.Minus) || (d === C.Slash && e === C.Star)) break;
    }
    k++;
  }
  let len = k - start;
  if (len > 1 && (text.charCodeAt(k - 1) === C.Plus || text.charCodeAt(k - 1) === C.Minus)) {
    let keeps = false;
    for (let j = start; j < k; j++) if (is(text.charCodeAt(j), OP_KEEPS_SIGN)) keeps = true;
    if (!keeps) {
      while (len > 1 && (text.charCodeAt(start + len - 1) === C.Plus || text.charCodeAt(start + len - 1) === C.Minus)) len--;
    }
  }
  const op = text.slice(start, start + len);
  if (len === 1 && SELF.has(op)) push(start, start + 1, `ASCII_${op.charCodeAt(0)}`);
  else push(start, start + len, TWO_CHAR[op] ?? 'Op');
  return start + len;
}
