// Lazy tree-sitter loading: the runtime and each grammar are loaded the first time a file of
// that language is seen, so SQL-only repositories never pay for them.
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { Language, Parser, Tree } from 'web-tree-sitter';
import type { OrmLanguage } from './types.js';

const GRAMMAR: Partial<Record<OrmLanguage, string>> = {
  ruby: 'tree-sitter-ruby.wasm',
  elixir: 'tree-sitter-elixir.wasm',
  python: 'tree-sitter-python.wasm',
  javascript: 'tree-sitter-javascript.wasm',
  typescript: 'tree-sitter-typescript.wasm',
};

let runtime: Promise<typeof import('web-tree-sitter')> | undefined;
const loading = new Map<OrmLanguage, Promise<void>>();
const parsers = new Map<OrmLanguage, Parser>();
const failures = new Map<OrmLanguage, string>();

function grammarPath(file: string): string {
  const require = createRequire(import.meta.url);
  return join(dirname(require.resolve('tree-sitter-wasms/package.json')), 'out', file);
}

async function load(language: OrmLanguage): Promise<void> {
  const file = GRAMMAR[language];
  if (!file) {
    failures.set(language, `no grammar for ${language}`);
    return;
  }
  try {
    runtime ??= import('web-tree-sitter').then(async (m) => {
      await m.Parser.init();
      return m;
    });
    const m = await runtime;
    const lang: Language = await m.Language.load(grammarPath(file));
    const parser = new m.Parser();
    parser.setLanguage(lang);
    parsers.set(language, parser);
  } catch (err) {
    failures.set(language, err instanceof Error ? err.message || err.name : String(err));
  }
}

/** Loads the parsers of these languages (once each; concurrent calls share the work). */
export async function loadLanguages(languages: Iterable<OrmLanguage>): Promise<void> {
  const waits: Promise<void>[] = [];
  for (const language of new Set(languages)) {
    let p = loading.get(language);
    if (!p) {
      // One grammar at a time: two WASM modules linked into the runtime at once corrupt each other.
      p = queue = queue.then(() => load(language));
      loading.set(language, p);
    }
    waits.push(p);
  }
  await Promise.all(waits);
}

let queue: Promise<void> = Promise.resolve();

/** The syntax tree of `source`, or why there is none (grammar not loaded or failed to load). */
export function parseSource(language: OrmLanguage, source: string): { tree: Tree } | { error: string } {
  const parser = parsers.get(language);
  if (!parser) return { error: failures.get(language) ?? `the ${language} parser was not loaded` };
  const tree = parser.parse(source);
  if (!tree) return { error: `the ${language} parser returned no tree` };
  return { tree };
}

export function isLanguageLoaded(language: OrmLanguage): boolean {
  return parsers.has(language);
}
