// Small lexers for Ruby, Python and JavaScript/TypeScript migration files. They only need to
// find identifiers, punctuation and string literals (with exact positions of the literal's
// content), skipping comments, so embedded SQL can be copied in place.

/** A piece of a string literal's content. */
export interface Seg {
  from: number;
  to: number;
  /** raw: copied as is; escape: `char` (if any) written at to-1, rest blank; interp: placeholder filler. */
  mode: 'raw' | 'escape' | 'interp';
  char?: string;
}

export interface StrTok {
  type: 'string';
  start: number;
  end: number;
  segs: Seg[];
  /** Where a `;` goes to end the statement (the closing quote, or a heredoc's terminator). */
  close: number;
  line: number;
  /** Column of `start` (0-based) from the line start, for line-start checks. */
  atLineStart: boolean;
}

export interface PlainTok {
  type: 'ident' | 'punct' | 'number';
  start: number;
  end: number;
  text: string;
  line: number;
  atLineStart: boolean;
  /** Indentation of the line the token is on. */
  indent: number;
}

export type Tok = StrTok | PlainTok;

const IDENT_START = /[A-Za-z_$\u00c0-\uffff]/;
const IDENT_PART = /[\w$\u00c0-\uffff]/;

class Cursor {
  pos = 0;
  line = 1;
  lineStart = 0;
  tokLine = 0;
  lineIndent = 0;
  readonly toks: Tok[] = [];
  constructor(readonly src: string) {}
  peek(o = 0): string {
    return this.src[this.pos + o] ?? '';
  }
  /** Advance to `to`, counting newlines. */
  advance(to: number): void {
    for (let i = this.pos; i < to && i < this.src.length; i++) {
      if (this.src[i] === '\n') {
        this.line++;
        this.lineStart = i + 1;
      }
    }
    this.pos = to;
  }
  /** Whether no token was pushed yet on the current line (O(1): minified files have huge lines). */
  atLineStart(_start: number): boolean {
    return this.tokLine !== this.line;
  }
  indentOf(start: number): number {
    if (this.tokLine !== this.line) this.lineIndent = start - this.lineStart;
    return this.lineIndent;
  }
  pushPlain(type: PlainTok['type'], start: number, end: number): void {
    const atLineStart = this.atLineStart(start);
    const indent = this.indentOf(start);
    this.toks.push({ type, start, end, text: this.src.slice(start, end), line: this.line, atLineStart, indent });
    this.tokLine = this.line;
    this.advance(end);
  }
  /** Marks the current line as having a token (strings). */
  touch(): void {
    this.indentOf(this.pos);
    this.tokLine = this.line;
  }
  lastTok(): Tok | undefined {
    return this.toks.at(-1);
  }
}

/** A `/` starts a regex literal (not a division) after these. */
function regexAllowed(c: Cursor): boolean {
  const t = c.lastTok();
  if (!t) return true;
  if (t.type === 'string' || t.type === 'number') return false;
  if (t.type === 'ident') return ['return', 'typeof', 'case', 'in', 'of', 'when', 'if', 'unless', 'and', 'or', 'not'].includes(t.text);
  return !/[)\]}]/.test(t.text);
}

function skipRegex(c: Cursor): void {
  const src = c.src;
  let i = c.pos + 1;
  let inClass = false;
  while (i < src.length && src[i] !== '\n') {
    const ch = src[i];
    if (ch === '\\') i++;
    else if (ch === '[') inClass = true;
    else if (ch === ']') inClass = false;
    else if (ch === '/' && !inClass) break;
    i++;
  }
  i++;
  while (i < src.length && /[a-z]/i.test(src[i]!)) i++;
  c.advance(i);
}

/** Backslash escape at `i` inside a quoted literal: returns the segment. */
function escapeSeg(src: string, i: number, literalChars: string): Seg {
  const next = src[i + 1] ?? '';
  if (next === '\n') return { from: i, to: i + 1, mode: 'escape' }; // line continuation: keep the newline
  if (next === '\r' && src[i + 2] === '\n') return { from: i, to: i + 1, mode: 'escape' };
  if (literalChars.includes(next)) return { from: i, to: i + 2, mode: 'escape', char: next };
  let to = i + 2;
  if (next === 'x') to = i + 4;
  else if (next === 'u') to = src[i + 2] === '{' ? closingBraceNear(src, i, 12) : i + 6;
  else if (next === 'U') to = i + 10;
  else if (next === 'N' && src[i + 2] === '{') to = closingBraceNear(src, i, 128);
  else if (/[0-7]/.test(next)) {
    to = i + 2;
    while (to < i + 4 && /[0-7]/.test(src[to] ?? '')) to++;
  }
  return { from: i, to: Math.min(to, src.length), mode: 'escape' };
}

