// Pure rendering of a Report into what the App writes: check output, annotations,
// the summary comment and the inline review comments.
import type { Finding, Report, Severity } from '../types.js';
import { SEVERITY_RANK } from '../types.js';
import type { Hunk } from '../report/patch.js';
import { hunkContaining } from '../report/patch.js';
import { SUMMARY_MARKER, formatMarkdown, renderLockTable, truncateMarkdown } from '../report/markdown.js';
import type { Unanalysed } from '../report/common.js';
import { unanalysedFiles } from '../report/common.js';
import { codeSpan, escapeMarkdown, neutralizeMarkdown } from '../report/escape.js';

/** GitHub's limit for check output fields and comment bodies. */
export const MAX_FIELD = 65_535;
export const MAX_ANNOTATIONS_PER_REQUEST = 50;
/** Each batch of 50 is one paced request; beyond this the most severe are kept. */
export const MAX_ANNOTATIONS = 500;
export { SUMMARY_MARKER };
export const FINDING_MARKER = '<!-- dbarch:finding -->';

export type AnnotationLevel = 'failure' | 'warning' | 'notice';

export interface CheckAnnotation {
  path: string;
  start_line: number;
  end_line: number;
  start_column?: number;
  end_column?: number;
  annotation_level: AnnotationLevel;
  message: string;
  title: string;
  raw_details?: string;
}

export interface CheckOutput {
  title: string;
  summary: string;
  text?: string;
}

export interface ReviewComment {
  path: string;
  line: number;
  side: 'RIGHT';
  start_line?: number;
  start_side?: 'RIGHT';
  body: string;
}

/** Facts about the PR that the rendering mentions. */
export interface RenderNotes {
  /** GitHub lists at most 3,000 files of a PR. */
  fileListTruncated?: boolean;
  /** Context that was left out (e.g. trace history over its cap), with why: the review itself is complete. */
  skipped?: { path: string; reason: string }[];
  /** Migrations the review could not read (not fetched, not found): the verdict cannot vouch for them. */
  unanalysed?: Unanalysed[];
  /** Migration files deleted by the PR. */
  removed?: string[];
  /** Annotations left out over the cap (the summary comment still lists every finding). */
  annotationsOmitted?: number;
  /** Why the architect (AI) review did not run and how to turn it on; said once, in the summary comment. */
  architectOff?: string;
}

const LEVEL: Record<Severity, AnnotationLevel> = { error: 'failure', warning: 'warning', info: 'notice' };

export function truncate(text: string, max = MAX_FIELD): string {
  return truncateMarkdown(text, max, `_…truncated: GitHub allows ${max.toLocaleString('en-US')} characters here. Run \`npx dbarch lint\` for the full report._`);
}

export function allFindings(report: Report): { path: string; finding: Finding }[] {
  return report.files.flatMap((f) => f.findings.map((finding) => ({ path: f.path, finding })));
}

