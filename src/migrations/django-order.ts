// Django applies migrations in the order of their `dependencies` graph, across apps: one
// history per project, so a migration sees the tables other apps created before it.
import { lexPython, type Tok } from './lex.js';
import { makeOrderKey } from './order.js';
import type { MigrationFile } from './types.js';

interface Node {
  file: MigrationFile;
  app: string;
  name: string;
  deps: [string, string][];
}

/** The `(app, name)` pairs of the `dependencies = [...]` assignment (swappable ones are skipped). */
export function djangoDependencies(source: string): [string, string][] {
  // Lexing a whole migration is the costly part of ordering a large history: start at the line
  // that assigns `dependencies` (the whole file when that finds none).
  const at = /^[ \t]*dependencies[ \t]*[=:]/m.exec(source)?.index;
  if (at === undefined) return dependenciesIn(source)?.deps ?? [];
  // The list ends before the next class attribute (`operations = [` most often): lex up to it,
  // and the rest of the file only when the list was not closed there.
  const next = /^[ \t]*(?:operations|replaces|run_before|initial|atomic)[ \t]*[=:]/m.exec(source.slice(at + 1));
  const head = next ? dependenciesIn(source.slice(at, at + 1 + next.index)) : undefined;
  if (head?.closed) return head.deps;
  return (dependenciesIn(source.slice(at)) ?? dependenciesIn(source))?.deps ?? [];
}

function dependenciesIn(source: string): { deps: [string, string][]; closed: boolean } | undefined {
  const toks = lexPython(source);
  const out: [string, string][] = [];
  let found = false;
  let closed = false;
  for (let i = 0; i < toks.length; i++) {
    const t = toks[i]!;
    if (t.type !== 'ident' || t.text !== 'dependencies' || punct(toks[i + 1]) !== '=' || !['[', '('].includes(punct(toks[i + 2]) ?? '')) continue;
    found = true;
    let depth = 0;
    for (let k = i + 2; k < toks.length; k++) {
      const p = punct(toks[k]);
      if (p === '[' || p === '(') depth++;
      else if (p === ']' || p === ')') {
        depth--;
        if (depth === 0) {
          closed = true;
          break;
        }
      }
      // ("app", "0001_initial")
      if (p === '(' && depth === 2) {
        const a = toks[k + 1];
        const b = toks[k + 3];
        if (a?.type === 'string' && punct(toks[k + 2]) === ',' && b?.type === 'string') out.push([literal(source, a), literal(source, b)]);
      }
    }
    break;
  }
  return found ? { deps: out, closed } : undefined;
}

function punct(t: Tok | undefined): string | undefined {
  return t && t.type === 'punct' ? t.text : undefined;
}

function literal(source: string, t: Tok): string {
  if (t.type !== 'string') return '';
  return t.segs.map((s) => source.slice(s.from, s.to)).join('');
}

/** The project folder above the app folders (`saleor/order/migrations/x.py` → `saleor`). */
function projectRoot(path: string): { root: string; app: string } | undefined {
  const parts = path.split('/');
  const at = parts.lastIndexOf('migrations');
  if (at < 1) return undefined;
  return { root: parts.slice(0, at - 1).join('/') || '.', app: parts[at - 1]! };
}

/**
 * The migration folders of the other apps a Django migration depends on (`("accounts",
 * "0003_x")` from `shop/migrations/0004_y.py` → `accounts/migrations`): their models are part of
 * the state this migration is translated against (a ForeignKey's table and key type).
 */
export function djangoDependencyDirs(path: string, source: string): string[] {
  const p = /\.py$/.test(path) ? projectRoot(path) : undefined;
  if (!p || !source.includes('dependencies')) return [];
  const base = p.root === '.' ? '' : `${p.root}/`;
  return [...new Set(djangoDependencies(source).filter(([app]) => app !== p.app && /^\w+$/.test(app)).map(([app]) => `${base}${app}/migrations`))];
}

/**
 * Depth-first topological order of the dependency graph, apps and names taken alphabetically
 * where the graph leaves a choice; every file of a project gets the project as its set.
 */
export function orderDjango(files: MigrationFile[], read: (path: string) => string | undefined): void {
  const byRoot = new Map<string, Node[]>();
  for (const f of files) {
    if (f.framework !== 'django' || f.direction !== 'up') continue;
    const p = projectRoot(f.path);
    if (!p) continue;
    const name = f.path.slice(f.path.lastIndexOf('/') + 1).replace(/\.py$/, '');
    const node: Node = { file: f, app: p.app, name, deps: djangoDependencies(read(f.path) ?? '') };
    byRoot.set(p.root, [...(byRoot.get(p.root) ?? []), node]);
  }
  const cmp = (a: { app: string; name: string }, b: { app: string; name: string }) => (a.app < b.app ? -1 : a.app > b.app ? 1 : a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
  for (const [root, nodes] of byRoot) {
    nodes.sort(cmp);
    const byKey = new Map(nodes.map((n) => [`${n.app}/${n.name}`, n]));
    const resolve = (app: string, name: string): Node | undefined => {
      // Django's __first__ is the app's root node, __latest__ its leaf.
      if (name === '__first__') return nodes.find((n) => n.app === app && !n.deps.some(([a]) => a === app));
      if (name === '__latest__') return nodes.filter((n) => n.app === app && !nodes.some((o) => o.app === app && o.deps.some(([a, m]) => a === app && m === n.name))).pop();
      return byKey.get(`${app}/${name}`);
    };
    const done = new Set<Node>();
    let position = 0;
    const visit = (n: Node) => {
      if (done.has(n)) return;
      done.add(n);
      const deps = n.deps.map(([a, m]) => resolve(a, m)).filter((d): d is Node => !!d);
      for (const d of deps.sort(cmp)) visit(d);
      n.file.set = root;
      n.file.orderKey = makeOrderKey('up', String(position++).padStart(6, '0'));
    };
    for (const n of nodes) visit(n);
  }
}
