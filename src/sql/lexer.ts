// One pass over the source, before libpg_query sees it: finds comments (ignore
// directives, statement trimming), psql meta-commands and COPY … FROM stdin data
// (which are not SQL and are blanked out, keeping every offset), and statement
// boundaries (the fallback when the scanner itself gives up on unterminated input).
import { StatementSplitter, type Segment } from './split.js';
import { isIdentCont, isIdentStart, isSpace } from './tokens.js';
import { templateAt, templatesInside, type TemplateRef } from './templates.js';

export interface Comment {
  start: number;
  end: number;
  block: boolean;
}

export interface SkippedRange {
  kind: 'meta-command' | 'copy-data';
  start: number;
  end: number;
  /** The meta-command line, or the COPY statement's first line. */
  label: string;
  /** Number of data lines (copy-data only). */
  lines?: number;
}

export interface LexResult {
  /** Source with skipped ranges and NUL bytes blanked (same length, same line breaks). */
  parserText: string;
  comments: Comment[];
  skipped: SkippedRange[];
  segments: Segment[];
  /** Template placeholders (Go, Jinja, Flyway/Liquibase, psql variables), in source order. */
  templates: TemplateRef[];
  /** psql `\set`/`\unset` in the file: `at` is where the value takes effect. */
  psqlSets: { at: number; name: string; value: string | undefined }[];
  /** Bodies of dollar-quoted strings (between the tags), in source order. */
  dollarBodies: { start: number; end: number }[];
}

const enum Ch {
  Tab = 9,
  LF = 10,
  CR = 13,
  Space = 32,
  DQuote = 34,
  Dollar = 36,
  Quote = 39,
  LParen = 40,
  RParen = 41,
  Star = 42,
  Minus = 45,
  Slash = 47,
  Semi = 59,
  Colon = 58,
  Backslash = 92,
  Underscore = 95,
}

function isVarChar(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c === Ch.Underscore || c >= 0x80;
}

/** `${` of a Flyway/Liquibase placeholder: a `$` that does not continue the word before it. */
function isPlaceholderStart(text: string, k: number): boolean {
  return text.charCodeAt(k) === Ch.Dollar && text.charCodeAt(k + 1) === 123;
}

/** psql meta-commands that send the query buffer, i.e. end the current statement. */
const SENDING_META = /^\\(g|gx|gset|gexec|gdesc|crosstabview|watch|bind|bind_named|sendpipeline)(\s|$)/;
const COPY_FROM_STDIN = /\bfrom\s+(stdin|pstdin)\b/i;

function lineEnd(text: string, from: number): number {
  const n = text.length;
  let k = from;
  while (k < n) {
    const c = text.charCodeAt(k);
    if (c === Ch.LF || c === Ch.CR) break;
    k++;
  }
  return k;
}

function nextLineStart(text: string, from: number): number {
  const n = text.length;
  let k = lineEnd(text, from);
  if (k < n && text.charCodeAt(k) === Ch.CR) k++;
  if (k < n && text.charCodeAt(k) === Ch.LF) k++;
  return k;
}

/** End of a `\.`-terminated COPY data block that starts at `from` (a line start). */
function copyDataEnd(text: string, from: number): { end: number; lines: number } {
  const n = text.length;
  let k = from;
  let lines = 0;
  while (k < n) {
    const e = lineEnd(text, k);
    if (text.slice(k, e).trimEnd() === '\\.') return { end: e, lines };
    lines++;
    k = nextLineStart(text, e);
    if (k === e) break;
  }
  return { end: n, lines };
}

