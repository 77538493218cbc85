// The trace needs the schema a migration runs on: for a file named alone on the command
// line, that is the earlier migrations of its directory, in the framework's apply order.
import { basename, dirname } from 'node:path';
import type { DbarchConfig } from '../config/schema.js';
import type { DiscoverInput, DiscoveryResult, MigrationFile } from '../migrations/types.js';

/** Files of per-migration directories (diesel `x/up.sql`, Prisma `x/migration.sql`, …). */
const PER_DIRECTORY = /^(up|down|migration|deploy|revert|verify)\.sql$/i;

/**
 * The directories whose files may be earlier migrations of `abs`: its own directory, and
 * the one above when each migration is a directory of its own.
 */
export function historyDirectories(abs: string): string[] {
  const dir = dirname(abs);
  return PER_DIRECTORY.test(basename(abs)) ? [dirname(dir)] : [dir];
}

/**
 * Migrations of the same set that come before any of `targets` in apply order (ups only),
 * found by discovering `siblings` together with the targets. Targets themselves and later
 * files are left out.
 */
export function earlierMigrations(
  targets: readonly string[],
  siblings: readonly string[],
  config: DbarchConfig,
  discover: (input: DiscoverInput) => DiscoveryResult,
  readFile: (path: string) => string | undefined,
): MigrationFile[] {
  const targetSet = new Set(targets);
  const found = discover({ paths: [...new Set([...siblings, ...targets])], config, readFile });
  const last = new Map<string, string>();
  for (const m of found.migrations)
    if (targetSet.has(m.path) && (last.get(m.set) ?? '') < m.orderKey) last.set(m.set, m.orderKey);
  return found.migrations
    .filter((m) => !targetSet.has(m.path) && m.kind === 'migration' && m.direction === 'up')
    .filter((m) => {
      const until = last.get(m.set);
      return until !== undefined && m.orderKey < until;
    })
    .sort((a, b) => (a.orderKey < b.orderKey ? -1 : a.orderKey > b.orderKey ? 1 : 0));
}
