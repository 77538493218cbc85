// Liquibase applies changesets in changelog order: the master changelog's own order, each
// `include` (and each file an `includeAll` folder holds, alphabetically) at its place.
import { changelogFormatOf, changelogIncludes, parseChangelog } from './changelog.js';
import { makeOrderKey } from './order.js';
import type { MigrationFile } from './types.js';

function dirname(p: string): string {
  const i = p.lastIndexOf('/');
  return i < 0 ? '' : p.slice(0, i);
}

/** `a/b/../c` → `a/c`; a leading `classpath:` or `/` is dropped (paths are repository-relative). */
export function normalizeChangelogPath(p: string): string {
  const out: string[] = [];
  for (const seg of p.replace(/^classpath\*?:/, '').replace(/\\/g, '/').split('/')) {
    if (seg === '' || seg === '.') continue;
    if (seg === '..') out.pop();
    else out.push(seg);
  }
  return out.join('/');
}

/**
 * Resolves an included path among the known files: relative to the including changelog when it
 * says so, otherwise as Liquibase's search path would (the repository root, the master's
 * folder, or a resource folder such as `src/main/resources/` that ends with the path).
 */
export function resolveInclude(file: string, relative: boolean, from: string, rootDir: string, known: readonly string[]): string | undefined {
  const has = new Set(known);
  const candidates = relative ? [`${dirname(from)}/${file}`] : [file, `${rootDir}/${file}`, `${dirname(from)}/${file}`];
  for (const c of candidates) {
    const n = normalizeChangelogPath(c);
    if (has.has(n)) return n;
  }
  if (relative) return undefined;
  const tail = `/${normalizeChangelogPath(file)}`;
  return known.find((k) => k.endsWith(tail));
}

function includedFiles(path: string, rootDir: string, known: string[], read: (p: string) => string | undefined): string[] {
  const text = read(path);
  const format = changelogFormatOf(path, text);
  if (!format || text === undefined) return [];
  const parsed = parseChangelog(text, format);
  if (!('root' in parsed)) return [];
  const out: string[] = [];
  for (const inc of changelogIncludes(parsed.root)) {
    if (!inc.all) {
      const hit = resolveInclude(inc.file, inc.relativeToChangelogFile, path, rootDir, known);
      if (hit) out.push(hit);
      continue;
    }
    const dir = normalizeChangelogPath(inc.relativeToChangelogFile ? `${dirname(path)}/${inc.file}` : inc.file);
    // `known` holds only changelogs (formatted SQL included; a plain `.sql` of an sqlFile is not one).
    const inDir = (base: string) => known.filter((k) => k.startsWith(`${base}/`)).sort();
    let files = inDir(dir);
    if (files.length === 0 && !inc.relativeToChangelogFile) {
      const prefix = known.find((k) => k.includes(`/${dir}/`));
      if (prefix) files = inDir(prefix.slice(0, prefix.indexOf(`/${dir}/`) + dir.length + 1));
    }
    out.push(...files);
  }
  return out;
}

/** Sets each changelog's set (the master's folder) and order key (its place in the include walk). */
export function orderLiquibase(files: MigrationFile[], read: (p: string) => string | undefined): void {
  const group = files.filter((f) => f.framework === 'liquibase');
  if (group.length === 0) return;
  const known = group.map((f) => f.path);
  const byPath = new Map(group.map((f) => [f.path, f]));
  const children = new Map<string, string[]>();
  for (const f of group) children.set(f.path, includedFiles(f.path, dirname(f.path), known, read));
  const included = new Set([...children.values()].flat());
  const roots = known.filter((p) => !included.has(p)).sort();
  const seen = new Set<string>();
  for (const root of roots) {
    let index = 0;
    const walk = (path: string) => {
      if (seen.has(path)) return;
      seen.add(path);
      const f = byPath.get(path)!;
      f.set = dirname(root) || '.';
      f.orderKey = makeOrderKey('up', String(index++).padStart(6, '0'));
      for (const child of children.get(path) ?? []) walk(child);
    };
    walk(root);
  }
}
