// Liquibase changelogs (XML, YAML, JSON and formatted SQL) read into one element tree with
// source offsets, so discovery (includes, apply order) and the translator (changes at their
// lines) share a reader.
import type { Node as YamlNode, Pair, Scalar, YAMLMap } from 'yaml';

// The readers load only when changelogs are linted: a SQL-only run (and the CLI's start-up) never
// pays for them. Discovery without them orders changelogs by path.
let readers: { yaml: typeof import('yaml'); saxes: typeof import('saxes') } | undefined;

export async function loadChangelogReaders(): Promise<void> {
  if (readers) return;
  const [yaml, saxes] = await Promise.all([import('yaml'), import('saxes')]);
  readers = { yaml, saxes };
}

export type ChangelogFormat = 'xml' | 'yaml' | 'json' | 'sql';

/** An element of a changelog: an XML element, or a YAML/JSON key with its map as attributes and children. */
export interface ChangelogNode {
  tag: string;
  /** Scalar attributes (XML attributes, YAML/JSON scalar keys), as text. */
  attrs: Record<string, string>;
  children: ChangelogNode[];
  /** Text content (XML text and CDATA; a YAML/JSON scalar value given for the element itself). */
  text?: string;
  /**
   * Where `text` (or the `sql` attribute, YAML/JSON) starts in the file when its lines are the
   * file's lines (XML text and CDATA, a YAML literal block or a one-line scalar): statements in
   * it are then reviewed at their own line.
   */
  textAt?: number;
  /** Offsets of the element in the file: XML `<tag` to its end tag; YAML/JSON the key to the end of its value. */
  start: number;
  end: number;
}

/** The format a path's extension says (XML, YAML, JSON); formatted SQL is told by its first line. */
export function changelogFormat(path: string): Exclude<ChangelogFormat, 'sql'> | undefined {
  if (/\.xml$/i.test(path)) return 'xml';
  if (/\.ya?ml$/i.test(path)) return 'yaml';
  if (/\.json$/i.test(path)) return 'json';
  return undefined;
}

/** Liquibase takes a `.sql` file as a changelog when its first line is `--liquibase formatted sql`. */
export function isFormattedSql(text: string | undefined): boolean {
  if (!text) return false;
  const from = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  const nl = text.indexOf('\n', from);
  return /^\s*--\s*liquibase\s+formatted\b/i.test(text.slice(from, nl < 0 ? undefined : nl));
}

/** A changelog's format from its path and (for `.sql`) its text. */
export function changelogFormatOf(path: string, text: string | undefined): ChangelogFormat | undefined {
  return changelogFormat(path) ?? (/\.sql$/i.test(path) && isFormattedSql(text) ? 'sql' : undefined);
}

