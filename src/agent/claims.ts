// The model's claims checked against what dbarch knows: a lock mode or "no rewrite" that the
// trace (or, without it, the analyzer) contradicts is corrected in place, and the correction noted.
import { LOCK_MODES, type LockMode, type LockRef, type Report, type StatementReport } from '../types.js';
import type { ArchitectResult } from './types.js';

const rank = (m: LockMode): number => LOCK_MODES.indexOf(m);
const MODES = [...LOCK_MODES].sort((a, b) => b.length - a.length).join('|');
const ONLY_LOCK = new RegExp(String.raw`\b(only|just|merely)\s+(?:an?\s+)?(${MODES})(\s+lock)?`, 'gi');
const NO_REWRITE = /\b(?:without (?:a |any )?(?:table )?rewrite|no (?:table )?rewrite|does not rewrite|doesn't rewrite)\b/gi;

interface Facts {
  strongest?: LockRef;
  rewrote: string[];
  source: 'trace' | 'analyzer';
}

function factsAt(stmts: StatementReport[], line: number): Facts | undefined {
  const s = stmts.find((x) => line >= x.line && line <= x.endLine);
  if (!s) return undefined;
  const traced = s.trace && !s.trace.error ? s.trace : undefined;
  const locks = traced ? traced.locks : s.locks;
  const strongest = locks.reduce<LockRef | undefined>((a, l) => (!a || rank(l.mode) > rank(a.mode) ? l : a), undefined);
  const rewrote = traced ? traced.rewrote : s.rewritesTable ? s.locks.map((l) => l.relation).slice(0, 1) : [];
  return { strongest, rewrote, source: traced ? 'trace' : 'analyzer' };
}

export function checkClaims(result: ArchitectResult, report: Report): { result: ArchitectResult; corrections: string[] } {
  const corrections: string[] = [];
  const byPath = new Map(report.files.map((f) => [f.path, f.statements]));
  const findings = result.findings.map((f) => {
    const facts = factsAt(byPath.get(f.path) ?? [], f.line);
    if (!facts) return f;
    const fix = (text: string): string => {
      let out = text.replace(ONLY_LOCK, (whole, _only: string, mode: string, lock?: string) => {
        const claimed = mode.toUpperCase().replace(/\s+/g, ' ') as LockMode;
        const seen = facts.strongest;
        if (!seen || rank(seen.mode) <= rank(claimed)) return whole;
        corrections.push(`${f.path}:${f.line}: the model said "${whole.trim()}"; the ${facts.source} saw ${seen.mode} on ${seen.relation}`);
        return `${seen.mode}${lock ?? ''} (corrected by dbarch: the ${facts.source} saw ${seen.mode} on ${seen.relation})`;
      });
      if (facts.rewrote.length) {
        out = out.replace(NO_REWRITE, (whole) => {
          corrections.push(`${f.path}:${f.line}: the model said "${whole}"; the ${facts.source} saw a rewrite of ${facts.rewrote.join(', ')}`);
          return `with a table rewrite (corrected by dbarch: the ${facts.source} saw ${facts.rewrote.join(', ')} rewritten)`;
        });
      }
      return out;
    };
    return { ...f, title: fix(f.title), explanation: fix(f.explanation), recommendation: fix(f.recommendation) };
  });
  return { result: { ...result, findings, summary: result.summary }, corrections: [...new Set(corrections)] };
}

/** One line: what the review was verified against, and what could not be checked. */
export function verificationLine(report: Report): string {
  const all = report.files.flatMap((f) => f.statements);
  const traced = all.filter((s) => s.trace && !s.trace.error).length;
  const findings = report.files.reduce((n, f) => n + f.findings.length, 0);
  const against = [`analyzer findings (${findings})`];
  const missing: string[] = [];
  if (traced) against.push(`trace (${traced} of ${all.length} statement(s))`, 'schema at base (replayed)');
  else missing.push('the trace and the schema at base (trace not run)');
  if (traced && traced < all.length) missing.push(`${all.length - traced} untraced statement(s)`);
  missing.push('production data volumes and application code');
  return `Verified against: ${against.join(', ')}. Could not check: ${missing.join('; ')}.`;
}
