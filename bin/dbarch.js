#!/usr/bin/env node
import module from 'node:module';
// V8's compile cache (Node 22.1+): later runs skip compiling dbarch's modules. Older Node lacks it.
try {
  module.enableCompileCache?.();
} catch {
  // a read-only or missing cache directory only costs speed
}
const { main } = await import('../dist/src/cli/main.js');
main(process.argv.slice(2)).then((code) => { process.exitCode = code; }, (err) => {
  process.stderr.write(`dbarch: internal error: ${err?.stack ?? err}\n`);
  process.exitCode = 2;
});
