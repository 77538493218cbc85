// Ignore directives in comments: `dbarch-ignore[-file]` and squawk's `squawk-ignore[-file]`,
// as `--` or `/* */` comments. A statement directive sits in the block of comments directly
// above the statement (no blank line in between), before it on its first line, or after
// it on its last line.
import type { IgnoreDirectives } from '../types.js';
import type { Comment } from './lexer.js';

const DIRECTIVE = /^\s*(?:dbarch|squawk)-ignore(-file)?(?![\w-])([\s\S]*)$/i;

export interface Directive {
  file: boolean;
  rules: string[];
  /** The `-- why` after the rule list, when given. */
  reason?: string;
}

/** Which directives are honoured (config `ignoreDirectives`); a refused one ignores nothing. */
export interface DirectivePolicy {
  requireReason?: boolean;
  allowFileLevel?: boolean;
  /** Told about each refused directive comment. */
  onRejected?: (comment: Comment, why: string) => void;
}

export function parseDirective(body: string): Directive | undefined {
  const m = DIRECTIVE.exec(body);
  if (!m) return undefined;
  const rest = m[2]!;
  // A trailing `-- why` explanation ends the list.
  const sep = /(?:^|[\s,])--/.exec(rest);
  const list = sep ? rest.slice(0, sep.index) : rest;
  const reason = sep ? rest.slice(sep.index + sep[0].length).trim() : '';
  const rules = list.split(/[\s,]+/).filter((r) => r !== '');
  return { file: m[1] !== undefined, rules: rules.length ? rules : ['*'], ...(reason ? { reason } : {}) };
}

/** Why the policy refuses a directive, if it does. */
export function refusal(d: Directive, policy: DirectivePolicy | undefined): string | undefined {
  if (!policy) return undefined;
  if (d.file && policy.allowFileLevel === false) return 'file-level ignore directives are not allowed here (ignoreDirectives.allowFileLevel: false)';
  if (policy.requireReason && !d.reason) return 'ignore directive without a reason (ignoreDirectives.requireReason: true); write `-- dbarch-ignore <rule> -- <why>`';
  return undefined;
}

function commentBody(text: string, c: Comment): string {
  if (!c.block) return text.slice(c.start + 2, c.end);
  const closed = c.end - c.start >= 4 && text.startsWith('*/', c.end - 2);
  return text.slice(c.start + 2, closed ? c.end - 2 : c.end);
}

/** At most one line break (CRLF counts once) and nothing but whitespace in text[from, to). */
function adjacent(text: string, from: number, to: number): boolean {
  let breaks = 0;
  for (let k = from; k < to; k++) {
    const c = text.charCodeAt(k);
    if (c === 10) breaks++;
    else if (c === 13) {
      if (k + 1 < to && text.charCodeAt(k + 1) === 10) k++;
      breaks++;
    } else if (c !== 32 && c !== 9 && c !== 11 && c !== 12) return false;
    if (breaks > 1) return false;
  }
  return true;
}

export interface StatementBounds {
  index: number;
  offset: number;
  endOffset: number;
}

/**
 * Collects directives. `statements` are the top-level statements in source order;
 * nested ones inherit their parent's set (done by the caller).
 */
export function collectDirectives(text: string, comments: Comment[], statements: StatementBounds[], policy?: DirectivePolicy): IgnoreDirectives {
  const result: IgnoreDirectives = { file: new Set(), byStatement: new Map() };
  if (comments.length === 0) return result;
  const parsed: (Directive | undefined)[] = new Array(comments.length);
  let any = false;
  for (let k = 0; k < comments.length; k++) {
    const c = comments[k]!;
    // Cheap pre-check: most comments are not directives.
    const body = commentBody(text, c);
    if (body.indexOf('-ignore') < 0) continue;
    let d = parseDirective(body);
    const refused = d && refusal(d, policy);
    if (refused) {
      policy?.onRejected?.(c, refused);
      d = undefined;
    }
    parsed[k] = d;
    if (!d) continue;
    any = true;
    if (d.file) for (const r of d.rules) result.file.add(r);
  }
  if (!any) return result;

  let prevEnd = 0;
  let ci = 0;
  const add = (index: number, d: Directive) => {
    let set = result.byStatement.get(index);
    if (!set) result.byStatement.set(index, (set = new Set()));
    for (const r of d.rules) set.add(r);
  };
  for (let si = 0; si < statements.length; si++) {
    const stmt = statements[si]!;
    // Last comment that ends at or before the statement start.
    while (ci < comments.length && comments[ci]!.end <= stmt.offset) ci++;
    let cursor = stmt.offset;
    for (let k = ci - 1; k >= 0; k--) {
      const c = comments[k]!;
      // A comment on the previous statement's last line belongs to that statement.
      if (c.start < prevEnd || (si > 0 && !hasLineBreak(text, prevEnd, c.start)) || !adjacent(text, c.end, cursor)) break;
      const d = parsed[k];
      if (d && !d.file) add(stmt.index, d);
      cursor = c.start;
    }
    // Trailing comments on the statement's own last line (`ALTER …; -- dbarch-ignore x`).
    const nextStart = si + 1 < statements.length ? statements[si + 1]!.offset : text.length;
    for (let k = ci; k < comments.length; k++) {
      const c = comments[k]!;
      if (c.start < stmt.endOffset) continue;
      if (c.start >= nextStart || hasLineBreak(text, stmt.endOffset, c.start)) break;
      const d = parsed[k];
      if (d && !d.file) add(stmt.index, d);
    }
    prevEnd = Math.max(prevEnd, stmt.endOffset);
  }
  return result;
}

function hasLineBreak(text: string, from: number, to: number): boolean {
  for (let k = from; k < to; k++) {
    const c = text.charCodeAt(k);
    if (c === 10 || c === 13) return true;
  }
  return false;
}

/**
 * Directives in `--` comment lines directly above `offset` (no blank line between), for
 * statements inside a DO body, whose comments are part of the body string, not tokens.
 */
export function directivesAbove(text: string, offset: number, policy?: DirectivePolicy): string[] {
  let lineStart = text.lastIndexOf('\n', offset - 1) + 1;
  if (text.slice(lineStart, offset).trim() !== '') return [];
  const rules: string[] = [];
  while (lineStart > 0) {
    const prevEnd = lineStart - 1;
    const prevStart = text.lastIndexOf('\n', prevEnd - 1) + 1;
    const line = text.slice(prevStart, prevEnd).trim();
    if (!line.startsWith('--')) break;
    const d = parseDirective(line.slice(2));
    if (d && !d.file && !refusal(d, policy)) rules.push(...d.rules);
    lineStart = prevStart;
  }
  return rules;
}
