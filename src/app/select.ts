// Which changed paths are migrations: discovery (src/migrations) decides, from paths alone
// (the PR's files are not fetched before we know which ones matter).
import type { DbarchConfig } from '../config/schema.js';
import { discover } from '../migrations/index.js';
import type { DiscoveryResult } from '../migrations/types.js';
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
  return [...found.ignored.filter((p) => SCRIPT.test(p)), ...changelogCandidates(paths, found)];
}

/** The changelog candidates among paths discovery does not select from the path alone. */
export function probeChangelogs(paths: readonly string[], config: DbarchConfig): string[] {
  return changelogCandidates(paths, discover({ paths: [...paths], config, readFile: () => undefined }));
}

/**
 * Liquibase changelogs are told by their root element (XML/YAML/JSON) or their first line
 * (formatted SQL): such files in a database folder that the path alone does not place.
 */
function changelogCandidates(paths: readonly string[], found: DiscoveryResult): string[] {
  const selected = new Set(found.migrations.map((m) => m.path));
  const dumps = new Set(found.schemas);
  return paths.filter((p) => CHANGELOG.test(p) && !selected.has(p) && !dumps.has(p) && p.split('/').slice(0, -1).some((d) => DB_DIR.test(d)));
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
  /** The migrations among the paths; `readFile` gives the text of the probed ones. */
  select(paths: string[], readFile?: (path: string) => string | undefined): Promise<string[]>;
  /** Paths the path alone does not place but their content may (formatted SQL changelogs). */
  probe(paths: string[]): string[];
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
    const fresh = (p: string) => !ref.changed.has(p) && !have.has(p);
    const atBase = await src.list(dirs);
    let selected = await src.select(atBase);
    // Files only their content places are read first, then the folder is selected again.
    const chosen = new Set(selected);
    const probes = src.probe(atBase.filter((p) => !chosen.has(p))).filter(fresh);
    const probed = new Map((probes.length ? await src.read(probes) : []).map((f) => [f.path, f]));
    if (probed.size) selected = await src.select(atBase, (p) => {
      const c = probed.get(p)?.content;
      return c === undefined ? undefined : text(c);
    });
    const candidates = selected.filter(fresh).sort();
    // Replay needs the oldest first; a cut keeps the start and says so.
    const picked = candidates.slice(0, ref.max - files.length);
    capped = candidates.length > picked.length;
    if (picked.length === 0) break;
    const missing = picked.filter((p) => !probed.has(p));
    const read = new Map((missing.length ? await src.read(missing) : []).map((f) => [f.path, f]));
    const got = picked.flatMap((p) => {
      const f = probed.get(p) ?? read.get(p);
      return f ? [f] : [];
    });
    files.push(...got);
    dirs = [...new Set(dependencyDirs(got))].filter((d) => !listed.has(d)).sort();
  }
  return { files, dirs: [...listed].sort(), capped };
}
