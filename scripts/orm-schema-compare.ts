// Replays the translated lago-api Rails history on PGlite and compares the schema it builds with
// the project's own db/structure.sql (loaded on a second PGlite): tables, columns and types,
// indexes, constraints, views, enum types. Writes the result into docs/orm.md.
// Run: npm run build && node dist/scripts/orm-schema-compare.js [--write]
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { analysisUnits, upInApplyOrder } from '../src/analyze.js';
import { configSchema } from '../src/config/schema.js';
import { applySourceMap, prepareOrm } from '../src/orm/index.js';
import { initParser, parseSql } from '../src/sql/index.js';
import { applyQuietly, cleanSchemaDump, collectRequirements, emptyRequirements, partitionExtensions, startBlank, type ReplayIssue } from '../src/trace/replay.js';
import type { PgliteWorker } from '../src/trace/worker.js';
import { ormCorpusDir, orderedFiles } from './orm-count.js';

const TIMEOUT = 600_000;

interface Snapshot {
  columns: Map<string, string>;
  indexes: Map<string, string>;
  constraints: Map<string, string>;
  views: Set<string>;
  enums: Map<string, string>;
}

async function snapshot(w: PgliteWorker): Promise<Snapshot> {
  const columns = await w.query<{ k: string; v: string }>(
    `SELECT c.relname || '.' || a.attname AS k,
            format_type(a.atttypid, a.atttypmod) || CASE WHEN a.attnotnull THEN ' NOT NULL' ELSE '' END
              || COALESCE(' DEFAULT ' || pg_get_expr(d.adbin, d.adrelid), '') AS v
       FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
       LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
      WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') AND a.attnum > 0 AND NOT a.attisdropped`,
    TIMEOUT,
  );
  const indexes = await w.query<{ k: string; v: string }>(`SELECT tablename || ' ' || indexname AS k, regexp_replace(indexdef, ' INDEX \\S+ ON ', ' INDEX ON ') AS v FROM pg_indexes WHERE schemaname = 'public'`, TIMEOUT);
  const constraints = await w.query<{ k: string; v: string }>(
    `SELECT conrelid::regclass::text || ' ' || conname AS k, pg_get_constraintdef(oid) AS v FROM pg_constraint WHERE connamespace = 'public'::regnamespace AND contype IN ('c', 'f', 'p', 'u', 'x')`,
    TIMEOUT,
  );
  const views = await w.query<{ k: string }>(`SELECT relname AS k FROM pg_class WHERE relnamespace = 'public'::regnamespace AND relkind IN ('v', 'm')`, TIMEOUT);
  const enums = await w.query<{ k: string; v: string }>(
    `SELECT t.typname AS k, string_agg(e.enumlabel, ',' ORDER BY e.enumsortorder) AS v FROM pg_type t JOIN pg_enum e ON e.enumtypid = t.oid WHERE t.typnamespace = 'public'::regnamespace GROUP BY t.typname`,
    TIMEOUT,
  );
  const map = (rows: { k: string; v: string }[]) => new Map(rows.map((r) => [r.k, r.v]));
  return { columns: map(columns), indexes: map(indexes), constraints: map(constraints), views: new Set(views.map((v) => v.k)), enums: map(enums) };
}

interface Diff {
  onlyExpected: string[];
  onlyReplayed: string[];
  different: string[];
  same: number;
}

function diff(expected: Map<string, string>, replayed: Map<string, string>): Diff {
  const d: Diff = { onlyExpected: [], onlyReplayed: [], different: [], same: 0 };
  for (const [k, v] of expected) {
    const r = replayed.get(k);
    if (r === undefined) d.onlyExpected.push(`${k}: ${v}`);
    else if (r !== v) d.different.push(`${k}: structure.sql \`${v}\`, replay \`${r}\``);
    else d.same++;
  }
  for (const [k, v] of replayed) if (!expected.has(k)) d.onlyReplayed.push(`${k}: ${v}`);
  return d;
}

async function load(w: PgliteWorker, path: string, source: string, transaction: 'transaction' | 'none', parsed: ReturnType<typeof parseSql>, issues: ReplayIssue[]): Promise<void> {
  await applyQuietly({ engine: 'pglite', exec: (s, t) => w.exec(s, t), query: (s, t) => w.query(s, t) }, { path, source, transaction }, parsed, TIMEOUT, issues);
}

