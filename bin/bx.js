#!/usr/bin/env node
import module from 'node:module';
import v8 from 'node:v8';
// V8's compile cache (Node 22.1+): later runs skip compiling dbarch's modules. Older Node lacks it.
try {
  module.enableCompileCache?.();
} catch {
  // a read-only or missing cache directory only costs speed
}
// The parser's WASM stays on V8's baseline compiler (Liftoff): its optimising tier spends
// more CPU compiling the grammar's huge functions than it saves, on one file (0.2 s, 50 MB)
// and on a whole history alike (measured in docs/benchmarks.md).
v8.setFlagsFromString('--liftoff-only');
const { main } = await import('../dist/bx/main.js');
main(process.argv.slice(2)).then((code) => { process.exitCode = code; }, (err) => {
  process.stderr.write(`dbarch: internal error: ${err?.stack ?? err}\n`);
  process.exitCode = 2;
});
