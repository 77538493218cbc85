// Builds the command line's module bundle: `npm run build` writes dist/cli/ from tsc's output.
// Loading ~130 small modules cost a one-file lint about a fifth of its CPU (resolving, reading
// and compiling each); the bundle is a few files. Code loaded with import() stays in chunks of
// its own (the App, the agent, the trace, squawk's adapter), so a plain lint still loads only
// what it needs. bin/dbarch.js uses the bundle only while no module of dist/ is newer than it
// (a bare `tsc` leaves it stale), else dist/src/ as before.
import { mkdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const OUT_DIR = join(ROOT, 'dist', 'cli');

export async function bundleCli() {
  rmSync(OUT_DIR, { recursive: true, force: true });
  const result = await build({
    absWorkingDir: ROOT,
    entryPoints: ['dist/src/cli/main.js'],
    outdir: OUT_DIR,
    bundle: true,
    splitting: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    // Packages load from node_modules as they do unbundled (libpg-query finds its .wasm itself).
    packages: 'external',
    metafile: true,
    logLevel: 'warning',
  });
  // The modules the bundle was made from: bin/dbarch.js checks none is newer than this list.
  const inputs = Object.keys(result.metafile.inputs).map((p) => relative(join(ROOT, 'dist'), join(ROOT, p)));
  mkdirSync(OUT_DIR, { recursive: true });
  writeFileSync(join(OUT_DIR, 'inputs.json'), `${JSON.stringify(inputs)}\n`);
  return { inputs, outputs: Object.keys(result.metafile.outputs).length };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const { inputs, outputs } = await bundleCli();
  statSync(join(OUT_DIR, 'main.js'));
  process.stdout.write(`dist/cli: ${inputs.length} modules in ${outputs} files\n`);
}
