// Without the model, the review is the analyzer's knowledge: every finding with its safe rewrite.
import type { Finding, Report } from '../types.js';
import { contentHash } from './cache.js';
import type { ArchitectFinding, ArchitectOutcome, ArchitectResult } from './types.js';
import { emptyUsage } from './types.js';

export function fallbackResult(report: Report): ArchitectResult {
  const findings: ArchitectFinding[] = [];
  for (const file of report.files) for (const f of file.findings) findings.push(fromFinding(file.path, f));
  findings.sort((a, b) => rank(b.severity) - rank(a.severity) || a.path.localeCompare(b.path) || a.line - b.line);
  const { errors, warnings, infos, files } = report.summary;
  const risk: ArchitectResult['risk'] = errors > 0 ? 'high' : warnings > 0 ? 'medium' : 'low';
  const summary =
    findings.length === 0
      ? `The analyzer found no hazard in ${files} migration file(s).`
      : `The analyzer found ${errors} error(s), ${warnings} warning(s) and ${infos} note(s) in ${files} migration file(s). Each finding below comes with its safe rewrite where one exists.`;
  // The 50-finding cap keeps the body postable; the check run lists them all.
  return { summary, risk, findings: findings.slice(0, 50), questions: [] };
}

/** Cut at a word boundary with an ellipsis. */
function shorten(text: string, max: number): string {
  if (text.length <= max) return text;
  const cut = text.slice(0, max - 1);
  const space = cut.lastIndexOf(' ');
  return `${space > max / 2 ? cut.slice(0, space) : cut}…`;
}

function rank(s: ArchitectFinding['severity']): number {
  return s === 'error' ? 3 : s === 'warning' ? 2 : 1;
}

function fromFinding(path: string, f: Finding): ArchitectFinding {
  const sql = f.fix ? (f.fix.outsideTransaction ? `-- run outside a transaction block\n${f.fix.sql}` : f.fix.sql) : undefined;
  return {
    path,
    line: Math.max(1, f.line),
    severity: f.severity,
    category: f.category ?? 'locking',
    title: shorten(`${f.rule}: ${f.message}`, 200),
    explanation: (f.help ?? f.message).slice(0, 4000) || f.rule,
    recommendation: (f.fix?.description ?? `See \`/dbarch explain ${f.rule}\` for the safe pattern.`).slice(0, 4000),
    ...(sql ? { sql: sql.slice(0, 8000) } : {}),
  };
}

export function fallbackOutcome(report: Report, reason: string, model: string, partial?: Pick<ArchitectOutcome, 'usage' | 'costUsd' | 'turns'>): ArchitectOutcome {
  return {
    source: 'fallback',
    result: fallbackResult(report),
    unavailableReason: reason,
    model,
    usage: partial?.usage ?? emptyUsage(),
    costUsd: partial?.costUsd ?? 0,
    turns: partial?.turns ?? 0,
    cacheKey: contentHash({ fallback: true, report }),
  };
}
