// ORM migrations (Rails, Ecto…) translated to SQL with a source map: the analyzer parses the
// generated SQL like any migration, and every statement is then moved back to its DSL call.
import type { Direction, Finding, Framework, ParsedFile, Span, TransactionMode } from '../types.js';
import type { MigrationFile } from '../migrations/types.js';
import { discover, extractSql } from '../migrations/index.js';
import type { DbarchConfig } from '../config/schema.js';
import { isFormattedSql, loadChangelogReaders } from '../migrations/changelog.js';
import { ModelHistory } from './model.js';
import { loadLanguages, parseSource } from './parser.js';
import type { ModelState } from './model.js';
import type { Node } from 'web-tree-sitter';
import type { OrmLanguage, TranslatedStatement, Translation } from './types.js';
import { dslFix } from './fixes.js';

export type { Translation, TranslatedStatement, OrmLanguage } from './types.js';
export { ModelHistory, ModelState } from './model.js';

export interface TranslateOptions {
  readFile?: (path: string) => string | undefined;
  /** Liquibase: the contexts / label filter production runs with (the config's `liquibase`). */
  changesets?: { contexts?: string; labels?: string };
}

type TranslateFn = (root: Node, source: string, state: ModelState, opts: TranslateOptions & { path: string }) => Translation;
/** Translators of data formats (Liquibase changelogs) read the text themselves, without tree-sitter. */
type TextTranslateFn = (source: string, state: ModelState, opts: TranslateOptions & { path: string; vars?: Record<string, string> }) => Translation;

type Translator =
  | {
      /** The grammar; JavaScript frameworks take TypeScript's for `.ts` files. */
      language: OrmLanguage;
      typescript?: boolean;
      /** Translators load with their grammar, so a SQL-only lint never loads them. */
      load(): Promise<TranslateFn>;
    }
  | { language: 'changelog'; typescript?: undefined; loadText(): Promise<TextTranslateFn> };

/** One translator per framework; a framework listed here has its DSL reviewed. */
const TRANSLATORS: Partial<Record<Framework, Translator>> = {
  rails: { language: 'ruby', load: async () => (await import('./rails.js')).translateRails },
  ecto: { language: 'elixir', load: async () => (await import('./ecto.js')).translateEcto },
  django: { language: 'python', load: async () => (await import('./django.js')).translateDjango },
  alembic: { language: 'python', load: async () => (await import('./alembic.js')).translateAlembic },
  knex: { language: 'javascript', typescript: true, load: async () => (await import('./knex.js')).translateKnex },
  sequelize: { language: 'javascript', typescript: true, load: async () => (await import('./sequelize.js')).translateSequelize },
  liquibase: { language: 'changelog', loadText: async () => (await import('./liquibase.js')).translateChangelog },
};
const loadedTranslators = new Map<Framework, TranslateFn>();
const loadedTextTranslators = new Map<Framework, TextTranslateFn>();

export function translatorLanguage(framework: Framework): OrmLanguage | 'changelog' | undefined {
  return TRANSLATORS[framework]?.language;
}

const EXTENSIONS: [RegExp, OrmLanguage | 'changelog'][] = [
  [/\.rb$/i, 'ruby'],
  [/\.exs?$/i, 'elixir'],
  [/\.py$/i, 'python'],
  [/\.[cm]?js$/i, 'javascript'],
  [/\.[cm]?ts$/i, 'typescript'],
  [/\.(xml|ya?ml|json)$/i, 'changelog'],
];

/** The grammar a file of this framework is parsed with. */
function fileLanguage(t: Translator & { language: OrmLanguage }, path: string): OrmLanguage {
  return t.typescript && /\.[cm]?ts$/i.test(path) ? 'typescript' : t.language;
}

/**
 * Whether these migrations are translated from an ORM's DSL: their review then needs the
 * earlier migrations (the model state), even when the trace is off. Discovery (with the
 * files' content) tells the framework: a TypeORM `.ts` file is not translated, a Knex one is.
 */
