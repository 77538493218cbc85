// One finding per hazard: when squawk and a built-in rule flag the same thing on the
// same statement, keep the built-in one (it carries the fix) and name both engines.
import type { RuleMeta } from '../rules/types.js';
import { SEVERITY_RANK, type EngineName, type Finding } from '../types.js';

/** squawk id → built-in rule id, from each rule's `meta.squawk` list. */
export function squawkAliases(rules: readonly { meta: Pick<RuleMeta, 'id' | 'squawk'> }[]): (squawkId: string) => string | undefined {
  const map = new Map<string, string>();
  for (const r of rules) for (const id of r.meta.squawk ?? []) if (!map.has(id)) map.set(id, r.meta.id);
  return (squawkId) => map.get(squawkId);
}

export interface MergeOptions {
  /**
   * squawk ids whose hazard the built-in catalog judges itself (an alias or the same id).
   * A squawk finding on such a rule with no built-in twin is dropped: the built-in rule
   * looked at the same statement with more context (tables created earlier, lock_timeout,
   * config severity, ignore directives) and decided it is not a hazard there.
   */
  covered?: (squawkId: string) => boolean;
}

export function mergeFindings(
  builtin: Finding[],
  squawk: Finding[],
  ruleAliases: (squawkId: string) => string | undefined,
  opts: MergeOptions = {},
): Finding[] {
  const kept = builtin.map((f) => ({ ...f }));
  const byRule = new Map<string, Finding[]>();
  for (const f of kept) {
    const list = byRule.get(f.rule);
    if (list) list.push(f);
    else byRule.set(f.rule, [f]);
  }
  const extra: Finding[] = [];
  for (const s of squawk) {
    const alias = ruleAliases(s.rule);
    const twin =
      (alias !== undefined ? overlapping(byRule.get(alias), s) : undefined) ??
      (alias !== s.rule ? overlapping(byRule.get(s.rule), s) : undefined);
    if (twin) twin.engines = union(twin.engines ?? [twin.engine], s.engines ?? [s.engine]);
    else if (!opts.covered?.(s.rule)) extra.push(s);
  }
  return sortFindings([...kept, ...extra]);
}

/** `covered` for MergeOptions: squawk ids a catalog rule lists, or that are a catalog id. */
export function squawkCovered(rules: readonly { meta: Pick<RuleMeta, 'id' | 'squawk'> }[]): (squawkId: string) => boolean {
  const ids = new Set(rules.flatMap((r) => [r.meta.id, ...(r.meta.squawk ?? [])]));
  return (squawkId) => ids.has(squawkId);
}

function overlapping(candidates: Finding[] | undefined, s: Finding): Finding | undefined {
  if (!candidates) return undefined;
  for (const b of candidates) if (b.line <= s.endLine && s.line <= b.endLine) return b;
  return undefined;
}

const ENGINE_ORDER: EngineName[] = ['builtin', 'squawk', 'trace'];

function union(a: EngineName[], b: EngineName[]): EngineName[] {
  const set = new Set([...a, ...b]);
  return ENGINE_ORDER.filter((e) => set.has(e));
}

/** Source order; on the same spot, the most severe first, then by rule id. */
export function sortFindings(findings: Finding[]): Finding[] {
  return [...findings].sort(
    (a, b) =>
      a.line - b.line ||
      a.column - b.column ||
      SEVERITY_RANK[b.severity] - SEVERITY_RANK[a.severity] ||
      (a.rule < b.rule ? -1 : a.rule > b.rule ? 1 : 0) ||
      a.endLine - b.endLine ||
      a.endColumn - b.endColumn,
  );
}
