import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configSchema } from '../../src/config/schema.js';
import { changedSince, discover, splitByChanged } from '../../src/migrations/index.js';
import { fsReader } from './helpers.js';

let hasGit = true;
try {
  execFileSync('git', ['--version'], { stdio: 'ignore' });
} catch {
  hasGit = false;
  console.warn('git test skipped: git not installed');
}

describe.skipIf(!hasGit)('changedSince', () => {
  let repo: string;
  const git = (...args: string[]) =>
    execFileSync('git', ['-c', 'user.email=t@example.com', '-c', 'user.name=t', '-c', 'commit.gpgsign=false', ...args], { cwd: repo, stdio: 'pipe' });
  const write = (path: string, text: string) => {
    mkdirSync(dirname(join(repo, path)), { recursive: true });
    writeFileSync(join(repo, path), text);
  };

  beforeAll(() => {
    repo = mkdtempSync(join(tmpdir(), 'dbarch-git-'));
    git('init', '-q', '-b', 'main');
    write('db/migrations/1_a.up.sql', 'CREATE TABLE a (id int);\n');
    write('db/migrations/2_b.up.sql', 'CREATE TABLE b (id int);\n');
    write('db/migrations/3_c.up.sql', 'CREATE TABLE c (id int);\n');
    write('README.md', 'x\n');
    git('add', '.');
    git('commit', '-q', '-m', 'base');
    git('checkout', '-q', '-b', 'feature');
    write('db/migrations/4_d.up.sql', 'CREATE TABLE d (id int);\n');
    write('db/migrations/3_c.up.sql', 'CREATE TABLE c (id bigint);\n');
    git('add', '.');
    git('commit', '-q', '-m', 'feature');
    git('rm', '-q', 'README.md');
    git('commit', '-q', '-m', 'rm');
    write('db/migrations/5_e.up.sql', 'CREATE TABLE e (id int);\n'); // untracked
    // main moves on after the branch point: not part of the branch's changes
    git('checkout', '-q', 'main');
    write('db/migrations/9_main_only.up.sql', 'SELECT 1;\n');
    git('add', 'db/migrations/9_main_only.up.sql');
    git('commit', '-q', '-m', 'main');
    git('checkout', '-q', 'feature');
  });
  afterAll(() => rmSync(repo, { recursive: true, force: true }));

  it('lists added/modified files since the merge base plus untracked ones, not deletions', () => {
    expect(changedSince('main', repo)).toEqual(['db/migrations/3_c.up.sql', 'db/migrations/4_d.up.sql', 'db/migrations/5_e.up.sql']);
  });

  it('gives paths relative to the repository root when run from a subdirectory', () => {
    expect(changedSince('main', join(repo, 'db'))).toEqual(['db/migrations/3_c.up.sql', 'db/migrations/4_d.up.sql', 'db/migrations/5_e.up.sql']);
  });

  it('feeds --since: targets are the changed migrations, history the earlier ones', () => {
    const paths = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard'], { cwd: repo, encoding: 'utf8' }).split('\n').filter(Boolean);
    const { migrations } = discover({ paths, config: configSchema.parse({}), readFile: fsReader(repo) });
    const { targets, history } = splitByChanged(migrations, changedSince('main', repo));
    expect(targets.map((t) => t.path)).toEqual(['db/migrations/3_c.up.sql', 'db/migrations/4_d.up.sql', 'db/migrations/5_e.up.sql']);
    expect(history.map((t) => t.path)).toEqual(['db/migrations/1_a.up.sql', 'db/migrations/2_b.up.sql']);
  });

  it('throws on an unknown ref', () => {
    expect(() => changedSince('no-such-ref', repo)).toThrow();
  });
});
