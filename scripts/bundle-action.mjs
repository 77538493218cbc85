// Builds the GitHub Action: `npm run bundle` writes dist-action/ (committed, so a workflow
// runs it without `npm install`). The same options are used by the test that checks the
// committed bundle is current, so keep this file free of anything time- or machine-dependent.
import { createHash } from 'node:crypto';
import { copyFileSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
export const OUT_DIR = join(ROOT, 'dist-action');
export const OUT_FILE = join(OUT_DIR, 'index.mjs');

// Emscripten's libpg-query locates its .wasm through __dirname; ESM has none, so the bundle
// defines it (the .wasm is copied beside the bundle). CommonJS dependencies need `require`.
const BANNER = [
  "import { createRequire as __dbarchCreateRequire } from 'node:module';",
  "import { fileURLToPath as __dbarchFileURLToPath } from 'node:url';",
  "import { dirname as __dbarchDirname } from 'node:path';",
  'const require = __dbarchCreateRequire(import.meta.url);',
  'const __filename = __dbarchFileURLToPath(import.meta.url);',
  'const __dirname = __dbarchDirname(__filename);',
].join('\n');

/** esbuild options: one ESM file for node; PGlite stays external (it runs in a worker from its own files). */
export function buildOptions() {
  return {
    absWorkingDir: ROOT,
    entryPoints: ['src/ci/action.ts'],
    outfile: OUT_FILE,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    minify: true,
    legalComments: 'none',
    charset: 'utf8',
    banner: { js: BANNER },
    // web-tree-sitter loads its .wasm and the grammars from its own files (ORM migrations).
    external: ['@electric-sql/pglite', '@electric-sql/pglite/*', 'web-tree-sitter'],
    logLevel: 'warning',
  };
}

const PGLITE = join(ROOT, 'node_modules/@electric-sql/pglite');

/** Files copied unchanged beside the bundle: [source, destination relative to dist-action]. */
export function assets() {
  const out = [[join(ROOT, 'node_modules/libpg-query/wasm/libpg-query.wasm'), 'libpg-query.wasm']];
  out.push([join(PGLITE, 'package.json'), 'node_modules/@electric-sql/pglite/package.json']);
  out.push([join(PGLITE, 'LICENSE'), 'node_modules/@electric-sql/pglite/LICENSE']);
  const walk = (dir) => {
    for (const name of readdirSync(dir).sort()) {
      const abs = join(dir, name);
      if (statSync(abs).isDirectory()) walk(abs);
      // Runtime files only: no source maps or type declarations (the CommonJS entry stays: require.resolve finds the package by it).
      else if (!/\.(map|d\.ts|d\.cts)$/.test(name)) out.push([abs, join('node_modules/@electric-sql/pglite', relative(PGLITE, abs))]);
    }
  };
  walk(join(PGLITE, 'dist'));
  // ORM migrations: the tree-sitter runtime and the grammars dbarch translates (Rails, Ecto, Django and
  // Alembic, Knex and Sequelize in JavaScript or TypeScript).
  for (const f of ['package.json', 'LICENSE', 'tree-sitter.js', 'tree-sitter.wasm']) out.push([join(ROOT, 'node_modules/web-tree-sitter', f), `node_modules/web-tree-sitter/${f}`]);
  const grammars = ['ruby', 'elixir', 'python', 'javascript', 'typescript'].map((g) => `out/tree-sitter-${g}.wasm`);
  for (const f of ['package.json', ...grammars]) out.push([join(ROOT, 'node_modules/tree-sitter-wasms', f), `node_modules/tree-sitter-wasms/${f}`]);
  return out.filter(([src]) => {
    try {
      return statSync(src).isFile();
    } catch {
      return false;
    }
  });
}

export function sha256(path) {
  return createHash('sha256').update(readFileSync(path)).digest('hex');
}

async function main() {
  const { build } = await import('esbuild');
  rmSync(OUT_DIR, { recursive: true, force: true });
  mkdirSync(OUT_DIR, { recursive: true });
  await build(buildOptions());
  for (const [src, dest] of assets()) {
    mkdirSync(dirname(join(OUT_DIR, dest)), { recursive: true });
    copyFileSync(src, join(OUT_DIR, dest));
  }
  const size = statSync(OUT_FILE).size;
  process.stdout.write(`dist-action/index.mjs: ${(size / 1024).toFixed(0)} KiB; ${assets().length} asset(s) copied\n`);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) await main();
