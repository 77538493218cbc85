import type { FileReport, Report } from '../types.js';

/** A report of the given files with their counts per severity. */
export function summarise(files: FileReport[]): Report {
  const summary = { files: files.length, statements: 0, errors: 0, warnings: 0, infos: 0 };
  for (const f of files) {
    summary.statements += f.statements.length;
    for (const finding of f.findings) {
      if (finding.severity === 'error') summary.errors++;
      else if (finding.severity === 'warning') summary.warnings++;
      else summary.infos++;
    }
  }
  const suppressed = files.reduce((n, f) => n + (f.suppressed?.length ?? 0), 0);
  return { files, summary: suppressed ? { ...summary, suppressed } : summary };
}
