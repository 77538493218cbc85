// The report formatters: one entry per `--format`.
import type { Report } from '../types.js';
import type { Format } from './formats.js';
import { formatJson } from './json.js';
import { formatMarkdown, type MarkdownOptions } from './markdown.js';
import { formatSarif, type SarifOptions } from './sarif.js';
import { formatText } from './text.js';
import { formatGithub } from './github.js';
import { formatJunit, type JunitOptions } from './junit.js';
import { formatCodeQuality } from './gitlab.js';

export { FORMATS, type Format } from './formats.js';

export interface FormatOptions {
  color?: boolean;
  sources?: Map<string, string>;
  markdown?: MarkdownOptions;
  sarif?: SarifOptions;
  junit?: JunitOptions;
}

export function formatReport(format: Format, report: Report, opts: FormatOptions = {}): string {
  switch (format) {
    case 'text':
      return formatText(report, { color: opts.color, sources: opts.sources ?? new Map() });
    case 'json':
      return formatJson(report);
    case 'sarif':
      return formatSarif(report, opts.sarif);
    case 'markdown':
      return formatMarkdown(report, opts.markdown);
    case 'github':
      return formatGithub(report);
    case 'junit':
      return formatJunit(report, opts.junit);
    case 'gitlab':
      return formatCodeQuality(report);
  }
}

export { formatJson, toJsonReport, writeJson } from './json.js';
export { formatMarkdown, renderLockTable, truncateMarkdown, SUMMARY_MARKER, GITHUB_TEXT_LIMIT } from './markdown.js';
export type { MarkdownOptions, LockTableOptions } from './markdown.js';
export { formatSarif, toSarif } from './sarif.js';
export type { SarifOptions } from './sarif.js';
export { formatText, codeFrame } from './text.js';
export type { TextOptions } from './text.js';
export { formatGithub } from './github.js';
export { formatJunit } from './junit.js';
export type { JunitOptions } from './junit.js';
export { formatCodeQuality, toCodeQuality } from './gitlab.js';
export type { CodeQualityIssue } from './gitlab.js';
export { reportFails, countsText, blocksText, unanalysedFiles, UNANALYSED_RULES } from './common.js';
export type { Unanalysed } from './common.js';
