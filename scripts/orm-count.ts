// Counts the schema operations written in an ORM's DSL, line by line, without the translator,
// and checks which of them came back from analyze() as a statement at the call's line.
// The count is deliberately independent of src/orm: it is the yardstick for the translation.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { analyze } from '../src/analyze.js';
import { configSchema } from '../src/config/schema.js';
import type { Report } from '../src/types.js';

const RAILS_OPS = [
  'create_table', 'create_join_table', 'change_table', 'drop_table', 'drop_join_table', 'rename_table', 'add_column', 'remove_column',
  'remove_columns', 'change_column', 'change_column_null', 'change_column_default', 'rename_column', 'add_index', 'remove_index',
  'rename_index', 'add_reference', 'add_belongs_to', 'remove_reference', 'remove_belongs_to', 'add_foreign_key', 'remove_foreign_key',
  'validate_foreign_key', 'add_check_constraint', 'remove_check_constraint', 'validate_check_constraint', 'add_timestamps',
  'remove_timestamps', 'enable_extension', 'disable_extension', 'create_enum', 'drop_enum', 'add_enum_value', 'rename_enum',
  'rename_enum_value', 'change_table_comment', 'change_column_comment', 'create_view', 'update_view', 'replace_view', 'drop_view',
];
const RAILS_LINE = new RegExp(`^\\s*(?:(?:safety_assured|dir\\.(?:up|down))\\s*(?:\\{|do)\\s*)?(${RAILS_OPS.join('|')})\\b`);
/** Inside create_table only these produce a statement of their own (an index); in change_table every t.* does. */
const TABLE_LINE = /^\s*t\.(\w+)\b/;

const ECTO_LINE = /^\s*(create|create_if_not_exists|drop|drop_if_exists|alter|rename|add|add_if_not_exists|modify|remove|remove_if_exists|timestamps)\b/;

const DJANGO_OPS = [
  'CreateModel', 'DeleteModel', 'AddField', 'RemoveField', 'AlterField', 'RenameField', 'RenameModel', 'AlterModelTable', 'AddIndex',
  'RemoveIndex', 'AddIndexConcurrently', 'RemoveIndexConcurrently', 'RenameIndex', 'AddConstraint', 'AddConstraintNotValid',
  'RemoveConstraint', 'ValidateConstraint', 'AlterUniqueTogether',
];
const DJANGO_LINE = new RegExp(`^\\s*(?:[\\w.]+\\.)?(${DJANGO_OPS.join('|')})\\(`);

const ALEMBIC_OPS = [
  'create_table', 'drop_table', 'add_column', 'drop_column', 'alter_column', 'create_index', 'drop_index', 'create_foreign_key',
  'create_unique_constraint', 'create_check_constraint', 'create_primary_key', 'drop_constraint', 'rename_table',
];
const ALEMBIC_LINE = new RegExp(`^\\s*(?:op|batch_op)\\.(${ALEMBIC_OPS.join('|')})\\(`);

export interface DslOp {
  path: string;
  line: number;
  op: string;
}