export function needsOrmHistory(files: { path: string; content: string | Uint8Array }[], config: DbarchConfig): boolean {
  const text = new Map(files.map((f) => [f.path, typeof f.content === 'string' ? f.content : new TextDecoder().decode(f.content)]));
  return discover({ paths: [...text.keys()], config, readFile: (p) => text.get(p) }).migrations.some((m) => TRANSLATORS[m.framework] !== undefined);
}

/**
 * The other files of the checkout these migrations read when they run (Scenic's
 * `db/views/<name>_vNN.sql`, Liquibase `sqlFile`): a caller that fetches files one by one (the
 * App, the Action) fetches these too and gives them to analyze() as `readFile`.
 */
export async function companionPaths(files: { path: string; content: string | Uint8Array }[], config: DbarchConfig): Promise<string[]> {
  const text = new Map(files.map((f) => [f.path, typeof f.content === 'string' ? f.content : new TextDecoder().decode(f.content)]));
  const found = discover({ paths: [...text.keys()], config, readFile: (p) => text.get(p) }).migrations.filter((m) => TRANSLATORS[m.framework] !== undefined && m.kind === 'migration');
  if (found.length === 0) return [];
  await prepareOrm(found.map((m) => ({ path: m.path, content: text.get(m.path)! })));
  const wanted = new Set<string>();
  const history = new ModelHistory();
  for (const m of found) {
    ormUnits(m, text.get(m.path)!, history, {
      readFile: (p) => {
        if (!text.has(p)) wanted.add(p);
        return text.get(p);
      },
    });
  }
  return [...wanted].sort();
}

/**
 * Loads the parsers for the languages among these files (nothing for SQL-only inputs; a `.sql`
 * file counts when it is a Liquibase formatted SQL changelog).
 */
export async function prepareOrm(files: (string | { path: string; content?: string | Uint8Array })[]): Promise<void> {
  const needed = new Set<OrmLanguage | 'changelog'>();
  for (const item of files) {
    const f = typeof item === 'string' ? { path: item } : item;
    for (const [re, language] of EXTENSIONS) if (re.test(f.path)) needed.add(language);
    if (f.content !== undefined && /\.sql$/i.test(f.path) && isFormattedSql(headOf(f.content))) needed.add('changelog');
  }
  const translated = new Set(Object.values(TRANSLATORS).flatMap((t) => (t.typescript ? [t.language, 'typescript' as const] : [t.language])));
  const languages = [...needed].filter((l) => translated.has(l));
  if (languages.length === 0) return;
  const frameworks = (Object.entries(TRANSLATORS) as [Framework, Translator][]).filter(([, t]) => languages.includes(t.language) || (t.typescript && languages.includes('typescript')));
  await Promise.all([
    loadLanguages(languages.filter((l): l is OrmLanguage => l !== 'changelog')),
    ...(languages.includes('changelog') ? [loadChangelogReaders()] : []),
    ...frameworks.map(async ([framework, t]) => {
      if ('loadText' in t) {
        if (!loadedTextTranslators.has(framework)) loadedTextTranslators.set(framework, await t.loadText());
      } else if (!loadedTranslators.has(framework)) loadedTranslators.set(framework, await t.load());
    }),
  ]);
}

/** The first line is all a formatted SQL header needs. */
function headOf(content: string | Uint8Array): string {
  return typeof content === 'string' ? content.slice(0, 200) : new TextDecoder().decode(content.subarray(0, 200));
}

/** Where the generated statements sit in the unit's SQL, and where they came from. */
export interface OrmSourceMap {
  entries: { offset: number; endOffset: number; line: number; column: number; endColumn: number; stmt: TranslatedStatement }[];
  /** Filled when the unit is parsed: parsed statement index → its DSL statement. */
  byIndex: Map<number, TranslatedStatement>;
  notices: Finding[];
  ignores: Translation['ignores'];
  framework: Framework;
  /** The migration's own text (fixes look at its class/module switches). */
  source: string;
}

export interface OrmUnit {
  direction: Direction;
  transaction: TransactionMode;
  sql: string;
  orm: OrmSourceMap;
}