/**
 * End of `\u{…}` / `\N{…}` starting at i: the `}` within `max` characters, else just the
 * two escape characters. Bounded, so a run of unclosed escapes is not one scan each.
 */
function closingBraceNear(src: string, i: number, max: number): number {
  const close = src.slice(i, i + max).indexOf('}');
  return close < 0 ? i + 2 : i + close + 1;
}

function pushRaw(segs: Seg[], from: number, to: number): void {
  if (to <= from) return;
  const last = segs.at(-1);
  if (last && last.mode === 'raw' && last.to === from) last.to = to;
  else segs.push({ from, to, mode: 'raw' });
}

// ---------------------------------------------------------------- JavaScript / TypeScript

export function lexJs(src: string): Tok[] {
  const c = new Cursor(src);
  lexJsUntil(c, false, 0);
  return c.toks;
}

/**
 * Template literals nested in `${…}` deeper than this are not lexed further: their
 * interpolation is closed by counting braces. Real code nests a handful; a hostile file
 * nesting 66k deep would otherwise overflow the stack.
 */
const MAX_TEMPLATE_NESTING = 100;

/** Lexes until EOF, or (inside `${`) until the matching `}`; returns that brace's index. */
function lexJsUntil(c: Cursor, inInterp: boolean, level: number): number {
  const src = c.src;
  let depth = 0;
  while (c.pos < src.length) {
    const ch = c.peek();
    if (ch === '\n' || ch === ' ' || ch === '\t' || ch === '\r') {
      c.advance(c.pos + 1);
    } else if (ch === '/' && c.peek(1) === '/') {
      const nl = src.indexOf('\n', c.pos);
      c.advance(nl < 0 ? src.length : nl);
    } else if (ch === '/' && c.peek(1) === '*') {
      const end = src.indexOf('*/', c.pos + 2);
      c.advance(end < 0 ? src.length : end + 2);
    } else if (ch === '"' || ch === "'") {
      lexQuoted(c, ch, '\\\'"`$/{}', true);
    } else if (ch === '`') {
      lexTemplate(c, level);
    } else if (ch === '/' && regexAllowed(c)) {
      skipRegex(c);
    } else if (IDENT_START.test(ch)) {
      let i = c.pos + 1;
      while (i < src.length && IDENT_PART.test(src[i]!)) i++;
      c.pushPlain('ident', c.pos, i);
    } else if (/\d/.test(ch)) {
      let i = c.pos + 1;
      while (i < src.length && /[\w.]/.test(src[i]!)) i++;
      c.pushPlain('number', c.pos, i);
    } else {
      if (inInterp) {
        if (ch === '{') depth++;
        if (ch === '}') {
          if (depth === 0) return c.pos;
          depth--;
        }
      }
      c.pushPlain('punct', c.pos, c.pos + 1);
    }
  }
  return src.length;
}

function lexQuoted(c: Cursor, quote: string, literalChars: string, escapes: boolean): void {
  const src = c.src;
  const start = c.pos;
  const segs: Seg[] = [];
  let i = start + 1;
  let runStart = i;
  while (i < src.length && src[i] !== quote && src[i] !== '\n') {
    if (escapes && src[i] === '\\') {
      pushRaw(segs, runStart, i);
      const seg = escapeSeg(src, i, literalChars);
      segs.push(seg);
      i = seg.to;
      runStart = i;
      continue;
    }
    i++;
  }
  pushRaw(segs, runStart, i);
  const end = Math.min(i + 1, src.length);
  pushString(c, start, end, segs, i);
}

function pushString(c: Cursor, start: number, end: number, segs: Seg[], close: number): void {
  const atLineStart = c.atLineStart(start);
  c.touch();
  c.toks.push({ type: 'string', start, end, segs, close, line: c.line, atLineStart });
  c.advance(end);
}

