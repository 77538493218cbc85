import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadModule, parseSync } from 'libpg-query';
import { configSchema, type DbarchConfigInput } from '../../src/config/schema.js';
import { discover } from '../../src/migrations/index.js';
import type { DiscoveryResult } from '../../src/migrations/index.js';

export const PROJECTS = fileURLToPath(new URL('../../fixtures/projects/', import.meta.url));

export function walk(root: string, dir = root): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? walk(root, p) : [relative(root, p).split('\\').join('/')];
  });
}

export function fsReader(root: string): (path: string) => string | undefined {
  return (path) => {
    try {
      return readFileSync(join(root, path), 'utf8');
    } catch {
      return undefined;
    }
  };
}

export function project(name: string, config: DbarchConfigInput = {}): DiscoveryResult & { read: (p: string) => string } {
  const root = join(PROJECTS, name);
  const readFile = fsReader(root);
  const result = discover({ paths: walk(root), config: configSchema.parse(config), readFile });
  return { ...result, read: (p) => readFile(p)! };
}

export interface Located {
  line: number;
  column: number;
  offset: number;
  text: string;
}

let loaded: Promise<void> | undefined;
export function initPg(): Promise<void> {
  loaded ??= loadModule();
  return loaded;
}

/** Statements of `sql` as the real parser sees them: 1-based line, 1-based column, string offset. */
export function statements(sql: string): Located[] {
  const bytes = Buffer.from(sql, 'utf8');
  const result = parseSync(sql) as { stmts: { stmt_location?: number; stmt_len?: number }[] };
  return result.stmts.map((s) => {
    const start = s.stmt_location ?? 0;
    const end = s.stmt_len ? start + s.stmt_len : bytes.length;
    const offset = bytes.subarray(0, start).toString('utf8').length;
    const text = bytes.subarray(start, end).toString('utf8').trim();
    return { ...lineCol(sql, offset), offset, text };
  });
}

export function lineCol(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, offset);
  const line = before.split('\n').length;
  const column = [...before.slice(before.lastIndexOf('\n') + 1)].length + 1;
  return { line, column };
}

/** 1-based line/column of the first occurrence of `needle` in `text`. */
export function find(text: string, needle: string): { line: number; column: number; offset: number } {
  const offset = text.indexOf(needle);
  if (offset < 0) throw new Error(`not found: ${needle}`);
  return { ...lineCol(text, offset), offset };
}
