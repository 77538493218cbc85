export { describeLoose, discover, normalizePath } from './discover.js';
export { extractSql, sqlUnits, findSqlCalls } from './extract.js';
export { sortMigrations, naturalKey, flywayVersionKey } from './order.js';
export { changedSince, repoRoot, splitByChanged } from './git.js';
export { parseSqitchPlan } from './sqitch.js';
export type { DiscoverInput, DiscoveryResult, MigrationFile, MigrationKind, MigrationLanguage, SqlUnit } from './types.js';