export function lex(text: string): LexResult {
  const n = text.length;
  const comments: Comment[] = [];
  const skipped: SkippedRange[] = [];
  /** Positions where the parser text gets a `;` (meta-commands that send the buffer). */
  const semis: number[] = [];
  const templates: TemplateRef[] = [];
  const psqlSets: LexResult['psqlSets'] = [];
  const dollarBodies: LexResult['dollarBodies'] = [];
  // Quoted tokens are searched for templates only when the file could hold one.
  const mayTemplate = text.includes('{');
  /** `[` depth: `a[1:n]` is a slice, not a psql variable. */
  let brackets = 0;
  const splitter = new StatementSplitter();
  let i = 0;

  const startCopyData = (afterIndex: number, label: string): number => {
    const dataStart = nextLineStart(text, afterIndex);
    if (dataStart >= n) return n;
    const { end, lines } = copyDataEnd(text, dataStart);
    skipped.push({ kind: 'copy-data', start: dataStart, end, label, lines });
    return end;
  };

  while (i < n) {
    const c = text.charCodeAt(i);
    if (isSpace(c)) {
      i++;
      while (i < n && isSpace(text.charCodeAt(i))) i++;
      continue;
    }
    // Words and numbers; a `$` can continue an identifier but never starts one.
    if (c < 0x80 && isIdentCont(c) && c !== Ch.Dollar) {
      let k = i + 1;
      while (k < n && isIdentCont(text.charCodeAt(k)) && !isPlaceholderStart(text, k)) k++;
      if (splitter.wantsWords && isIdentStart(c)) splitter.token(i, k, 'word', text.slice(i, k).toUpperCase());
      else splitter.token(i, k, 'other');
      i = k;
      continue;
    }
    const next = i + 1 < n ? text.charCodeAt(i + 1) : 0;
    if (c === Ch.Minus && next === Ch.Minus) {
      const e = lineEnd(text, i);
      comments.push({ start: i, end: e, block: false });
      i = e;
      continue;
    }
    if (c === Ch.Slash && next === Ch.Star) {
      let depth = 1;
      let k = i + 2;
      while (k < n && depth > 0) {
        const d = text.charCodeAt(k);
        if (d === Ch.Star && k + 1 < n && text.charCodeAt(k + 1) === Ch.Slash) {
          depth--;
          k += 2;
        } else if (d === Ch.Slash && k + 1 < n && text.charCodeAt(k + 1) === Ch.Star) {
          depth++;
          k += 2;
        } else k++;
      }
      comments.push({ start: i, end: k, block: true });
      i = k;
      continue;
    }
    if (c === 123 || (c === Ch.Dollar && next === 123)) {
      const t = templateAt(text, i);
      if (t) {
        templates.push({ start: i, end: t.end, syntax: t.syntax, context: 'code', inner: t.inner });
        if (t.syntax !== 'block') splitter.token(i, t.end, 'other');
        i = t.end;
        continue;
      }
    }
    if (c === Ch.Quote) {
      const prev = i > 0 ? text.charCodeAt(i - 1) : 0;
      const escapes = (prev === 69 || prev === 101) && !(i > 1 && isIdentCont(text.charCodeAt(i - 2)));
      let k = i + 1;
      while (k < n) {
        const d = text.charCodeAt(k);
        if (escapes && d === Ch.Backslash) k += 2;
        else if (d === Ch.Quote) {
          if (k + 1 < n && text.charCodeAt(k + 1) === Ch.Quote) k += 2;
          else break;
        } else k++;
      }
      const end = Math.min(k + 1, n);
      if (mayTemplate && k < n) templatesInside(text, i + 1, k, 'string', templates);
      splitter.token(i, end, 'other');
      i = end;
      continue;
    }
    if (c === Ch.DQuote) {
      let k = i + 1;
      while (k < n) {
        if (text.charCodeAt(k) === Ch.DQuote) {
          if (k + 1 < n && text.charCodeAt(k + 1) === Ch.DQuote) k += 2;
          else break;
        } else k++;
      }
      const end = Math.min(k + 1, n);
      if (mayTemplate && k < n) templatesInside(text, i + 1, k, 'ident', templates);
      splitter.token(i, end, 'other');
      i = end;
      continue;
    }
    if (c === Ch.Dollar) {
      // `$1` is a parameter; `$tag$` opens a dollar quote.
      let k = i + 1;
      if (k < n && isIdentStart(text.charCodeAt(k))) {
        k++;
        while (k < n && isIdentCont(text.charCodeAt(k)) && text.charCodeAt(k) !== Ch.Dollar) k++;
      }
      if (k < n && text.charCodeAt(k) === Ch.Dollar) {
        const tag = text.slice(i, k + 1);
        const close = text.indexOf(tag, k + 1);
        const end = close < 0 ? n : close + tag.length;
        if (mayTemplate && close >= 0) templatesInside(text, k + 1, close, 'dollar', templates);
        dollarBodies.push({ start: k + 1, end: close < 0 ? n : close });
        splitter.token(i, end, 'other');
        i = end;
        continue;
      }
      splitter.token(i, i + 1, 'other');
      i++;
      continue;
    }
    if (c === Ch.Backslash) {
      const e = lineEnd(text, i);
      const label = text.slice(i, e).trimEnd();
      skipped.push({ kind: 'meta-command', start: i, end: e, label });
      if (SENDING_META.test(label)) {
        semis.push(i);
        splitter.token(i, i + 1, 'semi');
      }
      i = e;
      const setVar = /^\\(set|unset)\s+([A-Za-z0-9_\u0080-\uffff]+)\s*(.*)$/.exec(label);
      if (setVar) psqlSets.push({ at: e, name: setVar[2]!, value: setVar[1] === 'set' ? psqlSetValue(setVar[3]!) : undefined });
      if (/^\\copy\b/i.test(label) && COPY_FROM_STDIN.test(label)) i = startCopyData(e, label);
      continue;
    }
    if (c === Ch.Colon && brackets === 0 && next !== Ch.Colon && (i === 0 || text.charCodeAt(i - 1) !== Ch.Colon)) {
      // psql replaces `:name`, `:'name'` and `:"name"` by a variable's value (set by `\set`
      // or `psql -v`); anywhere else in SQL a single colon only appears in array slices.
      const quote = next === Ch.Quote || next === Ch.DQuote ? next : 0;
      let k = quote ? i + 2 : i + 1;
      const nameStart = k;
      while (k < n && isVarChar(text.charCodeAt(k))) k++;
      if (k > nameStart && (!quote || text.charCodeAt(k) === quote)) {
        const end = quote ? k + 1 : k;
        const ref: TemplateRef = { start: i, end, syntax: 'psql', context: 'code', inner: text.slice(nameStart, k) };
        if (quote) ref.quote = quote === Ch.Quote ? "'" : '"';
        templates.push(ref);
        splitter.token(i, end, 'other');
        i = end;
        continue;
      }
    }
    if (c === Ch.Semi) {
      brackets = 0;
      const seg = splitter.token(i, i + 1, 'semi');
      i++;
      if (seg && seg.firstWord === 'COPY') {
        const stmt = text.slice(seg.start, seg.end);
        if (COPY_FROM_STDIN.test(stmt)) {
          i = startCopyData(i - 1, stmt.slice(0, lineEnd(stmt, 0)).trim());
        }
      }
      continue;
    }
    if (c === Ch.LParen) {
      splitter.token(i, i + 1, 'open');
      i++;
      continue;
    }
    if (c === Ch.RParen) {
      splitter.token(i, i + 1, 'close');
      i++;
      continue;
    }
    if (isIdentCont(c)) {
      let k = i + 1;
      while (k < n && isIdentCont(text.charCodeAt(k)) && !isPlaceholderStart(text, k)) k++;
      if (splitter.wantsWords && isIdentStart(c)) splitter.token(i, k, 'word', text.slice(i, k).toUpperCase());
      else splitter.token(i, k, 'other');
      i = k;
      continue;
    }
    if (c === 91) brackets++;
    else if (c === 93 && brackets > 0) brackets--;
    splitter.token(i, i + 1, 'other');
    i++;
  }
  splitter.finish();

  return { parserText: blank(text, skipped, semis), comments, skipped, segments: splitter.segments, templates, psqlSets, dollarBodies };
}

