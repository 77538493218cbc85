// Build step: a freshly initialised PGlite data directory, dumped once, so a trace boots from
// it instead of running initdb (most of a cold start). Run by `npm run build` / `prepare`.
// A failure here never fails the build: the trace then makes the snapshot on first use.
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { gzipSync } from 'node:zlib';
import { buildSnapshotPath } from '../src/trace/replay.js';
import { PgliteWorker } from '../src/trace/worker.js';

async function main(): Promise<void> {
  const file = buildSnapshotPath();
  const t0 = performance.now();
  const w = await PgliteWorker.start({ memoryMb: 256 });
  try {
    // gzip: the package stays small; a trace unpacks it once per process, beside its parse
    const dump = gzipSync(await w.dump(120_000), { level: 9 });
    mkdirSync(dirname(file), { recursive: true });
    const tmp = `${file}.tmp-${process.pid}`;
    writeFileSync(tmp, dump);
    renameSync(tmp, file);
    console.error(`pglite-snapshot: ${file} (${Math.round(dump.byteLength / 1024)} KiB, ${Math.round(performance.now() - t0)} ms)`);
  } finally {
    await w.close();
  }
}

main().catch((err) => {
  console.error(`pglite-snapshot: skipped (${(err as Error).message}); the trace will initialise PGlite on first use`);
});
