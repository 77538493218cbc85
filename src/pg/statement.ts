// Statement-level questions the rules ask of the model: which statements must run outside a
// transaction block, and whether a lock mode stops application traffic.
import { scanTokens } from '../sql/index.js';
import type { LockMode, StatementFacts } from '../types.js';
import { blocksOf } from './locks.js';
import type { AnyNode } from './names.js';

/** CREATE/DROP INDEX CONCURRENTLY, REINDEX … CONCURRENTLY, DETACH PARTITION … CONCURRENTLY. */
export function concurrentKind(stmt: StatementFacts): string | undefined {
  const ast = stmt.stmt.ast as AnyNode | undefined;
  if (!ast) return undefined;
  if (ast.IndexStmt?.concurrent) return 'CREATE INDEX CONCURRENTLY';
  if (ast.DropStmt?.concurrent) return 'DROP INDEX CONCURRENTLY';
  if (((ast.ReindexStmt?.params ?? []) as AnyNode[]).some((p) => p.DefElem?.defname === 'concurrently')) return 'REINDEX CONCURRENTLY';
  const cmds = (ast.AlterTableStmt?.cmds ?? []) as AnyNode[];
  if (cmds.some((c) => c.AlterTableCmd?.subtype === 'AT_DetachPartition' && c.AlterTableCmd.def?.PartitionCmd?.concurrent)) {
    return 'DETACH PARTITION CONCURRENTLY';
  }
  return undefined;
}

/**
 * Statements PostgreSQL refuses inside a transaction block, other than the CONCURRENTLY
 * ones (VACUUM, CREATE DATABASE, REINDEX SCHEMA, ALTER TYPE … ADD VALUE before 12…): the
 * model's `transactional` fact, named by the statement's kind.
 */
export function nonTransactionalKind(stmt: StatementFacts): string | undefined {
  if (stmt.transactional || concurrentKind(stmt)) return undefined;
  const ast = stmt.stmt.ast as AnyNode | undefined;
  if (ast?.CreatedbStmt) return 'CREATE DATABASE';
  if (ast?.DropdbStmt) return 'DROP DATABASE';
  if (ast?.CreateTableSpaceStmt) return 'CREATE TABLESPACE';
  if (ast?.DropTableSpaceStmt) return 'DROP TABLESPACE';
  if (ast?.VacuumStmt) return 'VACUUM';
  if (ast?.AlterEnumStmt) return 'ALTER TYPE … ADD VALUE';
  const reindex = ast?.ReindexStmt?.kind as string | undefined;
  if (reindex) return `REINDEX ${reindex.replace('REINDEX_OBJECT_', '')}`;
  return stmt.kind;
}

/** Does holding `mode` block ordinary application reads or writes? */
export function blocksTraffic(mode: LockMode): boolean {
  const blocks = blocksOf(mode);
  return blocks.reads || blocks.writes;
}

/**
 * Identifiers of the statement as written, longer than PostgreSQL keeps (NAMEDATALEN - 1 =
 * 63 bytes): the AST already holds them truncated, so they are read from the scanner's tokens.
 */
export function longIdentifiers(stmt: StatementFacts): string[] {
  // Scanning every statement is costly; a text without a long enough run of identifier
  // characters (or a long quoted run) cannot hold one, so the scanner is skipped.
  if (!mayHoldLongIdentifier(stmt.stmt.text)) return [];
  const tokens = scanTokens(stmt.stmt.text) ?? [];
  const out = new Set<string>();
  for (const t of tokens) {
    if (t.name !== 'IDENT') continue;
    const name = t.text.startsWith('"') ? t.text.slice(1, -1).replace(/""/g, '"') : t.text;
    if (Buffer.byteLength(name, 'utf8') > 63) out.add(name);
  }
  return [...out];
}

/** Conservative: false only when no identifier in `text` can exceed 63 bytes. */
function mayHoldLongIdentifier(text: string): boolean {
  if (text.length < 16) return false;
  for (const m of text.matchAll(/[A-Za-z0-9_$\u0080-\uffff]{16,}|"(?:[^"]|""){16,}/g)) if (Buffer.byteLength(m[0], 'utf8') > 63) return true;
  return false;
}
