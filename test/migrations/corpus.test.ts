import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { configSchema, type DbarchConfigInput } from '../../src/config/schema.js';
import { discover, extractSql, type MigrationFile } from '../../src/migrations/index.js';
import { fsReader, walk } from './helpers.js';
import { readCorpusOrder } from '../../src/trace/agreement.js';

const CORPUS =
  [process.env.DBARCH_CORPUS, fileURLToPath(new URL('../../../shared/corpus', import.meta.url)), join(process.cwd(), '..', 'shared', 'corpus')].find(
    (d): d is string => !!d && existsSync(join(d, 'MANIFEST.tsv')),
  ) ?? join(process.cwd(), '..', 'shared', 'corpus');
const present = existsSync(join(CORPUS, 'MANIFEST.tsv'));
if (!present) console.warn(`corpus test skipped: ${CORPUS} not found`);

const expectedOrder = (name: string) => readCorpusOrder(CORPUS, name);

/** Projects whose tool is not auto-detectable are configured as a user would. */
const CONFIG: Record<string, DbarchConfigInput> = {
  musicbrainz: { migrations: [{ name: 'updates', include: ['admin/sql/updates/*.sql'] }, { name: 'releases', include: ['admin/sql/updates/schema-change/*.sql'] }] },
};

const FRAMEWORK: Record<string, string> = {
  lemmy: 'diesel',
  'trigger-dev': 'prisma',
  kratos: 'golang-migrate',
  harbor: 'golang-migrate',
  concourse: 'golang-migrate',
  'appflowy-cloud': 'generic',
  musicbrainz: 'sql',
  'supabase-postgres': 'dbmate',
  dspace: 'flyway',
};

const PROJECTS = present ? readdirProjects() : [];

function readdirProjects(): string[] {
  return readFileSync(join(CORPUS, 'MANIFEST.tsv'), 'utf8')
    .split('\n')
    .slice(1)
    .filter(Boolean)
    .map((line) => line.split('\t')[0]!);
}

describe.skipIf(!present)('corpus', () => {
  it.each(PROJECTS)('%s: every file gets a framework and the order of order/<project>.tsv', (name) => {
    const root = join(CORPUS, name);
    const paths = walk(root);
    const read = fsReader(root);
    const result = discover({ paths, config: configSchema.parse(CONFIG[name] ?? {}), readFile: read });
    const expected = expectedOrder(name);
    const byPath = new Map(result.migrations.map((m) => [m.path, m]));

    for (const e of expected) {
      if (e.phase === 'base' && result.schemas.includes(e.path)) continue; // lago-api structure.sql
      if (name === 'dspace' && e.phase === 'post') {
        // update-sequences.sql is not a Flyway migration: Flyway itself never runs it.
        expect(result.ignored.concat(paths)).toContain(e.path);
        continue;
      }
      const m = byPath.get(e.path);
      expect(m, `${e.path} discovered`).toBeDefined();
      expect(m!.orderKey).not.toBe('');
      if (FRAMEWORK[name]) expect(m!.framework).toBe(FRAMEWORK[name]);
      expect(m!.direction).toBe(e.phase === 'down' ? 'down' : 'up');
      if (e.flags === 'no-transaction') expect(m!.transaction).toBe('none');
    }
    if (name === 'kratos') {
      const flagged = new Set(expected.filter((e) => e.flags === 'no-transaction').map((e) => e.path));
      for (const e of expected) expect(byPath.get(e.path)!.transaction).toBe(flagged.has(e.path) ? 'none' : 'transaction');
    }

    // Within each set of ours, the relative order equals the corpus order.
    const position = new Map(expected.map((e, i) => [e.path, i]));
    const sets = new Map<string, MigrationFile[]>();
    for (const m of result.migrations) sets.set(m.set, [...(sets.get(m.set) ?? []), m]);
    for (const files of sets.values()) {
      const ours = files.map((f) => f.path).filter((p) => position.has(p));
      const theirs = [...ours].sort((a, b) => position.get(a)! - position.get(b)!);
      expect(ours).toEqual(theirs);
    }
    if (name === 'dspace') expect(sets.size).toBe(1); // three Flyway locations, one history

    // Extraction keeps every file byte-for-byte layout (and dbmate splits sections).
    for (const m of result.migrations) {
      const content = read(m.path)!;
      const { up, down } = extractSql(m, content);
      expect(up.length).toBe(content.length);
      if (down !== undefined) expect(down.length).toBe(content.length);
    }
  });
});
