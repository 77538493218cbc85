import { execFileSync } from 'node:child_process';
import { normalizePath } from './discover.js';
import { sortMigrations } from './order.js';
import type { MigrationFile } from './types.js';

function git(args: string[], cwd: string): string[] {
  const out = execFileSync('git', args, { cwd, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, stdio: ['ignore', 'pipe', 'pipe'] });
  return out.split('\n').filter((line) => line !== '');
}

/**
 * Files added, modified or renamed since the merge base of `ref` and HEAD, plus the working
 * tree's uncommitted and untracked files (what `dbarch lint --since` lints). Paths are
 * relative to the repository root. Throws if `ref` is unknown or `cwd` is not a repository.
 */
export function changedSince(ref: string, cwd: string): string[] {
  const committed = git(['diff', '--name-only', '--diff-filter=AMR', '-z', `${ref}...HEAD`], cwd);
  const working = git(['diff', '--name-only', '--diff-filter=AMR', '-z', 'HEAD'], cwd);
  const untracked = git(['ls-files', '--others', '--exclude-standard', '--full-name', '-z'], cwd);
  const all = [...committed, ...working, ...untracked].flatMap((chunk) => chunk.split('\0')).filter(Boolean);
  return [...new Set(all.map(normalizePath))].sort();
}

/** The repository root of `cwd` (changedSince paths are relative to it). */
export function repoRoot(cwd: string): string {
  return git(['rev-parse', '--show-toplevel'], cwd)[0] ?? cwd;
}

/**
 * Split discovered migrations into the changed ones (targets) and their history: the
 * forward migrations of the same sets that apply before the first target of that set, in
 * apply order. A set with only rollback targets gets the forward migrations up to the
 * newest version rolled back.
 */
export function splitByChanged(all: readonly MigrationFile[], changed: readonly string[]): { targets: MigrationFile[]; history: MigrationFile[] } {
  const changedSet = new Set(changed.map(normalizePath));
  const sorted = sortMigrations(all);
  const targets = sorted.filter((f) => changedSet.has(f.path));
  const history: MigrationFile[] = [];
  const sets = new Set(targets.map((t) => t.set));
  for (const set of sets) {
    const inSet = sorted.filter((f) => f.set === set);
    const setTargets = targets.filter((t) => t.set === set);
    const ups = inSet.filter((f) => f.direction === 'up' && f.kind === 'migration');
    const firstUpTarget = ups.findIndex((f) => changedSet.has(f.path));
    if (firstUpTarget >= 0) {
      history.push(...ups.slice(0, firstUpTarget));
      continue;
    }
    // Only rollbacks changed: replay every forward migration they could undo.
    const versions = new Set(setTargets.map((t) => t.version).filter((v): v is string => v !== undefined));
    let last = -1;
    ups.forEach((f, i) => {
      if (f.version !== undefined && versions.has(f.version)) last = i;
    });
    history.push(...(last >= 0 ? ups.slice(0, last + 1) : ups));
  }
  return { targets, history };
}
