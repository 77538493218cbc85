// The committed action is what `npm run bundle` builds from the sources today.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
// @ts-expect-error plain ESM script without type declarations
import { assets, buildOptions, OUT_DIR, OUT_FILE, ROOT, sha256 } from '../../scripts/bundle-action.mjs';

describe('dist-action', () => {
  it('index.mjs is the current bundle of src/ci/action.ts (run `npm run bundle` and commit dist-action/)', async () => {
    const result = await build({ ...buildOptions(), write: false });
    const built = result.outputFiles.find((f) => f.path === OUT_FILE);
    expect(built, 'esbuild produced the bundle').toBeDefined();
    const committed = readFileSync(OUT_FILE);
    // Compare hashes first: a diff of 1.8 MB of minified code is not a useful failure message.
    expect(sha256(OUT_FILE), 'dist-action/index.mjs is stale: run `npm run bundle`').toBe(
      (await import('node:crypto')).createHash('sha256').update(built!.contents).digest('hex'),
    );
    expect(committed.length).toBeLessThan(4 * 1024 * 1024);
  });

  it('ships the parser WASM and PGlite unchanged beside the bundle', () => {
    const list: [string, string][] = assets();
    expect(list.map(([, dest]) => dest)).toEqual(expect.arrayContaining(['libpg-query.wasm', 'node_modules/@electric-sql/pglite/dist/pglite.wasm', 'node_modules/@electric-sql/pglite/dist/pglite.data']));
    for (const [src, dest] of list) expect(sha256(join(OUT_DIR, dest)), dest).toBe(sha256(src));
  });

  it('action.yml runs the bundle on node24 with the documented inputs', () => {
    const action = parse(readFileSync(join(ROOT, 'action.yml'), 'utf8'));
    expect(action.runs).toEqual({ using: 'node24', main: 'dist-action/index.mjs' });
    expect(Object.keys(action.inputs)).toEqual(['github-token', 'config', 'fail-on', 'pg-version', 'trace', 'anthropic-api-key', 'paths', 'sarif-file']);
    expect(action.inputs['github-token'].default).toBe('${{ github.token }}');
    for (const [name, input] of Object.entries<any>(action.inputs)) expect(input.required, name).toBe(false);
  });
});
