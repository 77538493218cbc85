// GitHub Actions workflow commands (`::error file=…,line=…::`): annotations without any
// API access, which is what a fork's read-only token leaves.
import type { Report, Severity } from '../types.js';

const COMMAND: Record<Severity, 'error' | 'warning' | 'notice'> = { error: 'error', warning: 'warning', info: 'notice' };

/** Data escaping of the runner's command parser (`%`, CR, LF). */
export function escapeData(s: string): string {
  return s.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}

/** Property escaping additionally covers `:` and `,`, which delimit properties. */
export function escapeProperty(s: string): string {
  return escapeData(s).replace(/:/g, '%3A').replace(/,/g, '%2C');
}

export function formatGithub(report: Report): string {
  const out: string[] = [];
  for (const file of report.files) {
    for (const f of file.findings) {
      const props = [`file=${escapeProperty(file.path)}`, `line=${Math.max(1, f.line)}`, `endLine=${Math.max(f.line, f.endLine, 1)}`];
      // The runner accepts columns on single-line annotations only.
      if (f.line === f.endLine && f.endColumn > f.column) props.push(`col=${f.column}`, `endColumn=${f.endColumn}`);
      props.push(`title=${escapeProperty(`dbarch ${f.rule}`)}`);
      const fix = f.fix ? `\n\nSafe rewrite: ${f.fix.description}\n${f.fix.sql}` : '';
      out.push(`::${COMMAND[f.severity]} ${props.join(',')}::${escapeData(`${f.message}${fix}`)}`);
    }
  }
  return out.length ? `${out.join('\n')}\n` : '';
}
