// Cache keys: what invalidates a file's cached report, and what does not.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { LintCache, cacheFilePath, fileKeys, globalKey, type CacheFile } from '../../src/cli/cache.js';
import { parseConfig } from '../../src/config/schema.js';
import { sortMigrations } from '../../src/migrations/index.js';
import type { MigrationFile } from '../../src/migrations/types.js';

const dir = mkdtempSync(join(tmpdir(), 'dbarch-cache-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function mig(path: string, set: string, orderKey: string): MigrationFile {
  return { path, framework: 'golang-migrate', direction: 'up', transaction: 'transaction', orderKey, set, language: 'sql', kind: 'migration' };
}

const base: CacheFile[] = [
  { path: 'a/2.up.sql', content: 'ALTER TABLE t ADD COLUMN b int;', migration: mig('a/2.up.sql', 'a', '2') },
  { path: 'a/1.up.sql', content: 'CREATE TABLE t (id int);', migration: mig('a/1.up.sql', 'a', '1') },
  { path: 'b/1.up.sql', content: 'CREATE TABLE u (id int);', migration: mig('b/1.up.sql', 'b', '1') },
  { path: 'loose.sql', content: 'DROP TABLE x;' },
];

describe('fileKeys', () => {
  const keys = fileKeys(base, [], sortMigrations);

  it('changes for the file itself and every later file of its set, never for earlier files or other sets', () => {
    const edited = base.map((f) => (f.path === 'a/1.up.sql' ? { ...f, content: 'CREATE TABLE t (id bigint);' } : f));
    const after = fileKeys(edited, [], sortMigrations);
    expect(after[1]).not.toBe(keys[1]); // the edited file
    expect(after[0]).not.toBe(keys[0]); // a/2 comes after a/1: its earlier context changed
    expect(after[2]).toBe(keys[2]);
    expect(after[3]).toBe(keys[3]);

    const laterEdited = base.map((f) => (f.path === 'a/2.up.sql' ? { ...f, content: 'SELECT 1;' } : f));
    expect(fileKeys(laterEdited, [], sortMigrations)[1]).toBe(keys[1]);
  });

  it('changes for every file when the history changes, and with discovery verdicts', () => {
    const withHistory = fileKeys(base, [{ path: 'a/0.up.sql', content: 'CREATE SCHEMA s;' }], sortMigrations);
    withHistory.forEach((k, i) => expect(k).not.toBe(keys[i]));
    const noTx = base.map((f) => (f.migration?.path === 'b/1.up.sql' ? { ...f, migration: { ...f.migration, transaction: 'none' as const } } : f));
    expect(fileKeys(noTx, [], sortMigrations)[2]).not.toBe(keys[2]);
  });

  it('does not depend on the order the files are given in', () => {
    const reordered = fileKeys([base[1]!, base[0]!, base[3]!, base[2]!], [], sortMigrations);
    expect(reordered).toEqual([keys[1], keys[0], keys[3], keys[2]]);
  });
});

describe('LintCache', () => {
  it('is dropped when the config or PostgreSQL version changes, and survives a corrupt file', () => {
    const file = join(dir, 'c.json');
    const config = parseConfig({});
    const cache = LintCache.open(file, config);
    cache.set('x.sql', 'k1', []);
    expect(cache.save()).toBeUndefined();
    expect(LintCache.open(file, config).get('x.sql', 'k1')).toEqual([]);
    expect(LintCache.open(file, config).get('x.sql', 'k2')).toBeUndefined();
    expect(LintCache.open(file, parseConfig({ pgVersion: 13 })).get('x.sql', 'k1')).toBeUndefined();
    expect(LintCache.open(file, parseConfig({ failOn: 'warning' })).get('x.sql', 'k1')).toBeUndefined();
    expect(globalKey(parseConfig({ engines: ['builtin'] }))).not.toBe(globalKey(config));
    writeFileSync(file, '{not json');
    expect(LintCache.open(file, config).get('x.sql', 'k1')).toBeUndefined();
  });

  it('places the cache file like ESLint: default name, or inside a given directory', () => {
    expect(cacheFilePath(undefined, '/repo')).toBe('/repo/.dbarchcache');
    expect(cacheFilePath('tmp/', '/repo')).toBe('/repo/tmp/.dbarchcache');
    expect(cacheFilePath(dir, '/repo')).toBe(join(dir, '.dbarchcache'));
    expect(cacheFilePath('c.json', '/repo')).toBe('/repo/c.json');
  });
});
