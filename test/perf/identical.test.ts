// The report does not depend on how it was computed: worker threads and the --cache give
// byte-identical JSON to a single-threaded, uncached run.
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { lastParallelRun } from '../../src/parallel/pool.js';

const FIXTURES = join(import.meta.dirname, '../../fixtures');
let root: string;

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'dbarch-identical-'));
  cpSync(FIXTURES, join(root, 'fixtures'), { recursive: true });
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

// The plain-SQL projects: units translated from an ORM keep their source maps on the main thread.
const PLAIN = ['examples', 'sql', 'dbmate', 'diesel', 'flyway', 'generic', 'golang-migrate', 'prisma'];

async function lint(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const paths = PLAIN.map((p) => (p === 'examples' || p === 'sql' ? `fixtures/${p}` : `fixtures/projects/${p}`));
  const code = await main(['lint', '--format', 'json', ...args, ...paths], {
    cwd: root,
    stdout: (t) => void (out += t),
    stderr: (t) => void (err += t),
  });
  return { code, out, err };
}

describe('same findings however they are computed', () => {
  it('worker threads give the single-threaded report, in file order', async () => {
    const single = await lint('--concurrency', 'off');
    const report = JSON.parse(single.out) as { files: unknown[]; summary: { files: number; errors: number } };
    // The fixtures are a real mix: many files, with findings, so a reordering would show.
    expect(report.summary.files).toBeGreaterThan(20);
    expect(report.summary.errors).toBeGreaterThan(10);
    const parallel = await lint('--concurrency', '2');
    expect(parallel.code).toBe(single.code);
    expect(parallel.out).toBe(single.out);
    // A thread was started (on this small input the main thread may finish first; the
    // test below makes the worker do every chunk).
    expect(lastParallelRun.workers).toBe(1);
  }, 180_000);

  it('--cache gives the uncached report when cold, when warm, and after a file changes', async () => {
    const cacheFile = join(root, 'cache', 'lint.json');
    const plain = await lint();
    const cold = await lint('--cache', '--cache-location', cacheFile);
    expect(existsSync(cacheFile)).toBe(true);
    expect(cold.out).toBe(plain.out);
    const warm = await lint('--cache', '--cache-location', cacheFile);
    expect(warm.out).toBe(plain.out);
    expect(warm.err).toBe(plain.err);

    // A changed file is analysed again; its neighbours come from the cache.
    const file = join(root, 'fixtures/examples/000003_index_orders_status.up.sql');
    const before = readFileSync(file, 'utf8');
    writeFileSync(file, `${before}\nALTER TABLE users ADD COLUMN flag boolean NOT NULL;\n`);
    try {
      const changedPlain = await lint();
      expect(changedPlain.out).not.toBe(plain.out);
      const changedCached = await lint('--cache', '--cache-location', cacheFile);
      expect(changedCached.out).toBe(changedPlain.out);
    } finally {
      writeFileSync(file, before);
    }
    const again = await lint('--cache', '--cache-location', cacheFile);
    expect(again.out).toBe(plain.out);
  });
});

describe('lint workers', () => {
  it('lint every unit in worker threads exactly as the main thread does', async () => {
    const { analysisUnits, lintUnit } = await import('../../src/analyze.js');
    const { parseConfig } = await import('../../src/config/schema.js');
    const { initParser } = await import('../../src/sql/index.js');
    const { lintInParallel } = await import('../../src/parallel/pool.js');
    const { readdirSync } = await import('node:fs');
    await initParser();
    const dir = join(FIXTURES, 'examples');
    const files = readdirSync(dir).filter((f) => f.endsWith('.sql')).map((f) => ({ path: `examples/${f}`, content: readFileSync(join(dir, f)) }));
    const config = parseConfig({});
    const units = analysisUnits(files, config);
    const here = units.map((u) => {
      const r = lintUnit(u, config);
      return { findings: r.findings, suppressed: r.suppressed, statements: r.statements };
    });
    const threaded = await lintInParallel(
      units,
      config,
      () => (_prelude, chunk) =>
        chunk.map((u) => {
          const r = lintUnit(u, config);
          return { findings: r.findings, suppressed: r.suppressed, statements: r.statements };
        }),
      1,
      undefined,
      false,
    );
    expect(lastParallelRun.chunksInWorkers).toBe(lastParallelRun.chunks);
    expect(threaded).toEqual(here);
  }, 180_000);
});

describe('options', () => {
  it('rejects a bad --concurrency with a usage error naming the value', async () => {
    let err = '';
    const code = await main(['lint', '--concurrency', 'many', 'fixtures'], { cwd: root, stdout: () => undefined, stderr: (t) => void (err += t) });
    expect(code).toBe(2);
    expect(err).toBe("dbarch: invalid --concurrency 'many': expected auto, off or a number of threads\n");
  });

  it('reports a cache it cannot write on stderr and still prints the report', async () => {
    const blocker = join(root, 'not-a-dir');
    writeFileSync(blocker, 'x');
    const plain = await lint();
    const run = await lint('--cache', '--cache-location', join(blocker, 'sub', 'cache.json'));
    expect(run.out).toBe(plain.out);
    expect(run.code).toBe(plain.code);
    expect(run.err).toContain('dbarch: could not write the cache');
  });
});
