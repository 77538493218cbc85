// bin/dbarch.js runs the CLI bundle (dist/cli/, scripts/bundle-cli.mjs) while it is current, and
// the unbundled modules of dist/src/ once any of them is newer; both give the same report.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const repo = join(import.meta.dirname, '../..');
const built = existsSync(join(repo, 'dist/cli/inputs.json')) && existsSync(join(repo, 'dist/src/cli/main.js'));
const scratch = mkdtempSync(join(tmpdir(), 'dbarch-bundle-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

// A loader hook that lists every module the process loads.
const hooks = join(scratch, 'hooks.mjs');
writeFileSync(
  hooks,
  "import { appendFileSync } from 'node:fs';\nexport async function load(url, context, next) { appendFileSync(process.env.DBARCH_TEST_MODULES, url + '\\n'); return next(url, context); }\n",
);
const register = join(scratch, 'register.mjs');
writeFileSync(register, `import { register } from 'node:module';\nregister(${JSON.stringify(pathToFileURL(hooks).href)});\n`);

const ARGS = ['lint', '--format', 'json', '--engines', 'builtin', 'fixtures/examples', 'fixtures/projects/diesel'];

function run(args: string[], name: string): { status: number | null; stdout: string; modules: string[] } {
  const list = join(scratch, name);
  const r = spawnSync(process.execPath, ['--import', register, join(repo, 'bin/dbarch.js'), ...args], {
    cwd: repo,
    encoding: 'utf8',
    timeout: 120_000,
    env: { ...process.env, DBARCH_TEST_MODULES: list },
  });
  const modules = existsSync(list) ? readFileSync(list, 'utf8').trim().split('\n') : [];
  return { status: r.status, stdout: r.stdout, modules: modules.filter((u) => u.startsWith(pathToFileURL(join(repo, 'dist')).href)).map((u) => u.slice(pathToFileURL(repo).href.length + 1)) };
}

describe.skipIf(!built)('the CLI bundle (needs `npm run build`)', () => {
  it('is what bin/dbarch.js loads while current: a few files instead of the ~130 modules', () => {
    const r = run(['lint', '--format', 'json', 'fixtures/examples/000003_index_orders_status.up.sql'], 'one.txt');
    expect(r.status).toBe(1);
    expect(r.modules).toContain('dist/cli/main.js');
    expect(r.modules.filter((m) => m.startsWith('dist/src/'))).toEqual([]);
    expect(r.modules.length).toBeLessThan(40);
  });

  it('gives way to dist/src/ when a module is newer, with the same report', () => {
    const bundled = run(ARGS, 'bundled.txt');
    expect(bundled.modules).toContain('dist/cli/main.js');
    const touched = join(repo, 'dist/src/types.js');
    const { atime, mtime } = statSync(touched);
    utimesSync(touched, atime, new Date(Date.now() + 60_000));
    let plain: ReturnType<typeof run>;
    try {
      plain = run(ARGS, 'plain.txt');
    } finally {
      utimesSync(touched, atime, mtime);
    }
    expect(plain.modules).toContain('dist/src/cli/main.js');
    expect(plain.modules.filter((m) => m.startsWith('dist/cli/'))).toEqual([]);
    expect(JSON.parse(bundled.stdout).summary.errors).toBeGreaterThan(5);
    expect(bundled.stdout).toBe(plain.stdout);
    expect(bundled.status).toBe(plain.status);
  }, 180_000);

  it('writes a warm --cache JSON report to its stdout byte for byte as an uncached run', () => {
    const cache = join(scratch, 'lint.cache');
    const plain = run(ARGS, 'p.txt');
    const cold = run([...ARGS, '--cache', '--cache-location', cache], 'c.txt');
    const warm = run([...ARGS, '--cache', '--cache-location', cache], 'w.txt');
    expect(existsSync(cache)).toBe(true);
    expect(cold.stdout).toBe(plain.stdout);
    expect(warm.stdout).toBe(plain.stdout);
    expect(warm.status).toBe(plain.status);
    // Nothing was analysed: the analyzer and the parser were not even loaded.
    const analyzer = (m: string) => /\/(analyze|sql)-[A-Z0-9]+\.js$/.test(m);
    expect(plain.modules.some(analyzer)).toBe(true);
    expect(warm.modules.some(analyzer)).toBe(false);
  }, 180_000);
});
