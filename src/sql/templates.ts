// Migration files are often templates: Go text/template (gobuffalo/pop, supabase/auth),
// Jinja/dbt, Flyway and Liquibase `${…}` placeholders, psql `:variables`. PostgreSQL's
// parser sees none of them, so before parsing each one is replaced, in the parser's copy of
// the text only, by its value (from `vars`) or by a neutral identifier or literal. The
// replacement never moves anything outside the template's own token, so every position the
// parser reports still points into the original file.

export type TemplateSyntax =
  /** `{{ … }}` that produces text (Go or Jinja). */
  | 'expression'
  /** Control flow or comments: `{% … %}`, `{# … #}`, Go `{{ if }}`, `{{ end }}` and comment actions. */
  | 'block'
  /** Flyway / Liquibase `${name}`. */
  | 'placeholder'
  /** psql `:name`, `:'name'`, `:"name"`. */
  | 'psql';

export type TemplateContext = 'code' | 'string' | 'ident' | 'dollar';

export interface TemplateRef {
  start: number;
  end: number;
  syntax: TemplateSyntax;
  context: TemplateContext;
  /** The enclosing quoted token, for templates inside '…' or "…". */
  token?: { start: number; end: number };
  /** psql `:'name'` (literal) or `:"name"` (identifier). */
  quote?: "'" | '"';
  /** The expression, placeholder or variable name between the delimiters. */
  inner: string;
}

/** Go template actions that produce no text of their own. */
const GO_CONTROL = new Set(['if', 'else', 'end', 'range', 'with', 'define', 'block', 'template', 'break', 'continue']);
const MAX_TEMPLATE = 2000;
const MAX_PLACEHOLDER = 200;

/**
 * A template starting at `i` (`{{`, `{%`, `{#` or `${`): its end and kind, or undefined when
 * the text there is not a complete template.
 */
export function templateAt(text: string, i: number): { end: number; syntax: TemplateSyntax; inner: string } | undefined {
  const c = text.charCodeAt(i);
  const next = text.charCodeAt(i + 1);
  if (c === 36 /* $ */ && next === 123 /* { */) {
    const limit = Math.min(text.length, i + 2 + MAX_PLACEHOLDER);
    for (let k = i + 2; k < limit; k++) {
      const d = text.charCodeAt(k);
      if (d === 125 /* } */) {
        const inner = text.slice(i + 2, k).trim();
        return inner ? { end: k + 1, syntax: 'placeholder', inner } : undefined;
      }
      if (d === 10 || d === 13 || d === 123 || d === 36) return undefined;
    }
    return undefined;
  }
  if (c !== 123) return undefined;
  const close = next === 123 ? '}}' : next === 37 /* % */ ? '%}' : next === 35 /* # */ ? '#}' : '';
  if (!close) return undefined;
  const limit = Math.min(text.length, i + 2 + MAX_TEMPLATE);
  let k = i + 2;
  while (k < limit) {
    const d = text.charCodeAt(k);
    // Strings of the template language may contain the closing delimiter.
    if (close !== '#}' && (d === 34 || d === 39 || d === 96)) {
      k++;
      while (k < limit && text.charCodeAt(k) !== d) k += d !== 96 && text.charCodeAt(k) === 92 ? 2 : 1;
      k++;
      continue;
    }
    if (text.startsWith(close, k)) {
      const inner = text.slice(i + 2, k).replace(/^[-+~]?\s*/, '').replace(/\s*[-+~]?$/, '');
      let syntax: TemplateSyntax = close === '}}' ? 'expression' : 'block';
      if (syntax === 'expression' && (inner.startsWith('/*') || GO_CONTROL.has(/^[A-Za-z_]+/.exec(inner)?.[0] ?? ''))) syntax = 'block';
      return { end: k + 2, syntax, inner };
    }
    k++;
  }
  return undefined;
}