function lexTemplate(c: Cursor, level: number): void {
  const src = c.src;
  const start = c.pos;
  const startLine = c.line;
  const startAtLineStart = c.atLineStart(start);
  c.touch();
  const segs: Seg[] = [];
  let i = start + 1;
  let runStart = i;
  while (i < src.length && src[i] !== '`') {
    if (src[i] === '\\') {
      pushRaw(segs, runStart, i);
      const seg = escapeSeg(src, i, '\\\'"`$/{}');
      segs.push(seg);
      i = seg.to;
      runStart = i;
    } else if (src[i] === '$' && src[i + 1] === '{') {
      pushRaw(segs, runStart, i);
      // Lex the interpolated expression in a throw-away cursor to find its closing brace.
      let close: number;
      if (level < MAX_TEMPLATE_NESTING) {
        const inner = new Cursor(src);
        inner.pos = i + 2;
        close = lexJsUntil(inner, true, level + 1);
      } else close = braceClose(src, i + 2);
      segs.push({ from: i, to: Math.min(close + 1, src.length), mode: 'interp' });
      i = close + 1;
      runStart = i;
    } else i++;
  }
  pushRaw(segs, runStart, Math.min(i, src.length));
  const end = Math.min(i + 1, src.length);
  c.toks.push({ type: 'string', start, end, segs, close: i, line: startLine, atLineStart: startAtLineStart });
  c.advance(end);
}

/** The `}` closing a `${` whose expression starts at `from`, by counting braces only. */
function braceClose(src: string, from: number): number {
  let depth = 0;
  for (let i = from; i < src.length; i++) {
    if (src[i] === '{') depth++;
    else if (src[i] === '}') {
      if (depth === 0) return i;
      depth--;
    }
  }
  return src.length;
}

// ---------------------------------------------------------------- Python

export function lexPython(src: string): Tok[] {
  const c = new Cursor(src);
  while (c.pos < src.length) {
    const ch = c.peek();
    if (ch === '\n' || ch === ' ' || ch === '\t' || ch === '\r') {
      c.advance(c.pos + 1);
    } else if (ch === '#') {
      const nl = src.indexOf('\n', c.pos);
      c.advance(nl < 0 ? src.length : nl);
    } else if (ch === '\\') {
      c.pushPlain('punct', c.pos, c.pos + 1);
    } else if (IDENT_START.test(ch)) {
      let i = c.pos + 1;
      while (i < src.length && IDENT_PART.test(src[i]!)) i++;
      const word = src.slice(c.pos, i);
      if ((src[i] === '"' || src[i] === "'") && /^(r|u|b|f|br|rb|fr|rf)$/i.test(word)) {
        lexPyString(c, c.pos, i, word.toLowerCase());
      } else c.pushPlain('ident', c.pos, i);
    } else if (ch === '"' || ch === "'") {
      lexPyString(c, c.pos, c.pos, '');
    } else if (/\d/.test(ch)) {
      let i = c.pos + 1;
      while (i < src.length && /[\w.]/.test(src[i]!)) i++;
      c.pushPlain('number', c.pos, i);
    } else c.pushPlain('punct', c.pos, c.pos + 1);
  }
  return c.toks;
}

function lexPyString(c: Cursor, start: number, quoteAt: number, prefix: string): void {
  const src = c.src;
  const q = src[quoteAt]!;
  const triple = src.startsWith(q.repeat(3), quoteAt);
  const delim = triple ? q.repeat(3) : q;
  const raw = prefix.includes('r');
  const fstring = prefix.includes('f');
  const segs: Seg[] = [];
  let i = quoteAt + delim.length;
  let runStart = i;
  while (i < src.length && !src.startsWith(delim, i) && (triple || src[i] !== '\n')) {
    const ch = src[i]!;
    if (ch === '\\' && !raw) {
      pushRaw(segs, runStart, i);
      const seg = escapeSeg(src, i, '\\\'"');
      segs.push(seg);
      i = seg.to;
      runStart = i;
    } else if (ch === '\\' && raw) {
      i += 2;
    } else if (fstring && (ch === '{' || ch === '}')) {
      pushRaw(segs, runStart, i);
      if (src[i + 1] === ch) {
        segs.push({ from: i, to: i + 2, mode: 'escape', char: ch });
        i += 2;
      } else if (ch === '{') {
        const close = matchBrace(src, i);
        segs.push({ from: i, to: close + 1, mode: 'interp' });
        i = close + 1;
      } else i++;
      runStart = i;
    } else if (ch === '%' && !fstring && /^%(\([A-Za-z_]\w*\))?s/.test(src.slice(i, i + 40))) {
      // DB-API parameters (`%s`, `%(name)s`).
      pushRaw(segs, runStart, i);
      const len = /^%(\([A-Za-z_]\w*\))?s/.exec(src.slice(i, i + 40))![0].length;
      segs.push({ from: i, to: i + len, mode: 'interp' });
      i += len;
      runStart = i;
    } else i++;
  }
  pushRaw(segs, runStart, Math.min(i, src.length));
  const end = Math.min(i + delim.length, src.length);
  pushString(c, start, end, segs, i);
}

