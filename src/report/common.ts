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

/** Notices that mean a file was not analysed at all: the report cannot vouch for it. */
export const UNANALYSED_RULES: ReadonlySet<string> = new Set(['file-too-large', 'unsupported-encoding']);

export interface Unanalysed {
  path: string;
  reason: string;
}

/** Files of the report dbarch could not analyse, with why (the message of the notice). */
export function unanalysedFiles(report: Report): Unanalysed[] {
  const out: Unanalysed[] = [];
  for (const file of report.files) {
    const f = file.findings.find((x) => UNANALYSED_RULES.has(x.rule));
    if (f) out.push({ path: file.path, reason: f.message.replace(/^File skipped: /, '').replace(/\.$/, '') });
  }
  return out;
}
