import type { Node } from '@pgsql/types';
import { loadModule, parseSync } from 'libpg-query';
import { Catalog } from '../../src/pg/catalog.js';
import { describeStatement } from '../../src/pg/describe.js';
import { searchPathChange } from '../../src/pg/transaction.js';
import type { LockMode, StatementEffect } from '../../src/types.js';

export interface LockCase {
  name: string;
  setup: string;
  sql: string;
  expected: Record<string, LockMode>;
  rewrites: string[];
  transactional: boolean;
}

let loaded = false;
export async function loadParser(): Promise<void> {
  if (!loaded) await loadModule();
  loaded = true;
}

/** AST nodes of every statement in `sql` (libpg-query directly, no positions needed). */
export function asts(sql: string): Node[] {
  if (!sql.trim()) return [];
  return (parseSync(sql) as { stmts: { stmt: Node }[] }).stmts.map((s) => s.stmt);
}

export function ast(sql: string): Node {
  const all = asts(sql);
  if (all.length !== 1) throw new Error(`expected one statement, got ${all.length}`);
  return all[0]!;
}

export function describe1(sql: string, opts: { pgVersion?: number; searchPath?: string[]; catalog?: Catalog } = {}): StatementEffect {
  return describeStatement(ast(sql), {
    searchPath: opts.searchPath ?? ['public'],
    pgVersion: opts.pgVersion ?? 15,
    catalog: opts.catalog,
  });
}

/** A catalog of what `setup` creates, as the history would provide it. */
export function catalogOf(setup: string): Catalog {
  const catalog = new Catalog();
  let path = ['public'];
  for (const node of asts(setup)) {
    catalog.observe(node, path);
    const change = searchPathChange(node);
    if (change) path = change.path;
  }
  return catalog;
}

/** Locks of an effect as `{ relation: mode }`, leaving out indexes and sequences the catalog knows. */
export function tableLocks(effect: StatementEffect, catalog?: Catalog): Record<string, LockMode> {
  const out: Record<string, LockMode> = {};
  for (const l of effect.locks) {
    if (catalog && (catalog.tableOfIndex(l.relation) || catalog.isSequence(l.relation))) continue;
    out[l.relation] = l.mode;
  }
  return out;
}