/** Matching `}` for the `{` at i (f-string or Ruby interpolation), skipping nested quotes. */
function matchBrace(src: string, i: number): number {
  let depth = 0;
  for (let j = i; j < src.length; j++) {
    const ch = src[j];
    if (ch === '{') depth++;
    else if (ch === '}') {
      depth--;
      if (depth === 0) return j;
    } else if (ch === '"' || ch === "'") {
      const close = src.indexOf(ch, j + 1);
      if (close < 0) return src.length - 1;
      j = close;
    }
  }
  return src.length - 1;
}

// ---------------------------------------------------------------- Ruby

const RUBY_PAIRS: Record<string, string> = { '(': ')', '[': ']', '{': '}', '<': '>' };

export function lexRuby(src: string): Tok[] {
  const c = new Cursor(src);
  const pending: { tok: StrTok; id: string; squiggly: boolean; interp: boolean }[] = [];
  while (c.pos < src.length) {
    const ch = c.peek();
    if (ch === '\n') {
      c.advance(c.pos + 1);
      for (const h of pending.splice(0)) lexHeredocBody(c, h.tok, h.id, h.squiggly, h.interp);
    } else if (ch === ' ' || ch === '\t' || ch === '\r') {
      c.advance(c.pos + 1);
    } else if (ch === '#') {
      const nl = src.indexOf('\n', c.pos);
      c.advance(nl < 0 ? src.length : nl);
    } else if (ch === '=' && c.atLineStart(c.pos) && src.startsWith('=begin', c.pos)) {
      const end = src.indexOf('\n=end', c.pos);
      c.advance(end < 0 ? src.length : end + 5);
    } else if (ch === '_' && c.atLineStart(c.pos) && /^__END__\r?$/m.test(src.slice(c.pos, c.pos + 9))) {
      c.advance(src.length);
    } else if (ch === '<' && c.peek(1) === '<' && /^<<[~-]?(['"]?)[A-Za-z_]\w*\1/.test(src.slice(c.pos, c.pos + 80))) {
      const m = /^<<([~-]?)(['"]?)([A-Za-z_]\w*)\2/.exec(src.slice(c.pos, c.pos + 80))!;
      const bare = m[1] === '' && m[2] === '';
      // `x <<foo` is a shift; bare heredoc ids are upper case by convention.
      if (bare && !/^[A-Z]/.test(m[3]!)) {
        c.pushPlain('punct', c.pos, c.pos + 2);
        continue;
      }
      const tok: StrTok = { type: 'string', start: c.pos, end: c.pos + m[0].length, segs: [], close: -1, line: c.line, atLineStart: c.atLineStart(c.pos) };
      c.touch();
      c.toks.push(tok);
      pending.push({ tok, id: m[3]!, squiggly: m[1] !== '', interp: m[2] !== "'" });
      c.advance(c.pos + m[0].length);
    } else if (ch === '"' || ch === '`') {
      lexRubyDelimited(c, c.pos, c.pos + 1, ch, ch, true);
    } else if (ch === "'") {
      lexRubyDelimited(c, c.pos, c.pos + 1, "'", "'", false);
    } else if (ch === '%' && /^%[qQ]?[^\w\s]/.test(src.slice(c.pos, c.pos + 3)) && !valueBefore(c)) {
      const kind = /[qQ]/.test(c.peek(1)) ? c.peek(1) : '';
      const open = c.peek(kind ? 2 : 1);
      const openAt = c.pos + (kind ? 2 : 1);
      lexRubyDelimited(c, c.pos, openAt + 1, open, RUBY_PAIRS[open] ?? open, kind !== 'q');
    } else if (ch === '%' && /^%[wWiIrsx][^\w\s]/.test(src.slice(c.pos, c.pos + 3)) && !valueBefore(c)) {
      const open = c.peek(2);
      const close = RUBY_PAIRS[open] ?? open;
      const end = findClose(src, c.pos + 3, open, close);
      c.pushPlain('other' as 'punct', c.pos, end + 1);
    } else if (ch === ':' && c.peek(1) === '"') {
      lexRubyDelimited(c, c.pos, c.pos + 2, '"', '"', true);
      c.toks.pop(); // a symbol, not SQL
    } else if (ch === '/' && regexAllowed(c)) {
      skipRegex(c);
    } else if (ch === '?' && /^\?[A-Za-z]\b/.test(src.slice(c.pos, c.pos + 3)) && !valueBefore(c)) {
      c.advance(c.pos + 2);
    } else if (IDENT_START.test(ch) || ch === '@') {
      let i = c.pos + 1;
      while (i < src.length && /[\w@]/.test(src[i]!)) i++;
      if (src[i] === '!' || src[i] === '?') {
        if (src[i + 1] !== '=') i++;
      }
      c.pushPlain('ident', c.pos, i);
    } else if (/\d/.test(ch)) {
      let i = c.pos + 1;
      while (i < src.length && /[\w.]/.test(src[i]!)) i++;
      c.pushPlain('number', c.pos, i);
    } else c.pushPlain('punct', c.pos, c.pos + 1);
  }
  for (const h of pending.splice(0)) lexHeredocBody(c, h.tok, h.id, h.squiggly, h.interp);
  return c.toks;
}

/** Whether the previous token is a value (so `%` / `?` are operators, not literal starts). */
function valueBefore(c: Cursor): boolean {
  const t = c.lastTok();
  if (!t) return false;
  if (t.type === 'string' || t.type === 'number') return true;
  // `x%y` is modulo; `execute %q{…}` (space after a method name) is a literal.
  if (t.type === 'ident') return t.end === c.pos;
  return /[)\]}]/.test(t.text);
}

function findClose(src: string, from: number, open: string, close: string): number {
  let depth = 0;
  for (let i = from; i < src.length; i++) {
    if (src[i] === '\\') {
      i++;
      continue;
    }
    if (src[i] === close && depth === 0) return i;
    if (open !== close && src[i] === open) depth++;
    else if (open !== close && src[i] === close) depth--;
  }
  return src.length - 1;
}

function lexRubyDelimited(c: Cursor, start: number, contentStart: number, open: string, close: string, interp: boolean): void {
  const src = c.src;
  const segs: Seg[] = [];
  let i = contentStart;
  let runStart = i;
  let depth = 0;
  while (i < src.length) {
    const ch = src[i]!;
    if (ch === '\\') {
      pushRaw(segs, runStart, i);
      const seg = interp ? escapeSeg(src, i, '\\\'"`#{}()[]<>/|!') : src[i + 1] === '\\' || src[i + 1] === close ? { from: i, to: i + 2, mode: 'escape' as const, char: src[i + 1] } : { from: i, to: i + 1, mode: 'raw' as const };
      segs.push(seg);
      i = seg.to;
      runStart = i;
      continue;
    }
    if (interp && ch === '#' && src[i + 1] === '{') {
      pushRaw(segs, runStart, i);
      const end = matchBrace(src, i + 1);
      segs.push({ from: i, to: end + 1, mode: 'interp' });
      i = end + 1;
      runStart = i;
      continue;
    }
    if (open !== close && ch === open) depth++;
    else if (ch === close) {
      if (depth === 0) break;
      depth--;
    }
    i++;
  }
  pushRaw(segs, runStart, Math.min(i, src.length));
  const line = c.line;
  const atLineStart = c.atLineStart(start);
  c.touch();
  const end = Math.min(i + 1, src.length);
  c.toks.push({ type: 'string', start, end, segs, close: i, line, atLineStart });
  c.advance(end);
}

function lexHeredocBody(c: Cursor, tok: StrTok, id: string, squiggly: boolean, interp: boolean): void {
  const src = c.src;
  let i = c.pos;
  let runStart = i;
  // an interpolation can run past its line: the lines it covers are not scanned again
  let resume = i;
  while (i < src.length) {
    const eol = src.indexOf('\n', i);
    const lineEnd = eol < 0 ? src.length : eol;
    const text = src.slice(i, lineEnd).replace(/\r$/, '');
    if ((squiggly ? text.trim() : text) === id) {
      pushRaw(tok.segs, runStart, i);
      tok.close = i + (text.length - text.trimStart().length);
      c.advance(eol < 0 ? src.length : eol + 1);
      return;
    }
    // Interpolation and escapes inside this line.
    for (let j = Math.max(i, resume); j < lineEnd; j++) {
      if (interp && src[j] === '\\') {
        pushRaw(tok.segs, runStart, j);
        const seg = escapeSeg(src, j, '\\\'"`#{}');
        tok.segs.push(seg);
        j = seg.to - 1;
        runStart = seg.to;
      } else if (interp && src[j] === '#' && src[j + 1] === '{') {
        pushRaw(tok.segs, runStart, j);
        const end = matchBrace(src, j + 1);
        tok.segs.push({ from: j, to: end + 1, mode: 'interp' });
        j = end;
        runStart = end + 1;
        resume = end + 1;
      }
    }
    i = eol < 0 ? src.length : eol + 1;
  }
  pushRaw(tok.segs, runStart, src.length);
  tok.close = src.length;
  c.advance(src.length);
}
