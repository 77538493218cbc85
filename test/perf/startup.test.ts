// A plain `dbarch lint` loads only what linting needs: the App, the agent, the trace, the
// queue and their heavy dependencies are loaded lazily, when used. This follows every static
// import from the CLI and from the analyzer (the CLI's one dynamic import on the lint path).
// zod too: without a config file there is nothing to validate.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '../..');

/** Static (load-time) imports of one module: `import type` and `import()` excluded. */
function staticImports(file: string): string[] {
  const src = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.ES2022, false);
  const out: string[] = [];
  for (const node of src.statements) {
    if ((ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier)) {
      if (ts.isImportDeclaration(node) && node.importClause?.isTypeOnly) continue;
      if (ts.isExportDeclaration(node) && node.isTypeOnly) continue;
      // `import { type A, type B } from` is erased too.
      const bindings = ts.isImportDeclaration(node) ? node.importClause?.namedBindings : undefined;
      if (ts.isImportDeclaration(node) && !node.importClause?.name && bindings && ts.isNamedImports(bindings) && bindings.elements.length > 0 && bindings.elements.every((e) => e.isTypeOnly)) continue;
      out.push(node.moduleSpecifier.text);
    }
  }
  return out;
}

/** Every module loaded with the entries: repo files relative to the root, packages by name. */
export function loadGraph(entries: string[]): Set<string> {
  const seen = new Set<string>();
  const stack = entries.map((e) => join(ROOT, e));
  while (stack.length) {
    const file = stack.pop()!;
    const rel = relative(ROOT, file);
    if (seen.has(rel)) continue;
    seen.add(rel);
    for (const spec of staticImports(file)) {
      if (spec.startsWith('node:')) continue;
      if (!spec.startsWith('.')) {
        seen.add(spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0]!);
        continue;
      }
      const target = resolve(dirname(file), spec).replace(/\.js$/, '.ts');
      if (existsSync(target)) stack.push(target);
    }
  }
  return seen;
}

const LAZY_DIRS = ['src/app/', 'src/agent/', 'src/trace/', 'src/prod/'];
const LAZY_FILES = ['src/engines/squawk.ts'];
const LAZY_PACKAGES = ['zod', 'probot', 'bullmq', 'ioredis', '@electric-sql/pglite', '@anthropic-ai/sdk', '@octokit/rest', 'pg', 'pino', 'yaml'];

describe('start-up of dbarch lint', () => {
  // The CLI loads the lint pipeline with import() once the command is `lint`: discovery, the
  // analyzer, the formatters (and the history walk for a traced file named alone).
  const graph = loadGraph(['src/cli/main.ts', 'src/analyze.ts', 'src/migrations/index.ts', 'src/report/index.ts', 'src/cli/history.ts']);

  it('loads none of the App, agent, trace, queue or squawk-adapter modules', () => {
    const loaded = [...graph];
    expect(loaded.filter((m) => LAZY_DIRS.some((d) => m.startsWith(d)) || LAZY_FILES.includes(m))).toEqual([]);
    expect(loaded.filter((m) => LAZY_PACKAGES.includes(m))).toEqual([]);
  });

  it('does load the linting pipeline (the walk sees through the imports)', () => {
    for (const m of ['src/sql/index.ts', 'src/pg/index.ts', 'src/rules/engine.ts', 'src/report/index.ts', 'libpg-query']) expect(graph.has(m)).toBe(true);
    // And it would notice a heavy module: the App server pulls Probot in.
    expect(loadGraph(['src/app/server.ts']).has('probot')).toBe(true);
  });
});

describe('start-up of dbarch --help and --version', () => {
  it('loads no part of the lint pipeline', () => {
    const graph = [...loadGraph(['src/cli/main.ts'])];
    expect(graph.filter((m) => /^src\/(sql|pg|rules|migrations|orm|engines|parallel)\//.test(m) || m === 'src/analyze.ts' || m === 'libpg-query')).toEqual([]);
    // Of the formatters, only the small shared helpers.
    expect(graph.filter((m) => m.startsWith('src/report/')).sort()).toEqual(['src/report/common.ts', 'src/report/formats.ts', 'src/report/version.ts']);
  });
});