/** The value of `\set name value`: psql joins its arguments, unquoting '…' ones. */
function psqlSetValue(args: string): string | undefined {
  if (args.includes('`')) return undefined;
  const parts = args.match(/'(?:[^']|'')*'|\S+/g) ?? [];
  return parts.map((p) => (p.startsWith("'") && p.endsWith("'") && p.length > 1 ? p.slice(1, -1).replace(/''/g, "'") : p)).join('');
}

/** Replaces skipped ranges by spaces (line breaks kept), NULs too. */
function blank(text: string, skipped: SkippedRange[], semis: number[]): string {
  const hasNul = text.indexOf('\0') >= 0;
  if (skipped.length === 0 && !hasNul) return text;
  const semiSet = new Set(semis);
  const edits = skipped.map((r) => ({ start: r.start, end: r.end, semi: semiSet.has(r.start) }));
  const parts: string[] = [];
  let at = 0;
  for (const r of edits) {
    parts.push(text.slice(at, r.start));
    const blanked = text.slice(r.start, r.end).replace(/[^\r\n]/g, ' ');
    parts.push(r.semi ? ';' + blanked.slice(1) : blanked);
    at = r.end;
  }
  parts.push(text.slice(at));
  const out = parts.join('');
  return hasNul ? out.replace(/\0/g, ' ') : out;
}