export function countsLine(report: Report): string {
  const { errors, warnings, infos } = report.summary;
  const parts = [plural(errors, 'error'), plural(warnings, 'warning'), plural(infos, 'notice')];
  return parts.join(', ');
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/** Everything the review could not look at: files the App could not read, files analyze() skipped, a cut file list. */
export function incompleteParts(report: Report, notes: RenderNotes = {}): { files: Unanalysed[]; truncated: boolean } {
  return { files: [...(notes.unanalysed ?? []), ...unanalysedFiles(report)], truncated: !!notes.fileListTruncated };
}

export function isIncomplete(report: Report, notes: RenderNotes = {}): boolean {
  const p = incompleteParts(report, notes);
  return p.truncated || p.files.length > 0;
}

/** The check title when something was not analysed: the reason first, then the counts. */
export function incompleteTitle(report: Report, notes: RenderNotes = {}): string {
  const { files, truncated } = incompleteParts(report, notes);
  const parts: string[] = [];
  if (truncated) parts.push('GitHub listed only the first 3,000 changed files');
  if (files.length === 1) parts.push(`${files[0]!.path}: ${files[0]!.reason}`);
  else if (files.length > 1) parts.push(`${files.length} files not analysed (${[...new Set(files.map((f) => f.reason.replace(/\s*\(.*\)$/, '')))].join('; ')})`);
  const { errors, warnings, infos } = report.summary;
  const counts = errors + warnings + infos > 0 ? ` · ${checkTitle(report)}` : '';
  const title = `Incomplete review: ${parts.join('; ')}`;
  return `${title.length > 200 ? `${title.slice(0, 199)}…` : title}${counts}`;
}

export function checkTitle(report: Report): string {
  const { errors, warnings, infos, files, suppressed } = report.summary;
  const scope = `in ${plural(files, 'migration file')}`;
  // Ignore directives must not turn a check green silently.
  const silenced = suppressed ? ` (${suppressed} suppressed by ignore directives)` : '';
  if (errors + warnings + infos === 0) return `No hazards found ${scope}${silenced}`;
  const parts = [];
  if (errors) parts.push(plural(errors, 'error'));
  if (warnings) parts.push(plural(warnings, 'warning'));
  if (infos) parts.push(plural(infos, 'notice'));
  return `${parts.join(', ')} ${scope}${silenced}`;
}

function notesMarkdown(notes: RenderNotes, report?: Report): string[] {
  const out: string[] = [];
  const { files } = report ? incompleteParts(report, notes) : { files: notes.unanalysed ?? [] };
  if (notes.fileListTruncated || files.length) {
    const lines = ['> [!CAUTION]', '> **Incomplete review**: dbarch could not analyse everything, so this check cannot vouch for it.'];
    if (notes.fileListTruncated) lines.push('> - This pull request changes more than 3,000 files; GitHub lists only the first 3,000, so later files were not reviewed.');
    for (const f of files.slice(0, 50)) lines.push(`> - ${codeSpan(f.path)}: ${escapeMarkdown(f.reason)}`);
    if (files.length > 50) lines.push(`> - …and ${files.length - 50} more`);
    lines.push('>', '> Review these by hand; a maintainer can then release the check with `/dbarch approve <reason>`.');
    out.push(lines.join('\n'));
  }
  if (notes.annotationsOmitted) {
    out.push(`${plural(notes.annotationsOmitted, 'lower-severity finding')} not annotated (at most ${MAX_ANNOTATIONS} annotations per check); the summary comment lists them.`);
  }
  if (notes.removed?.length) out.push(`Deleted migrations (not analysed): ${notes.removed.map((p) => codeSpan(p)).join(', ')}`);
  if (notes.skipped?.length) {
    out.push(`Skipped: ${notes.skipped.map((s) => `${codeSpan(s.path)} (${escapeMarkdown(s.reason)})`).join(', ')}`);
  }
  return out;
}

export function buildCheckOutput(report: Report, notes: RenderNotes = {}): CheckOutput {
  const summary = [
    `**${countsLine(report)}** in ${plural(report.summary.files, 'migration file')} (${plural(report.summary.statements, 'statement')}).` +
      (report.summary.suppressed ? ` ${plural(report.summary.suppressed, 'finding')} suppressed by ignore directives (listed in the details).` : ''),
    ...notesMarkdown(notes, report),
    '### Locks',
    renderLockTable(report) || '_No table locks taken._',
  ].join('\n\n');
  return {
    title: isIncomplete(report, notes) ? incompleteTitle(report, notes) : checkTitle(report),
    summary: truncate(summary),
    text: formatMarkdown(report, { maxLength: MAX_FIELD, incomplete: isIncomplete(report, notes) }),
  };
}

/** The summary comment: the report's markdown (with the hidden marker) plus what the App noticed. */
export function buildCommentBody(report: Report, notes: RenderNotes = {}): string {
  const extra = notesMarkdown(notes, report);
  if (notes.architectOff) extra.push(notes.architectOff);
  return formatMarkdown(report, { maxLength: MAX_FIELD, footer: extra.length ? extra.join('\n\n') : undefined, incomplete: isIncomplete(report, notes) });
}

export function buildNoMigrationsCommentBody(headSha: string, notes: RenderNotes = {}): string {
  return [
    SUMMARY_MARKER,
    `## dbarch`,
    `As of ${headSha.slice(0, 7)} this pull request no longer changes any migration files, so there is nothing to review.`,
    ...notesMarkdown(notes),
  ].join('\n\n');
}

function severityIcon(s: Severity): string {
  return s === 'error' ? '🛑' : s === 'warning' ? '⚠️' : 'ℹ️';
}

function fence(sql: string, lang = 'sql'): string {
  const longest = Math.max(2, ...[...sql.matchAll(/`+/g)].map((m) => m[0].length));
  const ticks = '`'.repeat(longest + 1);
  return `${ticks}${lang}\n${sql.replace(/\n$/, '')}\n${ticks}`;
}

function sentence(text: string): string {
  return /[.!?:]$/.test(text.trim()) ? text.trim() : `${text.trim()}.`;
}

export function buildAnnotations(report: Report, max = MAX_ANNOTATIONS): { annotations: CheckAnnotation[]; omitted: number } {
  let findings = allFindings(report);
  const omitted = Math.max(0, findings.length - max);
  if (omitted) findings = [...findings].sort((a, b) => SEVERITY_RANK[b.finding.severity] - SEVERITY_RANK[a.finding.severity]).slice(0, max);
  const out: CheckAnnotation[] = [];
  for (const { path, finding: f } of findings) {
    const line = Math.max(1, f.line);
    const a: CheckAnnotation = {
      path,
      start_line: line,
      end_line: Math.max(line, f.endLine),
      annotation_level: LEVEL[f.severity],
      message: truncate(f.help ? `${f.message}\n\n${f.help}` : f.message, 64_000),
      title: `${f.rule}`.slice(0, 255),
    };
    // Columns are only allowed on single-line annotations.
    if (f.line === f.endLine && f.endColumn > f.column) {
      a.start_column = f.column;
      a.end_column = f.endColumn;
    }
    if (f.fix) a.raw_details = truncate(`${f.fix.description}\n\n${f.fix.sql}`, 64_000);
    out.push(a);
  }
  return { annotations: out, omitted };
}

export function chunk<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

export interface ReviewFile {
  path: string;
  source: string;
  hunks: Hunk[];
}

/**
 * Inline comments for warnings and errors on lines inside the diff, with a one-click
 * suggestion when the fix replaces exactly the flagged statement.
 */
export function buildReviewComments(report: Report, files: ReadonlyMap<string, ReviewFile>): ReviewComment[] {
  const out: ReviewComment[] = [];
  for (const file of report.files) {
    const rf = files.get(file.path);
    if (!rf) continue;
    for (const f of file.findings) {
      if (SEVERITY_RANK[f.severity] < SEVERITY_RANK.warning) continue;
      const suggestion = f.fix?.replaces ? suggestionFor(rf.source, f) : undefined;
      const start = suggestion ? suggestion.startLine : f.line;
      const end = suggestion ? suggestion.endLine : Math.max(f.line, f.endLine);
      if (!hunkContaining(rf.hunks, start, end)) continue;
      const parts = [FINDING_MARKER, `${severityIcon(f.severity)} **${escapeMarkdown(f.rule)}**: ${escapeMarkdown(f.message)}`];
      if (f.help) parts.push(neutralizeMarkdown(f.help));
      if (f.fix) {
        const outside = f.fix.outsideTransaction ? ' Run it outside a transaction block.' : '';
        parts.push(`**Safe rewrite:** ${neutralizeMarkdown(sentence(f.fix.description))}${outside}`);
        parts.push(suggestion ? fence(suggestion.text, 'suggestion') : fence(f.fix.dsl?.code ?? f.fix.sql));
        if (f.fix.dsl) parts.push(`SQL it runs:\n\n${fence(f.fix.sql)}`);
      }
      const c: ReviewComment = { path: file.path, line: end, side: 'RIGHT', body: truncate(parts.join('\n\n')) };
      if (start !== end) {
        c.start_line = start;
        c.start_side = 'RIGHT';
      }
      out.push(c);
    }
  }
  return out;
}

/** Whole-line replacement text for a fix that replaces a statement span. */
export function suggestionFor(source: string, f: Finding): { startLine: number; endLine: number; text: string } | undefined {
  const span = f.fix?.replaces;
  if (!span || !f.fix) return undefined;
  if (span.offset < 0 || span.endOffset > source.length || span.endOffset < span.offset) return undefined;
  const lineStart = source.lastIndexOf('\n', span.offset - 1) + 1;
  let lineEnd = source.indexOf('\n', span.endOffset);
  if (lineEnd < 0) lineEnd = source.length;
  const before = source.slice(lineStart, span.offset);
  let after = source.slice(span.endOffset, lineEnd).replace(/\r$/, '');
  // An ORM migration's fix replaces the DSL call with DSL code, never with SQL.
  const sql = (f.fix.dsl?.code ?? f.fix.sql).replace(/\s+$/, '');
  // The span excludes the statement's semicolon; avoid doubling it.
  if (sql.endsWith(';') && after.startsWith(';')) after = after.slice(1);
  return { startLine: span.line, endLine: span.endLine, text: `${before}${sql}${after}` };
}
