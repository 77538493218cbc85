// Which changed paths are migrations: discovery (src/migrations) decides, from paths alone
// (the PR's files are not fetched before we know which ones matter).
import type { DbarchConfig } from '../config/schema.js';
import { discover } from '../migrations/index.js';

/** `readFile` gives the text of some files when discovery needs to look inside them. */
export type Selector = (
  paths: readonly string[],
  config: DbarchConfig,
  readFile?: (path: string) => string | undefined,
) => Promise<string[]> | string[];

export const discoverySelector: Selector = (paths, config, readFile) =>
  discover({ paths: [...paths], config, readFile: readFile ?? (() => undefined) }).migrations.map((m) => m.path);

const SCRIPT = /\.(js|cjs|mjs|ts|cts|mts|py|rb)$/;

/** Scripts discovery could not place from the path alone (e.g. TypeORM/Knex files in any folder): worth reading. */
export function needsContent(paths: readonly string[], config: DbarchConfig): string[] {
  const found = discover({ paths: [...paths], config, readFile: () => undefined });
  const selected = new Set(found.migrations.map((m) => m.path));
  // Liquibase changelogs are told by their root element (XML/YAML/JSON) or their first line
  // (formatted SQL): such files in a database folder are read to tell.
  const dumps = new Set(found.schemas);
  const changelogs = paths.filter((p) => CHANGELOG.test(p) && !selected.has(p) && !dumps.has(p) && p.split('/').slice(0, -1).some((d) => DB_DIR.test(d)));
  return [...found.ignored.filter((p) => SCRIPT.test(p)), ...changelogs];
}

const CHANGELOG = /\.(xml|ya?ml|json|sql)$/i;
const DB_DIR = /^(db|database|liquibase|migrations?|changelogs?|changesets?)$/i;

/** Per-migration folder layouts (`<dir>/<version>_name/up.sql`) look one level higher for siblings. */
const FOLDER_FILE = /^(up|down|migration|change|revert|deploy|verify)\.sql$/i;

export function historyDirsOf(migrations: readonly string[]): string[] {
  const dirs = new Set<string>();
  for (const p of migrations) {
    const parts = p.split('/');
    const name = parts.pop() ?? '';
    if (FOLDER_FILE.test(name) && parts.length) parts.pop();
    dirs.add(parts.join('/'));
  }
  return [...dirs].sort();
}