/** Translates one file; undefined when its framework has no translator. */
export function ormUnits(file: MigrationFile, content: string, history: ModelHistory, opts: TranslateOptions = {}): OrmUnit[] | undefined {
  const translator = TRANSLATORS[file.framework];
  if (!translator || file.kind !== 'migration') return undefined;
  let translation: Translation;
  if ('loadText' in translator) {
    const translateText = loadedTextTranslators.get(file.framework);
    translation = translateText
      ? translateText(content, history.state(file.set), { ...opts, path: file.path, ...(file.vars ? { vars: file.vars } : {}) })
      : { statements: [], ignores: [], embeddedSql: false, notices: [{ span: FILE_START, message: `not analysed: the ${file.framework} translator was not loaded` }] };
    return unitsOf(file, content, translation);
  }
  const translate = loadedTranslators.get(file.framework);
  const language = fileLanguage(translator, file.path);
  const parsed = translate ? parseSource(language, content) : { error: `the ${file.framework} translator was not loaded` };
  if (!translate || 'error' in parsed) {
    const why = 'error' in parsed ? parsed.error : 'not loaded';
    translation = { statements: [], ignores: [], embeddedSql: true, notices: [{ span: FILE_START, message: `not analysed: the ${language} parser is unavailable (${why}); only embedded SQL was reviewed` }] };
  } else {
    try {
      translation = translate(parsed.tree.rootNode, content, history.state(file.set), { ...opts, path: file.path });
    } finally {
      parsed.tree.delete();
    }
  }
  return unitsOf(file, content, translation);
}

function unitsOf(file: MigrationFile, content: string, translation: Translation): OrmUnit[] {
  const extracted = translation.embeddedSql ? extractSql(file, content) : { up: blank(content) };
  const units: OrmUnit[] = [];
  for (const direction of ['up', 'down'] as const) {
    const base = direction === 'up' ? extracted.up : extracted.down;
    const stmts = translation.statements.filter((s) => s.direction === direction);
    if (direction === 'down' && base === undefined && stmts.length === 0) continue;
    const { sql, entries } = layout(base ?? blank(content), stmts);
    const transaction = direction === 'down' ? (file.downTransaction ?? file.transaction) : file.transaction;
    units.push({
      direction,
      transaction,
      sql,
      orm: {
        entries,
        byIndex: new Map(),
        notices: direction === 'up' ? translation.notices.map((n) => ({ ...notice(n.span, n.message), ...(n.rule ? { rule: n.rule, severity: n.rule === 'unbatched-data-migration' ? ('warning' as const) : ('info' as const) } : {}) })) : [],
        ignores: translation.ignores,
        framework: file.framework,
        source: content,
      },
    });
  }
  return units;
}

const FILE_START: Span = { line: 1, column: 1, endLine: 1, endColumn: 1, offset: 0, endOffset: 0 };

function notice(span: Span, message: string): Finding {
  return { rule: 'orm-not-analysed', severity: 'info', line: span.line, column: span.column, endLine: span.endLine, endColumn: span.endColumn, message, engine: 'builtin' };
}

/** The file's line breaks only: the layout leaves lines without SQL empty anyway. */
function blank(content: string): string {
  return content.replace(/[^\r\n]+/g, '');
}

/**
 * Writes each generated statement on its DSL call's first line, from the call's column, so
 * line numbers (and squawk's findings) stay those of the file; embedded SQL keeps its place.
 */
function layout(base: string, stmts: TranslatedStatement[]): { sql: string; entries: OrmSourceMap['entries'] } {
  const parts = base.split(/(\r\n|\r|\n)/);
  const added = new Map<number, TranslatedStatement[]>();
  for (const s of stmts) {
    const list = added.get(s.span.line - 1) ?? [];
    list.push(s);
    added.set(s.span.line - 1, list);
  }
  const entries: OrmSourceMap['entries'] = [];
  let out = '';
  // A BOM is dropped by the SQL parser, so its offsets start one earlier.
  const bom = base.charCodeAt(0) === 0xfeff ? 1 : 0;
  for (let i = 0; i < parts.length; i += 2) {
    const line = parts[i]!;
    const list = added.get(i / 2);
    // Lines without SQL are left empty (only the line breaks keep the file's line numbers): the
    // parser and lexer then read the statements, not a file's worth of blanks.
    if (!list) out += (i === 0 && bom) || /\S/.test(line) ? line : '';
    else {
      let text = (i === 0 && bom) || /\S/.test(line) ? line.trimEnd() : '';
      for (const s of list) {
        if (text !== '') text += ' ';
        const offset = out.length + text.length - bom;
        const column = text.length + 1;
        text += s.sql;
        entries.push({ offset, endOffset: offset + s.sql.length, line: i / 2 + 1, column, endColumn: column + s.sql.length + 1, stmt: s });
        text += ';';
      }
      out += text;
    }
    if (i + 1 < parts.length) out += parts[i + 1];
  }
  return { sql: out, entries };
}

