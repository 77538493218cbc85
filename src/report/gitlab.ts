// GitLab Code Quality report (the subset of the Code Climate spec GitLab reads):
// https://docs.gitlab.com/ci/testing/code_quality/#code-quality-report-format
import { createHash } from 'node:crypto';
import type { Report, Severity } from '../types.js';

export type CodeQualitySeverity = 'info' | 'minor' | 'major' | 'critical' | 'blocker';

export interface CodeQualityIssue {
  description: string;
  check_name: string;
  fingerprint: string;
  severity: CodeQualitySeverity;
  location: { path: string; lines: { begin: number; end?: number } };
}

// An error blocks reads or writes on a live table or fails the migration: the widget's "critical".
const SEVERITY: Record<Severity, CodeQualitySeverity> = { error: 'critical', warning: 'major', info: 'info' };

export function toCodeQuality(report: Report): CodeQualityIssue[] {
  const seen = new Map<string, number>();
  const out: CodeQualityIssue[] = [];
  for (const file of report.files) {
    for (const f of file.findings) {
      // GitLab shows one issue per fingerprint: the same rule twice in a file needs two. Lines are left
      // out so an edit above a finding does not make it look new; the occurrence count tells them apart.
      const key = `${file.path}\0${f.rule}\0${f.message}`;
      const n = (seen.get(key) ?? 0) + 1;
      seen.set(key, n);
      const begin = Math.max(1, f.line);
      const end = Math.max(begin, f.endLine);
      out.push({
        description: f.fix ? `${f.message} Safe rewrite: ${f.fix.description}` : f.message,
        check_name: `dbarch/${f.rule}`,
        fingerprint: createHash('sha256').update(`${key}\0${n}`).digest('hex').slice(0, 32),
        severity: SEVERITY[f.severity],
        location: { path: file.path, lines: end > begin ? { begin, end } : { begin } },
      });
    }
  }
  return out;
}

export function formatCodeQuality(report: Report): string {
  return `${JSON.stringify(toCodeQuality(report), null, 2)}\n`;
}
