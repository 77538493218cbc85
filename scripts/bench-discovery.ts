// Discovery + SQL extraction throughput: the corpus (../shared/corpus or $DBARCH_CORPUS), the
// embedded-SQL fixtures (Ruby/Python/JS/TS, repeated), and path-only discovery over a large
// checkout listing. Files are read into memory first; times are the median of several runs.
// Run: node dist/scripts/bench.js discovery   or   node dist/scripts/bench-discovery.js
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { configSchema } from '../src/config/schema.js';
import { discover, extractSql } from '../src/migrations/index.js';

const here = dirname(fileURLToPath(import.meta.url));
const RUNS = 5;

function firstExisting(candidates: (string | undefined)[], marker: string): string | undefined {
  return candidates.find((d): d is string => !!d && existsSync(join(d, marker)));
}

function corpusDir(): string | undefined {
  return firstExisting(
    [process.env.DBARCH_CORPUS, resolve(here, '..', '..', '..', 'shared', 'corpus'), resolve(here, '..', '..', 'shared', 'corpus'), resolve(process.cwd(), '..', 'shared', 'corpus')],
    'MANIFEST.tsv',
  );
}

function projectsDir(): string | undefined {
  return firstExisting([resolve(here, '..', '..', 'fixtures', 'projects'), resolve(here, '..', 'fixtures', 'projects')], 'monorepo');
}

function walk(root: string, dir = root, skip = new Set<string>()): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    if (e.isDirectory()) return skip.has(e.name) ? [] : walk(root, p, skip);
    return e.isFile() ? [relative(root, p).split('\\').join('/')] : [];
  });
}

interface Loaded {
  name: string;
  paths: string[];
  contents: Map<string, string>;
}

function load(root: string): Loaded {
  const paths = walk(root);
  return { name: root, paths, contents: new Map(paths.map((p) => [p, readFileSync(join(root, p), 'utf8')])) };
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

function time(fn: () => void): number {
  const runs: number[] = [];
  for (let r = 0; r < RUNS; r++) {
    const t0 = process.hrtime.bigint();
    fn();
    runs.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  return median(runs);
}

const config = configSchema.parse({});
const musicbrainz = configSchema.parse({ migrations: [{ name: 'updates', include: ['admin/sql/updates/**/*.sql'] }] });

function discoverAndExtract(projects: Loaded[]): { files: number; migrations: number; bytes: number; sqlChars: number } {
  let files = 0;
  let migrations = 0;
  let bytes = 0;
  let sqlChars = 0;
  for (const p of projects) {
    const result = discover({ paths: p.paths, config: p.name.endsWith('musicbrainz') ? musicbrainz : config, readFile: (path) => p.contents.get(path) });
    files += p.paths.length;
    for (const m of result.migrations) {
      const content = p.contents.get(m.path)!;
      const { up, down } = extractSql(m, content);
      migrations++;
      bytes += content.length;
      sqlChars += up.length + (down?.length ?? 0);
    }
  }
  return { files, migrations, bytes, sqlChars };
}

const fmt = (n: number) => Math.round(n).toLocaleString('en-US');

export async function run(): Promise<string> {
  const lines = ['## Discovery', '', `Last run: ${new Date().toISOString().slice(0, 10)}. Median of ${RUNS} runs, contents already in memory, one core.`, ''];
  lines.push('| input | files | migrations | time (ms) | files/s | MB/s |', '|---|---:|---:|---:|---:|---:|');
  const heapBefore = process.memoryUsage().heapUsed;

  const corpus = corpusDir();
  if (corpus) {
    const projects = readdirSync(corpus)
      .filter((d) => existsSync(join(corpus, 'order', `${d}.tsv`)) && statSync(join(corpus, d)).isDirectory())
      .map((d) => load(join(corpus, d)));
    let stats = discoverAndExtract(projects);
    const ms = time(() => (stats = discoverAndExtract(projects)));
    lines.push(`| corpus, discover + extract (${projects.length} projects) | ${fmt(stats.files)} | ${fmt(stats.migrations)} | ${ms.toFixed(1)} | ${fmt((stats.files / ms) * 1000)} | ${((stats.bytes / 1e6 / ms) * 1000).toFixed(1)} |`);
  } else {
    lines.push('| corpus | – | – | skipped: corpus not found (set DBARCH_CORPUS) | – | – |');
  }

  const fixtures = projectsDir();
  if (fixtures) {
    // Embedded SQL: every non-SQL fixture migration, repeated to get measurable work.
    const all = load(fixtures);
    const found = discover({ paths: all.paths, config, readFile: (p) => all.contents.get(p) });
    const embedded = found.migrations.filter((m) => m.language !== 'sql');
    const REPEAT = 200;
    let bytes = 0;
    const ms = time(() => {
      bytes = 0;
      for (let r = 0; r < REPEAT; r++) {
        for (const m of embedded) {
          const content = all.contents.get(m.path)!;
          extractSql(m, content);
          bytes += content.length;
        }
      }
    });
    const n = embedded.length * REPEAT;
    lines.push(`| embedded SQL extraction (Ruby/Python/JS/TS fixtures ×${REPEAT}) | ${fmt(n)} | ${fmt(n)} | ${ms.toFixed(1)} | ${fmt((n / ms) * 1000)} | ${((bytes / 1e6 / ms) * 1000).toFixed(1)} |`);
  }

  // A whole checkout, paths only: the current directory's files (node_modules included) as noise.
  const base = process.env.DBARCH_CHECKOUT ?? process.cwd();
  const checkout = walk(base, base, new Set(['.git', 'dist']));
  let migrations = 0;
  const ms = time(() => {
    migrations = discover({ paths: checkout, config, readFile: () => undefined }).migrations.length;
  });
  lines.push(`| path-only discovery over a checkout listing (cwd incl. node_modules) | ${fmt(checkout.length)} | ${fmt(migrations)} | ${ms.toFixed(1)} | ${fmt((checkout.length / ms) * 1000)} | – |`);

  const heapAfter = process.memoryUsage().heapUsed;
  lines.push('', `Heap growth over the whole run: ${((heapAfter - heapBefore) / 2 ** 20).toFixed(0)} MiB (includes the file contents held in memory); RSS ${(process.memoryUsage().rss / 2 ** 20).toFixed(0)} MiB.`);
  return lines.join('\n') + '\n';
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  run().then((md) => process.stdout.write(md));
}