/** Schema operations of a Rails migration, by line. `change_table` counts its `t.*` lines, not itself. */
export function countRails(path: string, source: string): DslOp[] {
  const ops: DslOp[] = [];
  let table: { kind: 'create' | 'change'; indent: number } | undefined;
  const all = source.split(/\r?\n/);
  all.forEach((line, i) => {
    let text = line;
    if (/^\s*#/.test(text)) return;
    const indent = /^\s*/.exec(text)![0].length;
    if (table && /^\s*end\b/.test(text) && indent <= table.indent) {
      table = undefined;
      return;
    }
    const m = RAILS_LINE.exec(text);
    if (m) {
      if ((m[1] === 'create_table' || m[1] === 'change_table') && /\bdo\s*\|/.test(text)) table = { kind: m[1] === 'create_table' ? 'create' : 'change', indent };
      if (m[1] !== 'change_table') ops.push({ path, line: i + 1, op: m[1]! });
      return;
    }
    const t = TABLE_LINE.exec(text);
    if (!t || !table) return;
    // A call continued over the next lines (`t.references :org,` ⏎ `index: false`) is read whole.
    for (let k = i + 1; /,\s*(#.*)?$/.test(text) && k < all.length; k++) text += ` ${all[k]!.trim()}`;
    const method = t[1]!;
    if (table.kind === 'change') ops.push({ path, line: i + 1, op: `t.${method}` });
    else if (method === 'index' || ((method === 'references' || method === 'belongs_to') && !/index:\s*false/.test(text))) ops.push({ path, line: i + 1, op: `t.${method}` });
  });
  return ops;
}

/** Schema operations of an Ecto migration: `create table`/`alter table` count once; `add`/`modify`/`remove` only inside `alter`. */
export function countEcto(path: string, source: string): DslOp[] {
  const ops: DslOp[] = [];
  let alter: number | undefined;
  source.split(/\r?\n/).forEach((text, i) => {
    if (/^\s*#/.test(text)) return;
    const indent = /^\s*/.exec(text)![0].length;
    if (alter !== undefined && /^\s*end\b/.test(text) && indent <= alter) {
      alter = undefined;
      return;
    }
    const m = ECTO_LINE.exec(text);
    if (!m) return;
    const op = m[1]!;
    if (op === 'alter') {
      if (/\bdo\s*$/.test(text)) alter = indent;
      return;
    }
    if (['add', 'add_if_not_exists', 'modify', 'remove', 'remove_if_exists', 'timestamps'].includes(op)) {
      if (alter !== undefined) ops.push({ path, line: i + 1, op });
      return;
    }
    if (!/\b(table|index|unique_index|constraint)\s*\(|\btable\b|\bindex\b/.test(text)) return;
    ops.push({ path, line: i + 1, op: `${op} ${/\b(table|unique_index|index|constraint)\b/.exec(text)?.[1] ?? ''}`.trim() });
  });
  return ops;
}

/**
 * Schema operations of a Django migration: one per operation call. SeparateDatabaseAndState's
 * state_operations run no SQL and are not counted.
 */
export function countDjango(path: string, source: string): DslOp[] {
  const ops: DslOp[] = [];
  let stateOnly: number | undefined;
  source.split(/\r?\n/).forEach((text, i) => {
    if (/^\s*#/.test(text)) return;
    const indent = /^\s*/.exec(text)![0].length;
    if (stateOnly !== undefined && text.trim() !== '' && indent <= stateOnly && !/^\s*[\])]/.test(text)) stateOnly = undefined;
    if (/^\s*state_operations\s*=/.test(text)) {
      stateOnly = indent;
      return;
    }
    const m = DJANGO_LINE.exec(text);
    if (m && stateOnly === undefined) ops.push({ path, line: i + 1, op: m[1]! });
  });
  return ops;
}

/** Schema operations of an Alembic migration: each `op.*` / `batch_op.*` schema call. */
export function countAlembic(path: string, source: string): DslOp[] {
  const ops: DslOp[] = [];
  source.split(/\r?\n/).forEach((text, i) => {
    const m = ALEMBIC_LINE.exec(text);
    if (m) ops.push({ path, line: i + 1, op: m[1]! });
  });
  return ops;
}

const KNEX_SCHEMA = /\.schema(?:\.withSchema\([^)]*\))?\.(createTable|createTableIfNotExists|alterTable|table|dropTable|dropTableIfExists|renameTable|raw|createSchema|createSchemaIfNotExists|dropSchema|dropSchemaIfExists|createExtension|createExtensionIfNotExists|dropExtension|dropExtensionIfExists)\(/;
const KNEX_RAW = /^\s*(?:return\s+|await\s+|\.then\(.*=>\s*)?\w+\.raw\(|\.then\(\s*\(\)\s*=>\s*\w+\.raw\(/;
/** Inside createTable, only these builder lines run a statement of their own. */
const KNEX_CREATE_OWN = /\.(unique|index|references|primary)\(|^\s*\w+\.(index|unique|foreign|primary|check)\(/;

/**
 * Schema operations of a Knex migration: each `schema.*` call, each `raw` call, and inside a
 * table callback the builder lines (in createTable only those that run their own statement).
 */
export function countKnex(path: string, source: string): DslOp[] {
  const ops: DslOp[] = [];
  let table: { kind: 'create' | 'alter'; indent: number } | undefined;
  source.split(/\r?\n/).forEach((text, i) => {
    if (/^\s*(\/\/|\*|\/\*)/.test(text)) return;
    const indent = /^\s*/.exec(text)![0].length;
    if (table && /^\s*\}/.test(text) && indent <= table.indent) {
      table = undefined;
      return;
    }
    const m = KNEX_SCHEMA.exec(text);
    if (m) {
      const op = m[1]!;
      const callback = /=>|function\s*\(/.test(text);
      if (/^(createTable|createTableIfNotExists|alterTable|table)$/.test(op) && callback && !/\}\s*\)\s*;?\s*$/.test(text)) table = { kind: op.startsWith('create') ? 'create' : 'alter', indent };
      // alterTable/table run only what their lines say; createTable runs CREATE TABLE at its line.
      if (op !== 'alterTable' && op !== 'table') ops.push({ path, line: i + 1, op });
      return;
    }
    if (KNEX_RAW.test(text)) {
      ops.push({ path, line: i + 1, op: 'raw' });
      return;
    }
    if (!table) return;
    const builder = /^\s*(\w+)\.(\w+)\(/.exec(text);
    if (!builder) return;
    if (table.kind === 'alter') ops.push({ path, line: i + 1, op: `table.${builder[2]}` });
    else if (KNEX_CREATE_OWN.test(text)) ops.push({ path, line: i + 1, op: `table.${builder[2]}` });
  });
  return ops;
}

const SEQUELIZE_OPS = [
  'createTable', 'dropTable', 'renameTable', 'addColumn', 'removeColumn', 'changeColumn', 'renameColumn', 'addIndex', 'removeIndex',
  'addConstraint', 'removeConstraint', 'createSchema', 'dropSchema',
];
const SEQUELIZE_LINE = new RegExp(`^\\s*(?:return\\s+|await\\s+)*\\w+\\.(${SEQUELIZE_OPS.join('|')})\\(|\\.sequelize\\.(query)\\(`);

/** Schema operations of a Sequelize migration: each queryInterface schema call and each `sequelize.query`. */
export function countSequelize(path: string, source: string): DslOp[] {
  const ops: DslOp[] = [];
  source.split(/\r?\n/).forEach((text, i) => {
    if (/^\s*(\/\/|\*|\/\*)/.test(text)) return;
    const m = SEQUELIZE_LINE.exec(text);
    if (m) ops.push({ path, line: i + 1, op: m[1] ?? m[2]! });
  });
  return ops;
}

export interface Coverage {
  project: string;
  files: number;
  ops: number;
  analysed: number;
  statements: number;
  notAnalysed: number;
  /** Operations that change only the ORM's own state (`orm-no-sql` at their line). */
  noSql: number;
  /**
   * Analysed operations with an `orm-not-analysed` notice at the same line: part of what the
   * call runs was reviewed, part was not (a Scenic `update_view` whose view file is missing).
   */
  partly: Map<string, number>;
  missed: Map<string, number>;
  examples: DslOp[];
  lintMs: number;
  report: Report;
}

export function ormCorpusDir(): string | undefined {
  const candidates = [process.env.DBARCH_ORM_CORPUS, resolve(process.cwd(), '..', 'shared', 'corpus-orm'), '/work/shared/corpus-orm'];
  return candidates.find((d): d is string => !!d && existsSync(join(d, 'MANIFEST.tsv')));
}

/** Files of a corpus project in apply order (order/<project>.tsv). */
export function orderedFiles(corpus: string, project: string): string[] {
  const tsv = readFileSync(join(corpus, 'order', `${project}.tsv`), 'utf8').trim().split('\n').slice(1);
  return tsv.map((l) => l.split('\t')[2]!);
}

export async function measure(corpus: string, project: string, count: (path: string, source: string) => DslOp[], paths = orderedFiles(corpus, project)): Promise<Coverage> {
  const files = paths.map((p) => ({ path: p, content: readFileSync(join(corpus, project, p), 'utf8') }));
  const config = configSchema.parse({ engines: ['builtin'] });
  const t0 = performance.now();
  const report = await analyze({ files, config, readFile: (p) => (existsSync(join(corpus, project, p)) ? readFileSync(join(corpus, project, p), 'utf8') : undefined) });
  const lintMs = performance.now() - t0;
  const lines = new Map<string, Set<number>>();
  let statements = 0;
  let notAnalysed = 0;
  const noSqlLines = new Set<string>();
  const noticeLines = new Set<string>();
  for (const f of report.files) {
    const set = lines.get(f.path) ?? new Set<number>();
    for (const s of f.statements) set.add(s.line);
    for (const x of f.findings) {
      if (x.rule === 'orm-no-sql') noSqlLines.add(`${f.path}:${x.line}`);
      if (x.rule === 'orm-not-analysed') noticeLines.add(`${f.path}:${x.line}`);
    }
    lines.set(f.path, set);
    statements += f.statements.length;
    notAnalysed += f.findings.filter((x) => x.rule === 'orm-not-analysed').length;
  }
  const ops = files.flatMap((f) => count(f.path, f.content));
  const missed = new Map<string, number>();
  const examples: DslOp[] = [];
  let analysed = 0;
  let noSql = 0;
  const partly = new Map<string, number>();
  for (const op of ops) {
    if (lines.get(op.path)?.has(op.line)) {
      analysed++;
      if (noticeLines.has(`${op.path}:${op.line}`)) partly.set(op.op, (partly.get(op.op) ?? 0) + 1);
    }
    else if (noSqlLines.has(`${op.path}:${op.line}`)) {
      analysed++;
      noSql++;
    }
    else {
      missed.set(op.op, (missed.get(op.op) ?? 0) + 1);
      if (examples.length < 20) examples.push(op);
    }
  }
  return { project, files: files.length, ops: ops.length, analysed, statements, notAnalysed, noSql, partly, missed, examples, lintMs, report };
}

export const PROJECTS: { project: string; framework: string; count: (path: string, source: string) => DslOp[] }[] = [
  { project: 'lago-api', framework: 'rails', count: countRails },
  { project: 'hexpm', framework: 'ecto', count: countEcto },
  { project: 'saleor', framework: 'django', count: countDjango },
  { project: 'redash', framework: 'alembic', count: countAlembic },
];

/**
 * Frameworks without a corpus project: the share is measured on their fixture project (the
 * migration files of `fixtures/projects/<project>`, in file-name order, as discovery orders them).
 */
export const FIXTURE_PROJECTS: { project: string; framework: string; dir: string; count: (path: string, source: string) => DslOp[] }[] = [
  { project: 'knex-dsl', framework: 'knex', dir: 'db/migrations', count: countKnex },
  { project: 'sequelize-dsl', framework: 'sequelize', dir: 'db/migrations', count: countSequelize },
];

export function fixturesDir(): string {
  return [resolve(process.cwd(), 'fixtures', 'projects'), resolve(import.meta.dirname, '..', '..', 'fixtures', 'projects'), resolve(import.meta.dirname, '..', 'fixtures', 'projects')].find((d) => existsSync(d))!;
}

export function fixtureFiles(p: { project: string; dir: string }): string[] {
  return readdirSync(join(fixturesDir(), p.project, p.dir))
    .filter((f) => /\.[cm]?[jt]s$/.test(f))
    .sort()
    .map((f) => `${p.dir}/${f}`);
}

// node dist/scripts/orm-count.js: prints the share per project.
if (process.argv[1] && /orm-count\.[jt]s$/.test(process.argv[1])) {
  const corpus = ormCorpusDir();
  if (!corpus) console.error('orm-count: ../shared/corpus-orm not found (set DBARCH_ORM_CORPUS); only the fixture projects are measured');
  const runs = [
    ...(corpus ? PROJECTS.map((p) => ({ ...p, run: () => measure(corpus, p.project, p.count) })) : []),
    ...FIXTURE_PROJECTS.map((p) => ({ ...p, project: `${p.project} (fixture)`, run: () => measure(fixturesDir(), p.project, p.count, fixtureFiles(p)) })),
  ];
  for (const p of runs) {
    const c = await p.run();
    console.log(`${p.project} (${p.framework}): ${c.analysed}/${c.ops} DSL operations analysed at their line (${((100 * c.analysed) / Math.max(1, c.ops)).toFixed(1)}%; ${c.noSql} of them run no SQL), ${c.statements} statements, ${c.notAnalysed} not-analysed notices`);
    for (const [op, n] of [...c.partly].sort((a, b) => b[1] - a[1])) console.log(`  partly analysed ${op}: ${n}`);
    for (const [op, n] of [...c.missed].sort((a, b) => b[1] - a[1])) console.log(`  missed ${op}: ${n}`);
    for (const e of c.examples) console.log(`  e.g. ${e.path}:${e.line} ${e.op}`);
  }
}
