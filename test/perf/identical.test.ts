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
  // A Liquibase formatted SQL changelog is translated like an ORM's migrations, not plain SQL.
  rmSync(join(root, 'fixtures/sql/templates/liquibase.sql'));
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

// The plain-SQL projects: units translated from an ORM keep their source maps on the main thread.
const PLAIN = ['examples', 'sql', 'dbmate', 'diesel', 'flyway', 'generic', 'golang-migrate', 'prisma', 'schema-chain'];

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

    // An unchanged file whose earlier file changed is analysed again, on the new schema.
    const first = join(root, 'fixtures/projects/schema-chain/db/migrations/000001_accounts.up.sql');
    const original = readFileSync(first, 'utf8');
    writeFileSync(first, original.replace('nid uuid', 'nid text'));
    try {
      const changedPlain = await lint();
      const later = (out: string) =>
        (JSON.parse(out) as { files: { path: string; findings: { line: number; rule: string; severity: string }[] }[] }).files
          .find((f) => f.path.endsWith('000002_nid_uuid.up.sql'))!
          .findings.filter((f) => f.severity === 'error')
          .map((f) => `${f.line} ${f.rule}`);
      expect(later(plain.out)).toEqual([]);
      expect(later(changedPlain.out)).toEqual(['1 changing-column-type']);
      const changedCached = await lint('--cache', '--cache-location', cacheFile);
      expect(changedCached.out).toBe(changedPlain.out);
    } finally {
      writeFileSync(first, original);
    }
    expect((await lint('--cache', '--cache-location', cacheFile)).out).toBe(plain.out);

    // A changed file after cached ones still runs on the schema they build.
    const second = join(root, 'fixtures/projects/schema-chain/db/migrations/000002_nid_uuid.up.sql');
    const secondText = readFileSync(second, 'utf8');
    writeFileSync(second, `${secondText}-- reviewed\n`);
    try {
      const edited = await lint();
      expect(edited.out).toContain('000002_nid_uuid.up.sql');
      const editedCached = await lint('--cache', '--cache-location', cacheFile);
      expect(editedCached.out).toBe(edited.out);
    } finally {
      writeFileSync(second, secondText);
    }
  });
});

describe('--cache in every output', () => {
  it('gives the uncached report in the other formats, to a file, and from a cache file cut short', async () => {
    const cacheFile = join(root, 'cache-formats', 'lint.cache');
    for (const format of ['text', 'sarif', 'github', 'junit']) {
      const plain = await lint('--format', format, '--no-color');
      expect(plain.out.length).toBeGreaterThan(1000);
      for (const run of ['cold', 'warm']) {
        const cached = await lint('--format', format, '--no-color', '--cache', '--cache-location', cacheFile);
        expect({ format, run, out: cached.out, err: cached.err, code: cached.code }).toEqual({ format, run, out: plain.out, err: plain.err, code: plain.code });
      }
    }
    const plain = await lint();
    const output = join(root, 'report.json');
    const warm = await lint('--cache', '--cache-location', cacheFile, '--output', output);
    expect(warm.out).toBe('');
    expect(readFileSync(output, 'utf8')).toBe(plain.out);
    expect(warm.code).toBe(plain.code);

    // A cache file cut short (a full disk, a killed run) is an empty cache, and is written again.
    const whole = readFileSync(cacheFile);
    writeFileSync(cacheFile, whole.subarray(0, whole.length >> 1));
    const again = await lint('--cache', '--cache-location', cacheFile);
    expect(again.out).toBe(plain.out);
    expect(readFileSync(cacheFile).equals(whole)).toBe(true);
  }, 180_000);
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

describe('lint workers on a history whose schema matters', () => {
  it('each worker rebuilds the schema of the units before its chunks: the same findings as one thread', async () => {
    const { analysisUnits, historyCatalog, LintLane, schemaOrder, SchemaChain, lintUnit } = await import('../../src/analyze.js');
    const { parseConfig } = await import('../../src/config/schema.js');
    const { initParser } = await import('../../src/sql/index.js');
    const { lintInParallel } = await import('../../src/parallel/pool.js');
    await initParser();
    const config = parseConfig({ engines: ['builtin'] });
    const dir = join(FIXTURES, 'projects/schema-chain/db/migrations');
    const names = ['000001_accounts.up.sql', '000002_nid_uuid.up.sql', '000003_name_varchar.up.sql', '000004_invoices.up.sql', '000005_invoices_fk.up.sql'];
    const file = (n: string) => ({ path: `db/migrations/${n}`, content: readFileSync(join(dir, n)), change: 'pr' });
    // the first file is history; the others one change (its new tables are new to later files)
    const history = analysisUnits([file(names[0]!)], config);
    const units = analysisUnits(names.slice(1).map(file), config);
    const catalog = historyCatalog(history, config);
    const order = schemaOrder(units);
    const ordered = order.map((i) => units[i]!);
    const chain = new SchemaChain(config, catalog);
    const here = ordered.map((u) => {
      const r = lintUnit(u, config, chain.before(u));
      chain.after(u, r.analyzed.parsed);
      return { findings: r.findings, suppressed: r.suppressed, statements: r.statements };
    });
    const errors = here.map((r) => r.findings.filter((f) => f.severity === 'error').map((f) => `${f.line} ${f.rule}`));
    // 000002: already uuid; 000003: a rewrite; 000005: invoices is new in this change
    expect(errors).toEqual([[], ['1 changing-column-type'], [], []]);
    const newLane = () => {
      const lane = new LintLane(config, catalog);
      return (prelude: typeof ordered, chunk: typeof ordered) => lane.run(prelude, chunk);
    };
    const threaded = await lintInParallel(ordered, config, newLane, 1, undefined, false, history);
    expect(lastParallelRun.chunksInWorkers).toBe(lastParallelRun.chunks);
    expect(lastParallelRun.chunks).toBeGreaterThan(1);
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