/** Whether the text is a Liquibase changelog (its root is `databaseChangeLog`), without parsing it all. */
export function looksLikeChangelog(text: string | undefined, format: ChangelogFormat): boolean {
  if (!text) return false;
  if (format === 'xml') return /<(\w+:)?databaseChangeLog[\s>]/.test(text);
  return /^\s*\{?\s*["']?databaseChangeLog["']?\s*:/m.test(text);
}

export type ChangelogParse = { root: ChangelogNode } | { error: string; offset: number };

// Discovery and the translator read the same files: the last few parses are kept.
const cache = new Map<string, ChangelogParse>();

export function parseChangelog(source: string, format: ChangelogFormat): ChangelogParse {
  const key = `${format}\0${source}`;
  const hit = cache.get(key);
  if (hit) return hit;
  if (!readers && format !== 'sql') return { error: 'the changelog readers were not loaded', offset: 0 };
  const parsed = format === 'sql' ? parseFormattedSql(source) : format === 'xml' ? parseXml(source) : parseYaml(source);
  if (cache.size >= 16) cache.delete(cache.keys().next().value!);
  cache.set(key, parsed);
  return parsed;
}

function lineStarts(source: string): number[] {
  const starts = [0];
  for (let i = 0; i < source.length; i++) if (source.charCodeAt(i) === 10) starts.push(i + 1);
  return starts;
}

function parseXml(source: string): ChangelogParse {
  const starts = lineStarts(source);
  const parser = new readers!.saxes.SaxesParser({ position: true });
  const offset = () => (starts[parser.line - 1] ?? 0) + parser.columnIndex;
  const local = (name: string) => name.slice(name.indexOf(':') + 1);
  const stack: ChangelogNode[] = [];
  let root: ChangelogNode | undefined;
  let failure: { error: string; offset: number } | undefined;
  parser.on('opentagstart', (tag) => {
    const node: ChangelogNode = { tag: local(tag.name), attrs: {}, children: [], start: source.lastIndexOf('<', offset()), end: 0 };
    stack.at(-1)?.children.push(node);
    if (!root) root = node;
    stack.push(node);
  });
  parser.on('attribute', (attr) => {
    const node = stack.at(-1);
    if (node && !attr.name.startsWith('xmlns') && !attr.name.startsWith('xsi:')) node.attrs[local(attr.name)] = attr.value;
  });
  parser.on('opentag', () => {
    const node = stack.at(-1);
    if (node) node.textAt = offset();
  });
  const text = (t: string) => {
    const node = stack.at(-1);
    if (node) node.text = (node.text ?? '') + t;
  };
  parser.on('text', text);
  parser.on('cdata', text);
  parser.on('closetag', () => {
    const node = stack.pop();
    if (!node) return;
    node.end = offset();
    if (node.text === undefined || node.text.trim() === '') delete node.textAt;
  });
  parser.on('error', (err) => {
    failure ??= { error: err.message, offset: offset() };
  });
  try {
    parser.write(source).close();
  } catch (err) {
    failure ??= { error: err instanceof Error ? err.message : String(err), offset: offset() };
  }
  if (failure) return failure;
  if (!root) return { error: 'no root element', offset: 0 };
  return { root };
}

// YAML/JSON keys whose list items are children of the element itself, as in the XML form.
const FLATTENED = new Set(['changes', 'columns']);

function parseYaml(source: string): ChangelogParse {
  const { isMap, isScalar } = readers!.yaml;
  const doc = readers!.yaml.parseDocument(source, { uniqueKeys: false });
  if (doc.errors.length > 0) {
    const e = doc.errors[0]!;
    return { error: e.message.split('\n')[0]!, offset: e.pos[0] };
  }
  const contents = doc.contents;
  if (!isMap(contents)) return { error: 'the document is not a map with a databaseChangeLog key', offset: 0 };
  const pair = contents.items.find((p) => isScalar(p.key) && p.key.value === 'databaseChangeLog');
  if (!pair) return { error: 'no databaseChangeLog key', offset: 0 };
  return { root: element('databaseChangeLog', pair, source) };
}

function rangeOf(node: unknown): [number, number] | undefined {
  const r = (node as { range?: [number, number, number] } | null)?.range;
  return r ? [r[0], r[1]] : undefined;
}

function trimEnd(source: string, end: number): number {
  while (end > 0 && /\s/.test(source[end - 1]!)) end--;
  return end;
}

function element(tag: string, pair: Pair, source: string): ChangelogNode {
  const start = rangeOf(pair.key)?.[0] ?? 0;
  const end = trimEnd(source, rangeOf(pair.value)?.[1] ?? rangeOf(pair.key)?.[1] ?? start);
  const node: ChangelogNode = { tag, attrs: {}, children: [], start, end };
  fill(node, pair.value as YamlNode | null, source);
  return node;
}

/** The offset of a scalar's first text line, when its lines are the file's (see `textAt`). */
function scalarAt(s: Scalar, source: string): number | undefined {
  const r = rangeOf(s);
  if (!r) return undefined;
  if (s.type === 'BLOCK_LITERAL') return source.indexOf('\n', r[0]) + 1;
  if (s.type === 'BLOCK_FOLDED') return undefined;
  return source.slice(r[0], r[1]).includes('\n') ? undefined : r[0];
}

function scalarText(s: Scalar): string {
  return s.value === null || s.value === undefined ? '' : String(s.value);
}

function fill(node: ChangelogNode, value: YamlNode | null, source: string): void {
  const { isMap, isScalar, isSeq } = readers!.yaml;
  if (value === null || value === undefined) return;
  if (isScalar(value)) {
    if (value.value !== null) {
      node.text = scalarText(value);
      const at = scalarAt(value, source);
      if (at !== undefined) node.textAt = at;
    }
    return;
  }
  if (isSeq(value)) {
    for (const item of value.items) addItem(node, item as YamlNode, source);
    return;
  }
  if (!isMap(value)) return;
  for (const p of (value as YAMLMap).items) {
    if (!isScalar(p.key)) continue;
    const key = scalarText(p.key);
    const v = p.value as YamlNode | null;
    if (isScalar(v)) {
      if (v.value === null) continue;
      node.attrs[key] = scalarText(v);
      const at = key === 'sql' ? scalarAt(v, source) : undefined;
      if (at !== undefined) node.textAt = at;
    } else if (isSeq(v)) {
      if (v.items.every((i) => isScalar(i))) node.attrs[key] = v.items.map((i) => scalarText(i as Scalar)).join(',');
      else if (FLATTENED.has(key)) for (const item of v.items) addItem(node, item as YamlNode, source);
      else node.children.push(element(key, p, source));
    } else if (isMap(v)) node.children.push(element(key, p, source));
  }
}

/** A list item `- createTable: {…}` is the element `createTable`. */
function addItem(parent: ChangelogNode, item: YamlNode | null, source: string): void {
  const { isMap, isScalar } = readers!.yaml;
  if (isMap(item)) {
    for (const p of item.items) if (isScalar(p.key)) parent.children.push(element(scalarText(p.key), p, source));
  } else if (isScalar(item) && item.value !== null) {
    parent.text = (parent.text ? `${parent.text}\n` : '') + scalarText(item);
  }
}

/** The files a changelog includes, in order (`include`, `includeAll` with the paths it matches). */
export interface ChangelogInclude {
  file: string;
  all: boolean;
  relativeToChangelogFile: boolean;
}

export function changelogIncludes(root: ChangelogNode): ChangelogInclude[] {
  const out: ChangelogInclude[] = [];
  for (const c of root.children) {
    if (c.tag === 'include' && c.attrs['file']) out.push({ file: c.attrs['file'], all: false, relativeToChangelogFile: c.attrs['relativeToChangelogFile'] === 'true' });
    if (c.tag === 'includeAll' && c.attrs['path']) out.push({ file: c.attrs['path'], all: true, relativeToChangelogFile: c.attrs['relativeToChangelogFile'] === 'true' });
  }
  return out;
}

// Formatted SQL changelogs: Liquibase reads its directives (`--changeset`, `--rollback`,
// `--preconditions`, `--comment`…) line by line, whatever the SQL around them, and so does this
// reader. The SQL between them is kept at its offsets and everything else blanked, so the
// translator's statements keep their file positions.

const DIRECTIVE = /^\s*--\s*(changeset|rollback|preconditions|precondition-[\w-]+|comment|validchecksum|ignorelines|property|includeall|include)(?![\w-])(.*)$/i;
const ROLLBACK_BLOCK_START = /^\s*\/\*\s*liquibase\s+rollback\s*$/i;
const BLOCK_END = /^\s*\*\/\s*$/;

/** `key:value` pairs of a directive line; a value may be double-quoted. */
function directiveAttrs(text: string): Record<string, string> {
  const attrs: Record<string, string> = {};
  for (const m of text.matchAll(/([A-Za-z][\w-]*):("[^"]*"|\S*)/g)) attrs[m[1]!] = m[2]!.startsWith('"') ? m[2]!.slice(1, -1) : m[2]!;
  return attrs;
}

/** `author:id attr:value…` of a `--changeset` line; the author may hold spaces or be quoted. */
function changesetAttrs(rest: string): Record<string, string> | undefined {
  const m = /^\s+("[^"]+"|[^:"]+):\s*("[^"]+"|\S+)(.*)$/.exec(rest);
  if (!m) return undefined;
  const unquote = (s: string) => (s.startsWith('"') ? s.slice(1, -1) : s.trim());
  return { ...directiveAttrs(m[3]!), author: unquote(m[1]!), id: unquote(m[2]!) };
}

interface OpenChangeSet {
  node: ChangelogNode;
  body: [number, number][];
  rollback: [number, number][];
  rollbackStart: number;
}

function parseFormattedSql(source: string): ChangelogParse {
  const root: ChangelogNode = { tag: 'databaseChangeLog', attrs: {}, children: [], start: 0, end: source.length };
  const blank = (from: number, to: number, keep: [number, number][]) => {
    let out = '';
    let at = from;
    for (const [s, e] of keep) {
      out += source.slice(at, s).replace(/[^\r\n]/g, ' ') + source.slice(s, e);
      at = e;
    }
    return out + source.slice(at, to).replace(/[^\r\n]/g, ' ');
  };
  let open: OpenChangeSet | undefined;
  let lastEnd = 0;
  const close = () => {
    if (!open) return;
    const cs = open.node;
    cs.end = Math.max(cs.start, lastEnd);
    const attrs = cs.attrs;
    const pick = (keys: [string, string][]) => Object.fromEntries(keys.filter(([k]) => attrs[k] !== undefined).map(([k, as]) => [as, attrs[k]!]));
    cs.children.push({
      tag: 'sql',
      attrs: { formatted: 'true', ...pick([['splitStatements', 'splitStatements'], ['endDelimiter', 'endDelimiter']]) },
      children: [],
      text: blank(cs.start, cs.end, open.body),
      textAt: cs.start,
      start: cs.start,
      end: cs.end,
    });
    if (open.rollback.length > 0) {
      const start = open.rollbackStart;
      const sql: ChangelogNode = {
        tag: 'sql',
        attrs: { formatted: 'true', ...pick([['rollbackSplitStatements', 'splitStatements'], ['rollbackEndDelimiter', 'endDelimiter']]) },
        children: [],
        text: blank(start, cs.end, open.rollback),
        textAt: start,
        start,
        end: cs.end,
      };
      cs.children.push({ tag: 'rollback', attrs: {}, children: [sql], start, end: cs.end });
    }
    open = undefined;
  };
  let ignoring = false;
  let ignoreCount = 0;
  let rollbackBlock = false;
  let preamble: ChangelogNode | undefined;
  let lineStart = source.charCodeAt(0) === 0xfeff ? 1 : 0;
  for (let first = true; lineStart <= source.length; first = false) {
    const nl = source.indexOf('\n', lineStart);
    const next = nl < 0 ? source.length + 1 : nl + 1;
    const lineEnd = nl < 0 ? source.length : source.charCodeAt(nl - 1) === 13 ? nl - 1 : nl;
    const line = source.slice(lineStart, lineEnd);
    const start = lineStart;
    lineStart = next;
    if (first && isFormattedSql(line)) continue;
    const content = line.trim() !== '';
    const contentStart = start + (line.length - line.trimStart().length);
    const contentEnd = start + line.trimEnd().length;
    if (ignoring || ignoreCount > 0) {
      if (ignoreCount > 0) ignoreCount--;
      else if (/^\s*--\s*ignoreLines:end\b/i.test(line)) ignoring = false;
      continue;
    }
    if (rollbackBlock) {
      if (BLOCK_END.test(line)) rollbackBlock = false;
      else if (open && content) open.rollback.push([start, lineEnd]);
      if (content) lastEnd = contentEnd;
      continue;
    }
    const d = DIRECTIVE.exec(line);
    if (d) {
      const kind = d[1]!.toLowerCase();
      const rest = d[2]!;
      if (kind === 'changeset') {
        close();
        const attrs = changesetAttrs(rest) ?? { id: '?', author: '?', malformed: 'true' };
        open = { node: { tag: 'changeSet', attrs, children: [], start: contentStart, end: contentEnd }, body: [], rollback: [], rollbackStart: contentStart };
        root.children.push(open.node);
        lastEnd = contentEnd;
      } else if (kind === 'rollback') {
        const sql = rest.replace(/^:?\s?/, '');
        if (open && !/^\s*(not required|empty)?\s*$/i.test(sql)) {
          if (open.rollback.length === 0) open.rollbackStart = contentStart;
          open.rollback.push([lineEnd - sql.length, lineEnd]);
        }
      } else if (kind === 'ignorelines') {
        const arg = /^:(\w+)/.exec(rest)?.[1]?.toLowerCase();
        if (arg === 'start') ignoring = true;
        else if (arg && /^\d+$/.test(arg)) ignoreCount = Number(arg);
      } else if (kind === 'property' || kind === 'include' || kind === 'includeall') {
        close();
        root.children.push({ tag: kind === 'includeall' ? 'includeAll' : kind, attrs: directiveAttrs(rest), children: [], start: contentStart, end: contentEnd });
        continue;
      }
      if (open) lastEnd = contentEnd;
      continue;
    }
    if (ROLLBACK_BLOCK_START.test(line)) {
      rollbackBlock = true;
      if (open && open.rollback.length === 0) open.rollbackStart = contentStart;
      if (open) lastEnd = contentEnd;
      continue;
    }
    if (open) {
      if (content) {
        open.body.push([start, lineEnd]);
        lastEnd = contentEnd;
      }
    } else if (content && !line.trimStart().startsWith('--')) {
      preamble ??= { tag: 'sqlOutsideChangeSet', attrs: {}, children: [], start: contentStart, end: contentEnd };
    }
  }
  close();
  if (preamble) root.children.unshift(preamble);
  return { root };
}
