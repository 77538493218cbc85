// Small helpers shared by the formatters.
import { SEVERITY_RANK, type Blocks, type Finding, type Report, type Severity } from '../types.js';

export function blocksText(blocks: Blocks): string {
  const parts = [blocks.reads && 'reads', blocks.writes && 'writes', blocks.ddl && 'DDL'].filter(Boolean);
  return parts.length ? parts.join(', ') : 'nothing';
}

export function plural(n: number, word: string): string {
  return `${n.toLocaleString('en-US')} ${word}${n === 1 ? '' : 's'}`;
}

export function countsText(report: Report): string {
  const s = report.summary;
  return `${plural(s.errors, 'error')}, ${plural(s.warnings, 'warning')}, ${plural(s.infos, 'info')}`;
}

/** Split like the parser counts lines: CRLF, LF and a lone CR. */
export function splitLines(source: string): string[] {
  return source.split(/\r\n|\n|\r/);
}

export function atLeast(f: Finding, threshold: Severity): boolean {
  return SEVERITY_RANK[f.severity] >= SEVERITY_RANK[threshold];
}

/** Does any finding of the report reach the threshold? (the CLI's and the check's verdict) */
export function reportFails(report: Report, threshold: Severity): boolean {
  return report.files.some((file) => file.findings.some((f) => atLeast(f, threshold)));
}