/** Templates inside the body of a quoted token [start, end) (quotes excluded). */
export function templatesInside(
  text: string,
  start: number,
  end: number,
  context: Exclude<TemplateContext, 'code'>,
  out: TemplateRef[],
): void {
  // Every template has a `{` (`${` included): jump from one to the next.
  for (let brace = text.indexOf('{', start); brace !== -1 && brace < end - 1; brace = text.indexOf('{', brace + 1)) {
    const k = brace > start && text.charCodeAt(brace - 1) === 36 ? brace - 1 : brace;
    const t = templateAt(text, k);
    if (!t || t.end > end) continue;
    const ref: TemplateRef = { start: k, end: t.end, syntax: t.syntax, context, inner: t.inner };
    if (context !== 'dollar') ref.token = { start: start - 1, end: end + 1 };
    out.push(ref);
    brace = t.end - 1;
  }
}

export interface Substitution {
  /** Where the template starts in the file. */
  at: number;
  /** The template as written. */
  text: string;
  /** What the parser saw instead (trimmed), or '' for a removed block. */
  replacement: string;
  /** Where the value came from: a var, psql `\set`, a built-in default; absent = no value. */
  source?: 'var' | 'psql' | 'default';
  /** The value was longer than the template and could not be put in its place. */
  tooLong?: boolean;
}

export interface RenderResult {
  text: string;
  substitutions: Substitution[];
  /** Ranges in `text` holding a neutral identifier that may need to be a literal instead. */
  neutral: NeutralSlot[];
  /** Every replaced range, sorted: a statement ending inside one ends at its end in the file. */
  ranges: { start: number; end: number }[];
}

export interface NeutralSlot {
  start: number;
  end: number;
  name: string;
  /** Index into substitutions, to report the form finally used. */
  substitution: number;
}

/** Values the engine knows without being told. */
const BUILTIN: Record<string, string> = { 'flyway:defaultSchema': 'public' };

/** The value of a template, looked up by its full text, then by its name, case-insensitively last. */
function lookup(keys: string[], vars: ReadonlyMap<string, string>): string | undefined {
  for (const k of keys) {
    const v = vars.get(k);
    if (v !== undefined) return v;
  }
  for (const k of keys) {
    const lower = k.toLowerCase();
    for (const [name, v] of vars) if (name.toLowerCase() === lower) return v;
  }
  return undefined;
}

/** A readable name for the template: the quoted key of `index .Options "Namespace"`, `.Table`, `var('x')`. */
export function templateName(ref: Pick<TemplateRef, 'syntax' | 'inner'>): string {
  if (ref.syntax !== 'expression') return ref.inner;
  const expr = ref.inner.split('|')[0]!;
  const quoted = /"([^"]+)"|'([^']+)'|`([^`]+)`/.exec(expr);
  if (quoted) return quoted[1] ?? quoted[2] ?? quoted[3]!;
  const words = expr.match(/[A-Za-z_][A-Za-z0-9_]*/g);
  return words?.[words.length - 1] ?? 'tpl';
}

/** An unquoted identifier made of the name's letters, digits and underscores. */
function identOf(name: string, room: number, isKeyword: (w: string) => boolean): string {
  let id = name.replace(/[^A-Za-z0-9_\u0080-\uffff]+/g, '_').replace(/^_+|_+$/g, '') || 'tpl';
  if (/^[0-9]/.test(id)) id = `_${id}`;
  if (isKeyword(id)) id = `${id}_`;
  if (id.length > room) id = id.slice(0, Math.max(1, room));
  return id;
}

export interface RenderOptions {
  vars: ReadonlyMap<string, string>;
  /** Values set by psql `\set` earlier in the file, by the offset they take effect at. */
  psqlSets: { at: number; name: string; value: string | undefined }[];
  /** Whether an unquoted word is a keyword that cannot be a table or column name. */
  isKeyword: (word: string) => boolean;
}

function isIdentChar(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c === 95 || c === 36 || c >= 0x80;
}

function pad(s: string, length: number): string {
  return s.length >= length ? s : s + ' '.repeat(length - s.length);
}