/**
 * Moves parsed statements back to their DSL calls, adds the translation's notices and turns
 * strong_migrations' `safety_assured` into ignore directives for the statements inside.
 */
export function applySourceMap(parsed: ParsedFile, map: OrmSourceMap): void {
  const sorted = map.entries;
  for (const stmt of parsed.statements) {
    const entry = findEntry(sorted, stmt.span.offset);
    if (!entry) continue;
    map.byIndex.set(stmt.index, entry.stmt);
    stmt.span = { ...entry.stmt.span };
    if (stmt.error) stmt.error = { ...stmt.error, span: { ...entry.stmt.span } };
  }
  for (const ig of map.ignores) {
    let count = 0;
    for (const stmt of parsed.statements) {
      if (stmt.span.line < ig.span.line || stmt.span.line > ig.span.endLine) continue;
      parsed.directives.byStatement.set(stmt.index, new Set(['*']));
      count++;
    }
    if (count > 0) {
      parsed.notices.push({
        ...notice(ig.span, `${ig.directive}: ${count} statement${count === 1 ? '' : 's'} inside ${count === 1 ? 'is' : 'are'} exempt from dbarch's rules (strong_migrations' ignore directive)`),
        rule: 'ignore-directive',
        endLine: ig.span.line,
        endColumn: ig.span.column + ig.directive.length,
      });
    }
  }
  parsed.notices.push(...map.notices);
  parsed.notices.sort((a, b) => a.line - b.line || a.column - b.column);
}

function findEntry(entries: OrmSourceMap['entries'], offset: number): OrmSourceMap['entries'][number] | undefined {
  let lo = 0;
  let hi = entries.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const e = entries[mid]!;
    if (offset < e.offset) hi = mid - 1;
    else if (offset >= e.endOffset + 1) lo = mid + 1;
    else return e;
  }
  return undefined;
}

/**
 * Findings on translated statements: the fix is rewritten in the framework's language when
 * dbarch knows the safe call, otherwise it stays SQL and loses `replaces` (a SQL one-click
 * suggestion would not belong in a Ruby or Elixir file).
 */
export function dslFindings(findings: Finding[], map: OrmSourceMap): Finding[] {
  return remapFindings(findings, map).flatMap((f) => {
    const stmt = f.statementIndex === undefined ? undefined : map.byIndex.get(f.statementIndex);
    if (stmt?.exempt?.includes(f.rule)) return [];
    if (!f.fix || f.statementIndex === undefined) return f;
    if (!stmt) return f;
    const fix = dslFix(map.framework, f, stmt, map.source);
    if (fix) return { ...f, fix };
    const { replaces: _drop, ...rest } = f.fix;
    return { ...f, fix: rest };
  });
}

/**
 * Findings that point inside a generated statement (a column of a CREATE TABLE, squawk's
 * positions) are moved to the DSL call the statement came from.
 */
export function remapFindings(findings: Finding[], map: OrmSourceMap): Finding[] {
  if (map.entries.length === 0) return findings;
  return findings.flatMap((f) => {
    const e = map.entries.find((x) => x.line === f.line && f.column >= x.column && f.column <= x.endColumn);
    if (!e) return f;
    if (e.stmt.exempt?.includes(f.rule)) return [];
    const s = e.stmt.span;
    return { ...f, line: s.line, column: s.column, endLine: s.endLine, endColumn: s.endColumn };
  });
}
