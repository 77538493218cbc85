#!/usr/bin/env node
import { readFileSync, statSync } from 'node:fs';
import module from 'node:module';
import v8 from 'node:v8';
// V8's compile cache (Node 22.1+): later runs skip compiling dbarch's modules. Older Node lacks it.
try {
  module.enableCompileCache?.();
} catch {
  // a read-only or missing cache directory only costs speed
}
// The parser's WASM stays on V8's baseline compiler (Liftoff): its optimising tier spends
// more CPU compiling the grammar's huge functions than it saves, on one file (0.2 s, 45 MB)
// and on a whole history alike (docs/benchmarks.md).
v8.setFlagsFromString('--liftoff-only');

/** dist/cli/ (a few files, see scripts/bundle-cli.mjs) when it was built after every module it holds. */
function bundleIsCurrent() {
  const dist = new URL('../dist/', import.meta.url);
  try {
    const list = new URL('cli/inputs.json', dist);
    const built = statSync(list).mtimeMs;
    const inputs = JSON.parse(readFileSync(list, 'utf8'));
    return inputs.length > 0 && inputs.every((p) => statSync(new URL(p, dist)).mtimeMs <= built);
  } catch {
    return false;
  }
}

const { main } = await import(bundleIsCurrent() ? '../dist/cli/main.js' : '../dist/src/cli/main.js');
main(process.argv.slice(2)).then((code) => { process.exitCode = code; }, (err) => {
  process.stderr.write(`dbarch: internal error: ${err?.stack ?? err}\n`);
  process.exitCode = 2;
});