/** Spaces of the same length, line breaks kept. */
function blankOf(s: string): string {
  return s.replace(/[^\r\n]/g, ' ');
}

/**
 * Replaces every template in `text` (same length out). Known values are put in place when
 * they fit; anything else becomes the template's name as an identifier (or literal inside
 * quotes), followed by spaces.
 */
export function renderTemplates(text: string, refs: TemplateRef[], opts: RenderOptions): RenderResult {
  const substitutions: Substitution[] = [];
  const neutral: NeutralSlot[] = [];
  if (refs.length === 0) return { text, substitutions, neutral, ranges: [] };
  const sorted = [...refs].sort((a, b) => a.start - b.start);
  const edits: { start: number; end: number; text: string }[] = [];

  const psqlValue = (ref: TemplateRef): string | undefined => {
    let value: string | undefined;
    let set = false;
    for (const s of opts.psqlSets) {
      if (s.at > ref.start) break;
      if (s.name === ref.inner) {
        value = s.value;
        set = true;
      }
    }
    return set ? value : undefined;
  };

  const valueOf = (ref: TemplateRef): { value?: string; source?: Substitution['source'] } => {
    if (ref.syntax === 'block') return {};
    if (ref.syntax === 'psql') {
      const fromSet = psqlValue(ref);
      if (fromSet !== undefined) return { value: fromSet, source: 'psql' };
      const v = lookup([ref.inner], opts.vars);
      return v === undefined ? {} : { value: v, source: 'var' };
    }
    const keys = [ref.inner, templateName(ref)];
    const v = lookup(keys, opts.vars);
    if (v !== undefined) return { value: v, source: 'var' };
    const builtin = BUILTIN[ref.inner];
    return builtin === undefined ? {} : { value: builtin, source: 'default' };
  };

  const record = (ref: TemplateRef, replacement: string, source: Substitution['source'], tooLong: boolean): number => {
    const s: Substitution = { at: ref.start, text: text.slice(ref.start, ref.end), replacement: replacement.trim() };
    if (source) s.source = source;
    if (tooLong) s.tooLong = true;
    substitutions.push(s);
    return substitutions.length - 1;
  };

  // Templates inside one quoted token are rewritten together: the token's content is
  // rebuilt and its closing quote moves left, so the literal's value is exact.
  const byToken = new Map<number, TemplateRef[]>();
  const code: TemplateRef[] = [];
  for (const ref of sorted) {
    if (ref.token) {
      const list = byToken.get(ref.token.start) ?? [];
      list.push(ref);
      byToken.set(ref.token.start, list);
    } else code.push(ref);
  }

  for (const list of byToken.values()) {
    const token = list[0]!.token!;
    const values = list.map(valueOf);
    const build = (useValues: boolean): string => {
      let out = '';
      let at = token.start;
      list.forEach((ref, i) => {
        out += text.slice(at, ref.start);
        const v = values[i]!;
        out += ref.syntax === 'block' ? '' : useValues && v.value !== undefined ? v.value : templateName(ref);
        at = ref.end;
      });
      return out + text.slice(at, token.end);
    };
    let rebuilt = build(true);
    const tooLong = rebuilt.length > token.end - token.start;
    if (tooLong) rebuilt = build(false);
    list.forEach((ref, i) => {
      const v = values[i]!;
      const used = !tooLong && v.value !== undefined;
      record(ref, ref.syntax === 'block' ? '' : used ? v.value! : templateName(ref), used ? v.source : undefined, tooLong && v.value !== undefined);
    });
    edits.push({ start: token.start, end: token.end, text: pad(rebuilt, token.end - token.start) });
  }

  // In code, a template glued to letters (`idx_{{ .Table }}_email`) is one word with them.
  let i = 0;
  while (i < code.length) {
    const first = code[i]!;
    if (first.syntax === 'block') {
      record(first, '', undefined, false);
      edits.push({ start: first.start, end: first.end, text: blankOf(text.slice(first.start, first.end)) });
      i++;
      continue;
    }
    let start = first.start;
    let end = first.end;
    const group = [first];
    // psql interpolates a variable as a whole token; other templates may sit inside a word.
    if (first.syntax !== 'psql') {
      while (start > 0 && isIdentChar(text.charCodeAt(start - 1))) start--;
      for (;;) {
        while (end < text.length && isIdentChar(text.charCodeAt(end))) end++;
        const next = code[i + group.length];
        if (!next || next.start !== end || next.syntax === 'block' || next.syntax === 'psql') break;
        group.push(next);
        end = next.end;
      }
    }
    i += group.length;

    const values = group.map(valueOf);
    const room = end - start;
    const quoteValue = (ref: TemplateRef, v: string): string => (ref.quote ? ref.quote + v.split(ref.quote).join(ref.quote + ref.quote) + ref.quote : v);
    const build = (useValues: boolean): string => {
      let out = '';
      let at = start;
      group.forEach((ref, k) => {
        out += text.slice(at, ref.start);
        const v = values[k]!;
        if (useValues && v.value !== undefined) out += quoteValue(ref, v.value);
        else if (ref.quote) out += quoteValue(ref, templateName(ref));
        else out += templateName(ref);
        at = ref.end;
      });
      return out + text.slice(at, end);
    };
    let word = build(true);
    const tooLong = word.length > room;
    const anyUnknown = values.some((v) => v.value === undefined) || tooLong;
    if (tooLong) word = build(false);
    // A bare unknown word must still read as an identifier: no keywords, only identifier characters.
    const bare = anyUnknown && !group.some((r) => r.quote);
    if (bare) word = identOf(word, room, opts.isKeyword);
    const indexes = group.map((ref, k) => {
      const v = values[k]!;
      const used = !tooLong && v.value !== undefined;
      return record(ref, used ? quoteValue(ref, v.value!) : bare ? word : build(false), used ? v.source : undefined, tooLong && v.value !== undefined);
    });
    edits.push({ start, end, text: pad(word, room) });
    if (bare && group.length === 1 && start === first.start && end === first.end) {
      neutral.push({ start, end, name: word, substitution: indexes[0]! });
    }
  }

  edits.sort((a, b) => a.start - b.start);
  let out = '';
  let at = 0;
  for (const e of edits) {
    if (e.start < at) continue;
    out += text.slice(at, e.start) + e.text;
    at = e.end;
  }
  out += text.slice(at);
  return { text: out, substitutions, neutral, ranges: edits.map((e) => ({ start: e.start, end: e.end })) };
}

