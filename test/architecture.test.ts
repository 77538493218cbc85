// The shape of the code base, checked on every run: no import cycles, core modules free of
// production singletons, the environment read only where the process starts.
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { findCycles, importGraph, importsOf } from '../scripts/import-cycles.js';

const root = join(import.meta.dirname, '..');
const src = join(root, 'src');

function sources(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    const full = join(dir, name);
    if (statSync(full).isDirectory()) sources(full, out);
    else if (name.endsWith('.ts')) out.push(relative(src, full));
  }
  return out.sort();
}

const graph = importGraph(src);

describe('import graph', () => {
  it('has no cycles in src/ (type-only and lazy imports included)', () => {
    expect(findCycles(graph)).toEqual([]);
  });

  it('the checker finds a cycle when there is one, through re-exports, types and import()', () => {
    expect(importsOf("import type { A } from './a.js';\nexport { b } from './b.js';\nconst c = await import('./c.js');\nimport x from 'node:fs';")).toEqual([
      './a.js',
      './b.js',
      './c.js',
    ]);
    const toy = new Map([
      ['a.ts', new Set(['b.ts'])],
      ['b.ts', new Set(['c.ts'])],
      ['c.ts', new Set(['a.ts'])],
      ['d.ts', new Set(['a.ts'])],
    ]);
    expect(findCycles(toy)).toEqual([['a.ts', 'b.ts', 'c.ts']]);
  });
});

describe('layers', () => {
  it('only src/prod imports the production metrics; the rest takes a Telemetry', () => {
    const importers = [...graph].filter(([from, to]) => !from.startsWith('prod/') && to.has('prod/metrics.ts')).map(([from]) => from);
    expect(importers).toEqual([]);
  });

  it('process.env is read only by the entry points', () => {
    // CLI, GitHub Action, App server (`npm start`), Probot's `probot run` entry, production main and worker.
    const entries = /^(cli\/|ci\/action\.ts$|prod\/main\.ts$|prod\/worker\.ts$|app\/server\.ts$|app\/index\.ts$)/;
    // squawk's child process inherits the environment (PATH, locale); no setting is read from it.
    const inherits = new Set(['engines/squawk.ts']);
    const readers = sources(src).filter((f) => !entries.test(f) && !inherits.has(f) && readFileSync(join(src, f), 'utf8').includes('process.env'));
    expect(readers).toEqual([]);
    // In app/index.ts, only the Probot entry function reads it.
    const app = readFileSync(join(src, 'app/index.ts'), 'utf8');
    expect(app.match(/process\.env/g)).toHaveLength(1);
    expect(app).toContain('createApp({ env: process.env })');
  });

  it("package.json's main is a module that the build produces", () => {
    const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { main: string };
    const source = pkg.main.replace(/^dist\//, '').replace(/\.js$/, '.ts');
    expect(existsSync(join(root, source)), source).toBe(true);
  });
});
