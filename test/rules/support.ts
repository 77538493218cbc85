// Test helpers for the rule catalog: lint one rule in isolation and apply fixes.
import { configSchema, type DbarchConfig, type DbarchConfigInput } from '../../src/config/schema.js';
import { lintSql } from '../../src/rules/engine.js';
import type { Rule } from '../../src/rules/types.js';
import type { Finding, TransactionMode } from '../../src/types.js';

/** Config with `rule` at its defaults, switched on (as warning) when it is off by default. */
export function configFor(rule: Rule, extra: DbarchConfigInput = {}): DbarchConfig {
  const on = rule.meta.defaultSeverity === 'off' ? { [rule.meta.id]: 'warning' as const } : {};
  return configSchema.parse({ ...extra, rules: { ...on, ...(extra.rules ?? {}) } });
}

export interface RunOptions {
  transaction?: TransactionMode;
  pgVersion?: number;
  config?: DbarchConfigInput;
  direction?: 'up' | 'down';
  /** SQL of earlier migrations (an example's `schema`). */
  history?: string;
}

/** Findings of `rule` alone on `sql`. */
export function runRule(rule: Rule, sql: string, opts: RunOptions = {}): Finding[] {
  return lintSql(sql, {
    config: configFor(rule, opts.config),
    rules: [rule],
    transaction: opts.transaction ?? 'transaction',
    ...(opts.pgVersion ? { pgVersion: opts.pgVersion } : {}),
    ...(opts.direction ? { direction: opts.direction } : {}),
    ...(opts.history ? { history: opts.history } : {}),
  }).filter((f) => f.rule === rule.meta.id);
}

/** Apply the fixes that replace statements (last first, so offsets stay valid). */
export function applyFixes(sql: string, findings: Finding[]): string {
  const fixes = findings
    .map((f) => f.fix)
    .filter((f): f is NonNullable<Finding['fix']> => !!f?.replaces)
    .sort((a, b) => b.replaces!.offset - a.replaces!.offset);
  let out = sql;
  for (const fix of fixes) {
    const r = fix.replaces!;
    let end = r.endOffset;
    // The statement span excludes the `;`: the fix SQL brings its own.
    if (out[end] === ';') end++;
    out = out.slice(0, r.offset) + fix.sql + out.slice(end);
  }
  return out;
}