/** The replacement text of a neutral slot in another form: a string or a number literal. */
export function literalForm(slot: NeutralSlot, kind: 'string' | 'number'): string | undefined {
  const room = slot.end - slot.start;
  if (kind === 'number') return pad('0', room);
  if (room < 2) return undefined;
  const body = slot.name.slice(0, room - 2);
  return pad(`'${body}'`, room);
}

/** One line per distinct template, for the info finding. */
export function describeSubstitutions(subs: Substitution[], max = 8): string {
  const seen = new Map<string, { s: Substitution; count: number }>();
  for (const s of [...subs].sort((a, b) => a.at - b.at)) {
    const key = `${s.text}\u0000${s.replacement}`;
    const e = seen.get(key);
    if (e) e.count++;
    else seen.set(key, { s, count: 1 });
  }
  const parts = [...seen.values()].slice(0, max).map(({ s, count }) => {
    const times = count > 1 ? ` (${count}×)` : '';
    const shown = s.text.replace(/\s+/g, ' ');
    if (s.replacement === '') return `${shown} removed${times}`;
    const why =
      s.source === 'var'
        ? 'from vars'
        : s.source === 'psql'
          ? 'from \\set'
          : s.source === 'default'
            ? 'default'
            : s.tooLong
              ? 'value longer than the template, name kept'
              : 'no value';
    return `${shown} → ${s.replacement} (${why})${times}`;
  });
  const more = seen.size > max ? `; and ${seen.size - max} more` : '';
  return parts.join('; ') + more;
}
