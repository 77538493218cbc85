// Which changed paths are migrations: discovery (src/migrations) decides, from paths alone
// (the PR's files are not fetched before we know which ones matter).
import type { DbarchConfig } from '../config/schema.js';
import { discover } from '../migrations/index.js';
import { djangoDependencyDirs } from '../migrations/django-order.js';

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

export interface HistorySource {
  /** The files of these folders at the base (a folder's files and its subfolders' files). */
  list(dirs: string[]): Promise<string[]>;
  select(paths: string[]): Promise<string[]>;
  read(paths: string[]): Promise<{ path: string; content: string | Uint8Array }[]>;
}

/**
 * The earlier migrations at the base: the folders of the PR's migrations, then the folders of
 * the Django apps those migrations (and the ones fetched) depend on, until no new folder is
 * named. An app's model state is built from the other apps' histories too (a ForeignKey to
 * `accounts.Customer` needs its table and key type). `capped` when `max` cut the list.
 */
export async function collectHistory(
  src: HistorySource,
  ref: { migrations: string[]; sources: readonly { path: string; content: string | Uint8Array }[]; changed: ReadonlySet<string>; max: number },
): Promise<{ files: { path: string; content: string | Uint8Array }[]; dirs: string[]; capped: boolean }> {
  const text = (c: string | Uint8Array) => (typeof c === 'string' ? c : new TextDecoder().decode(c));
  const dependencyDirs = (files: readonly { path: string; content: string | Uint8Array }[]) => files.flatMap((f) => djangoDependencyDirs(f.path, text(f.content)));
  const listed = new Set<string>();
  const files: { path: string; content: string | Uint8Array }[] = [];
  let capped = false;
  let dirs = [...new Set([...historyDirsOf(ref.migrations), ...dependencyDirs(ref.sources)])].sort();
  while (dirs.length > 0 && !capped) {
    for (const d of dirs) listed.add(d);
    const have = new Set(files.map((f) => f.path));
    const candidates = (await src.select(await src.list(dirs))).filter((p) => !ref.changed.has(p) && !have.has(p)).sort();
    // Replay needs the oldest first; a cut keeps the start and says so.
    const picked = candidates.slice(0, ref.max - files.length);
    capped = candidates.length > picked.length;
    if (picked.length === 0) break;
    const got = await src.read(picked);
    files.push(...got);
    dirs = [...new Set(dependencyDirs(got))].filter((d) => !listed.has(d)).sort();
  }
  return { files, dirs: [...listed].sort(), capped };
}