export async function compare(): Promise<string> {
  const corpus = ormCorpusDir();
  const structurePath = [resolve(process.cwd(), '..', 'shared', 'corpus', 'lago-api', 'db', 'structure.sql'), '/work/shared/corpus/lago-api/db/structure.sql'].find((p) => existsSync(p));
  if (!corpus || !structurePath) return 'Skipped: ../shared/corpus-orm or ../shared/corpus/lago-api/db/structure.sql not found.';
  await initParser();
  const files = orderedFiles(corpus, 'lago-api').map((p) => ({ path: p, content: readFileSync(join(corpus, 'lago-api', p), 'utf8') }));
  await prepareOrm(files.map((f) => f.path));
  const config = configSchema.parse({ engines: ['builtin'] });
  const units = upInApplyOrder(analysisUnits(files, config));
  const parsed = units.map((u) => {
    const p = parseSql(u.sql, { path: u.file.path, maxBytes: 64 * 1024 * 1024 });
    if (u.orm) applySourceMap(p, u.orm);
    return p;
  });
  const structure = cleanSchemaDump(readFileSync(structurePath, 'utf8'));
  const structureParsed = parseSql(structure, { path: 'structure.sql', maxBytes: 64 * 1024 * 1024 });
  const req = emptyRequirements();
  for (const p of [...parsed, structureParsed]) collectRequirements(p, req);
  const { load: extensions } = partitionExtensions(req.extensions);

  const replayIssues: ReplayIssue[] = [];
  const replay = await startBlank({ extensions, memoryMb: 2048 });
  const expected = await startBlank({ extensions, memoryMb: 2048 });
  try {
    for (let i = 0; i < units.length; i++) await load(replay, units[i]!.file.path, units[i]!.sql, units[i]!.transaction, parsed[i]!, replayIssues);
    const dumpIssues: ReplayIssue[] = [];
    await load(expected, 'structure.sql', structure, 'none', structureParsed, dumpIssues);
    const [a, b] = [await snapshot(expected), await snapshot(replay)];
    const sections: [string, Diff][] = [
      ['Columns (type, NOT NULL, default)', diff(a.columns, b.columns)],
      ['Indexes (definition without the name)', diff(a.indexes, b.indexes)],
      ['Constraints', diff(a.constraints, b.constraints)],
      ['Views', diff(new Map([...a.views].map((v) => [v, 'view'])), new Map([...b.views].map((v) => [v, 'view'])))],
      ['Enum types', diff(a.enums, b.enums)],
    ];
    const out = [
      `Replayed ${units.length} translated migrations of lago-api in apply order on PGlite; loaded \`db/structure.sql\` of the same commit on a second PGlite (${dumpIssues.length} statements of the dump failed there). ${replayIssues.length} translated statements failed during the replay.`,
      '',
      '| object | same | only in structure.sql | only in the replay | different |',
      '|---|---:|---:|---:|---:|',
      ...sections.map(([name, d]) => `| ${name} | ${d.same} | ${d.onlyExpected.length} | ${d.onlyReplayed.length} | ${d.different.length} |`),
    ];
    const list = (title: string, items: string[], max = 40) => {
      if (items.length === 0) return;
      out.push('', `**${title}** (${items.length}${items.length > max ? `, first ${max}` : ''}):`, '', ...items.sort().slice(0, max).map((s) => `- ${s}`));
    };
    for (const [name, d] of sections) {
      list(`${name}: only in structure.sql`, d.onlyExpected);
      list(`${name}: only in the replay`, d.onlyReplayed);
      list(`${name}: different`, d.different);
    }
    list('Replay failures', replayIssues.map((i) => `${i.path}:${i.line}: ${i.message}`));
    list('structure.sql statements that failed on PGlite', dumpIssues.map((i) => `line ${i.line}: ${i.message}`), 10);
    return out.join('\n');
  } finally {
    await replay.close();
    await expected.close();
  }
}

if (process.argv[1] && /orm-schema-compare\.[jt]s$/.test(process.argv[1])) {
  const text = await compare();
  if (process.argv.includes('--write')) {
    const doc = resolve(process.cwd(), 'docs', 'orm.md');
    const body = existsSync(doc) ? readFileSync(doc, 'utf8') : '';
    const block = `<!-- orm:schema-compare -->\n${text}\n<!-- /orm:schema-compare -->`;
    writeFileSync(doc, /<!-- orm:schema-compare -->[\s\S]*<!-- \/orm:schema-compare -->/.test(body) ? body.replace(/<!-- orm:schema-compare -->[\s\S]*<!-- \/orm:schema-compare -->/, block) : `${body}\n${block}\n`);
  } else console.log(text);
}
