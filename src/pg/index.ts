// The lock and transaction model.
export { conflicts, strongest, blocksOf, blocksOfAll, mergeLocks, lockRank, lockModeFromNumber } from './locks.js';
export { describeStatement, type DescribeContext } from './describe.js';
export {
  buildFacts,
  searchPathChange,
  parseSearchPath,
  timeoutsBefore,
  type BuildFactsOptions,
  type TimeoutState,
} from './transaction.js';
export { Catalog, type CatalogView, type ConstraintInfo } from './catalog.js';
export { typeChangeRewrites } from './typechange.js';
export {
  qualifyName,
  qualifyList,
  relationName,
  currentSchema,
  typeNameToString,
  typeBase,
  isVolatileDefault,
  stringList,
  readRangeVars,
  readRelations,
  walk,
  SERIAL_TYPES,
  DEFAULT_SEARCH_PATH,
  withLookup,
  type SearchPath,
  type AnyNode,
} from './names.js';

import type { Node } from '@pgsql/types';
import type { ParsedFile } from '../types.js';
import { Catalog } from './catalog.js';
import { searchPathChange } from './transaction.js';
import { DEFAULT_SEARCH_PATH, withLookup } from './names.js';

/**
 * A catalog of the schema built by earlier migrations (oldest first), for
 * `buildFacts(parsed, { …, catalog })`; with `catalog`, the files are added to it.
 */
export function catalogFromHistory(files: readonly ParsedFile[], catalog: Catalog = new Catalog()): Catalog {
  for (const file of files) {
    let path: string[] = [...DEFAULT_SEARCH_PATH];
    const known = (relation: string) => catalog.isKnown(relation);
    for (const stmt of file.statements) {
      if (!stmt.ast || stmt.error) continue;
      catalog.observe(stmt.ast as Node, withLookup(path, known));
      const change = searchPathChange(stmt.ast);
      if (change && !change.local) path = change.path;
    }
  }
  return catalog;
}
