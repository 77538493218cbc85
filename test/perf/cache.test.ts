// Cache keys: what invalidates a file's cached report, and what does not.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
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

describe('files the migrations read', () => {
  it('a changed or removed file an earlier run read drops the cache; an unchanged one keeps it', () => {
    const file = join(dir, 'companions.cache');
    const config = parseConfig({});
    const files: Record<string, string> = { 'db/views/v_v01.sql': 'SELECT 1' };
    const read = (p: string) => files[p];
    const cache = LintCache.open(file, config, read);
    expect(cache.recording(read)('db/views/v_v01.sql')).toBe('SELECT 1');
    expect(cache.recording(read)('db/views/absent_v01.sql')).toBeUndefined();
    cache.set('db/migrate/1_v.rb', 'k', []);
    expect(cache.save()).toBeUndefined();
    expect(LintCache.open(file, config, read).get('db/migrate/1_v.rb', 'k')).toEqual([]);
    files['db/views/v_v01.sql'] = 'SELECT 2';
    expect(LintCache.open(file, config, read).get('db/migrate/1_v.rb', 'k')).toBeUndefined();
    files['db/views/v_v01.sql'] = 'SELECT 1';
    files['db/views/absent_v01.sql'] = 'SELECT 3'; // a file that was missing appears
    expect(LintCache.open(file, config, read).get('db/migrate/1_v.rb', 'k')).toBeUndefined();
  });

  it('dbarch lint --cache reviews a Rails migration again when only its Scenic view file changed', async () => {
    const { main } = await import('../../src/cli/main.js');
    const root = mkdtempSync(join(tmpdir(), 'dbarch-scenic-'));
    try {
      mkdirSync(join(root, 'db/migrate'), { recursive: true });
      mkdirSync(join(root, 'db/views'), { recursive: true });
      writeFileSync(
        join(root, 'db/migrate/20240601090000_create_active_users.rb'),
        'class CreateActiveUsers < ActiveRecord::Migration[7.1]\n  def change\n    create_view :active_users\n  end\nend\n',
      );
      const lint = async () => {
        let out = '';
        await main(['lint', '.', '--format', 'json', '--engines', 'builtin', '--cache'], { cwd: root, stdout: (s: string) => void (out += s), stderr: () => {} });
        const report = JSON.parse(out) as { files: { statements: { kind: string }[]; findings: { rule: string; message: string }[] }[] };
        return report.files.flatMap((f) => [...f.statements.map((s) => s.kind), ...f.findings.filter((x) => x.rule === 'orm-not-analysed').map((x) => x.message)]);
      };
      const missing = await lint();
      expect(missing.some((m) => m.includes('db/views/active_users_v01.sql'))).toBe(true);
      writeFileSync(join(root, 'db/views/active_users_v01.sql'), 'SELECT 1 AS id\n');
      expect(await lint()).toEqual(['CREATE VIEW']);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  }, 60_000);
});
