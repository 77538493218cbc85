// The PR summary comment, exactly as the App posts it; also the lock table and the
// truncation the App uses for check-run output.
import type { FileReport, Finding, LockMode, Report, Severity } from '../types.js';
import { LOCK_MODES } from '../types.js';
import { blocksText, plural, unanalysedFiles } from './common.js';
import { codeSpan, escapeMarkdown, neutralizeMarkdown } from './escape.js';

export const SUMMARY_MARKER = '<!-- dbarch:summary -->';
/** GitHub's limit for a comment body and for check-run summary/text. */
export const GITHUB_TEXT_LIMIT = 65_535;

export interface MarkdownOptions {
  /** Default GITHUB_TEXT_LIMIT. */
  maxLength?: number;
  /** Link for a file position (e.g. the blob at the head SHA); plain text when absent. */
  fileUrl?: (path: string, line?: number) => string | undefined;
  /** Appended after the findings (e.g. a link to the check run). */
  footer?: string;
  /** At most this many lock-table rows. Default 50. */
  maxLockRows?: number;
  /** Something was not analysed (beyond the report's own skipped files): never call the result safe. */
  incomplete?: boolean;
}

const ICON: Record<Severity, string> = { error: '🛑', warning: '⚠️', info: 'ℹ️' };

export function formatMarkdown(report: Report, opts: MarkdownOptions = {}): string {
  const limit = opts.maxLength ?? GITHUB_TEXT_LIMIT;
  const s = report.summary;
  const incomplete = opts.incomplete || unanalysedFiles(report).length > 0;
  const icon = s.errors ? ICON.error : s.warnings || incomplete ? ICON.warning : '✅';
  const head = [
    SUMMARY_MARKER,
    `## ${icon} dbarch: ${plural(s.errors, 'error')}, ${plural(s.warnings, 'warning')}, ${plural(s.infos, 'info')}`,
    '',
    `Reviewed ${plural(s.files, 'migration file')} (${plural(s.statements, 'statement')}).` +
      (s.errors ? ' Errors block production traffic or fail at runtime; each comes with a safe rewrite where one exists.' : '') +
      (s.suppressed ? ` **${plural(s.suppressed, 'finding')} suppressed by ignore directives** (listed below).` : ''),
    '',
    '',
  ].join('\n');

  const lockTable = renderLockTable(report, { fileUrl: opts.fileUrl, maxRows: opts.maxLockRows });
  const blocks: { text: string; findings: number }[] = [];
  if (lockTable) blocks.push({ text: `### Locks\n\n${lockTable}\n`, findings: 0 });

  const total = report.files.reduce((n, f) => n + f.findings.length, 0);
  if (total) blocks.push({ text: '### Findings\n', findings: 0 });
  for (const file of report.files) {
    if (!file.findings.length) continue;
    blocks.push({ text: fileHeading(file, opts), findings: 0 });
    const main = file.findings.filter((f) => f.severity !== 'info');
    const infos = file.findings.filter((f) => f.severity === 'info');
    for (const f of main) blocks.push({ text: renderFinding(file, f, opts), findings: 1 });
    if (infos.length) {
      blocks.push({
        text: [
          `<details><summary>${plural(infos.length, 'info finding')}</summary>`,
          '',
          ...infos.map((f) => renderFinding(file, f, opts)),
          '</details>',
          '',
        ].join('\n'),
        findings: infos.length,
      });
    }
  }
  const silenced = suppressedBlock(report);
  if (silenced) blocks.push({ text: silenced, findings: 0 });
  if (!total) {
    const text = incomplete ? 'No findings in what was analysed; some files were not analysed (see below).\n' : 'No findings: these migrations look safe to deploy.\n';
    blocks.push({ text, findings: 0 });
  }
  const footer = opts.footer ? `\n---\n${opts.footer}\n` : '';

  let body = head;
  let shown = 0;
  const reserve = truncationNote(total).length + footer.length + 4;
  for (const b of blocks) {
    if (body.length + b.text.length + 1 + reserve > limit) {
      body += `\n${truncationNote(total - shown)}\n`;
      return truncateMarkdown(body + footer, limit);
    }
    body += `${b.text}\n`;
    shown += b.findings;
  }
  return truncateMarkdown(body + footer, limit);
}

/** Ignore directives stay visible: what each one silenced, by severity, with where. */
function suppressedBlock(report: Report): string {
  const all = report.files.flatMap((file) => (file.suppressed ?? []).map((f) => ({ file, f })));
  if (!all.length) return '';
  const by = (sev: Severity) => all.filter((x) => x.f.severity === sev).length;
  const counts = [plural(by('error'), 'error'), plural(by('warning'), 'warning'), plural(by('info'), 'info')].join(', ');
  const rows = all.slice(0, 100).map(({ file, f }) => `- ${codeSpan(`${file.path}:${f.line}`)} ${codeSpan(f.rule)} (${f.severity}): ${escapeMarkdown(oneParagraph(f.message).replace(/\n/g, ' '))}`);
  if (all.length > rows.length) rows.push(`- …and ${plural(all.length - rows.length, 'more')}`);
  return [
    `### Suppressed by ignore directives`,
    '',
    `${plural(all.length, 'finding')} (${counts}) silenced by \`dbarch-ignore\` / \`squawk-ignore\` comments.`,
    '',
    `<details><summary>${plural(all.length, 'suppressed finding')}</summary>`,
    '',
    ...rows,
    '',
    '</details>',
    '',
  ].join('\n');
}

function truncationNote(hidden: number): string {
  return (
    `> [!NOTE]\n> Truncated to fit GitHub's ${GITHUB_TEXT_LIMIT.toLocaleString('en-US')}-character limit: ` +
    `${plural(hidden, 'more finding')} not shown here. The check run's annotations list them at their lines, ` +
    'and `npx dbarch lint <paths>` prints the full report.'
  );
}

function fileHeading(file: FileReport, opts: MarkdownOptions): string {
  const name = link(codeSpan(file.path), opts.fileUrl?.(file.path));
  const facts = [file.framework, file.direction === 'down' ? 'down migration' : undefined, file.transaction === 'transaction' ? 'runs in a transaction' : 'no transaction'];
  return `#### ${name}\n${facts.filter(Boolean).join(' · ')}\n`;
}

function renderFinding(file: FileReport, f: Finding, opts: MarkdownOptions): string {
  const where = link(`line ${f.line}`, opts.fileUrl?.(file.path, f.line));
  const facts = [where];
  if (f.relation) facts.push(codeSpan(f.relation));
  if (f.lockMode) facts.push(`\`${f.lockMode}\``);
  if (f.engines && f.engines.length > 1) facts.push(`flagged by ${f.engines.join(' and ')}`);
  else if (f.engine !== 'builtin') facts.push(`flagged by ${f.engine}`);
  // Messages carry names, expressions and database errors from the migration: shown, never rendered.
  const out = [`${ICON[f.severity]} **${f.severity}** ${codeSpan(f.rule)} · ${facts.join(' · ')}`, '', escapeMarkdown(oneParagraph(f.message)), ''];
  if (f.help) out.push(quote(neutralizeMarkdown(f.help)), '');
  if (f.fix) {
    const outside = f.fix.outsideTransaction && !/outside a transaction/i.test(f.fix.description) ? ' _Run it outside a transaction._' : '';
    out.push(`**Safe rewrite:** ${neutralizeMarkdown(oneParagraph(f.fix.description))}${outside}`, '');
    if (f.fix.dsl) out.push(fence(f.fix.dsl.code, f.fix.dsl.language), '', 'SQL:', '');
    out.push(fence(f.fix.sql, 'sql'), '');
    if (f.fix.verified) {
      out.push(`${f.fix.verified.ok ? '✔️ Verified' : '❌ Failed'} on the replayed schema: ${escapeMarkdown(oneParagraph(f.fix.verified.note))}`, '');
    }
  }
  return out.join('\n');
}

export interface LockTableOptions {
  fileUrl?: MarkdownOptions['fileUrl'];
  /** Default 50. */
  maxRows?: number;
}

/**
 * One row per lock a statement takes: statement, relation, mode, what it blocks, whether
 * the table is rewritten and whether dbarch has a safe rewrite. Empty string when no
 * statement takes a lock.
 */
export function renderLockTable(report: Report, opts: LockTableOptions = {}): string {
  const maxRows = opts.maxRows ?? 50;
  const traced = report.files.some((f) => f.statements.some((s) => s.trace));
  const rows: string[] = [];
  let total = 0;
  for (const file of report.files) {
    const withFix = new Set(file.findings.filter((f) => f.fix).map((f) => f.statementIndex));
    file.statements.forEach((stmt, index) => {
      const fixed = withFix.has(index);
      const rewrites = stmt.rewritesTable;
      for (const lock of [...stmt.locks].sort((a, b) => modeRank(b.mode) - modeRank(a.mode))) {
        total++;
        if (rows.length >= maxRows) continue;
        const label = link(cell(codeSpan(`${file.path}:${stmt.line}`)), opts.fileUrl?.(file.path, stmt.line));
        const cells = [
          `${label} ${cell(stmt.kind)}`,
          cell(codeSpan(lock.relation)),
          lock.mode,
          blocksText(stmt.blocks),
          rewrites ? 'yes' : 'no',
          fixed ? 'yes' : 'no',
        ];
        // Trace errors are database text (RAISE messages): escaped, which also escapes its pipes.
        if (traced) cells.push(stmt.trace ? escapeMarkdown(traceCell(stmt.trace, lock.relation).replace(/\s*\n\s*/g, ' ')) : '');
        rows.push(`| ${cells.join(' | ')} |`);
      }
    });
  }
  if (!total) return '';
  const header = ['Statement', 'Relation', 'Lock', 'Blocks', 'Rewrites table', 'Safe rewrite', ...(traced ? ['Trace'] : [])];
  const lines = [`| ${header.join(' | ')} |`, `|${header.map(() => '---').join('|')}|`, ...rows];
  if (total > rows.length) lines.push('', `_…and ${plural(total - rows.length, 'more lock')} not shown._`);
  return lines.join('\n');
}

/** What the trace saw on the row's own relation (not the statement's strongest lock elsewhere). */
function traceCell(t: NonNullable<Report['files'][number]['statements'][number]['trace']>, relation: string): string {
  if (t.error) return `failed: ${t.error}`;
  const observed = t.locks.filter((l) => l.relation === relation).map((l) => l.mode).sort((a, b) => modeRank(b) - modeRank(a))[0];
  return `${observed ?? 'no lock'}${t.rewrote.includes(relation) ? ', rewrote' : ''} (${Math.round(t.durationMs)} ms)`;
}

function modeRank(mode: LockMode): number {
  return LOCK_MODES.indexOf(mode);
}

/**
 * Cut markdown to `limit` characters at a line boundary, close an open code fence or
 * <details>, and say that it was cut. Idempotent for text already under the limit.
 */
export function truncateMarkdown(markdown: string, limit: number = GITHUB_TEXT_LIMIT, note = '_…truncated to fit GitHub\'s size limit._'): string {
  if (markdown.length <= limit) return markdown;
  const tailReserve = note.length + 64;
  let cut = markdown.lastIndexOf('\n', Math.max(0, limit - tailReserve));
  if (cut <= 0) cut = Math.max(0, limit - tailReserve);
  let kept = markdown.slice(0, cut);
  // Never split a surrogate pair.
  if (/[\ud800-\udbff]$/.test(kept)) kept = kept.slice(0, -1);
  const fence = openFence(kept);
  if (fence) kept += `\n${fence}`;
  const open = (kept.match(/<details>/g) ?? []).length - (kept.match(/<\/details>/g) ?? []).length;
  for (let i = 0; i < open; i++) kept += '\n</details>';
  return `${kept}\n\n${note}\n`.slice(0, limit);
}

/** The marker of a code fence left open at the end of the text, if any. */
function openFence(text: string): string | undefined {
  let open: string | undefined;
  for (const line of text.split('\n')) {
    const m = /^ {0,3}(`{3,}|~{3,})/.exec(line);
    if (!m) continue;
    if (!open) open = m[1];
    else if (m[1]![0] === open[0] && m[1]!.length >= open.length && line.trim() === m[1]) open = undefined;
  }
  return open;
}

function link(text: string, url: string | undefined): string {
  return url ? `[${text}](${url})` : text;
}

function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\s*\n\s*/g, ' ');
}

function oneParagraph(text: string): string {
  return text.trim().replace(/\n{2,}/g, '\n');
}

function quote(text: string): string {
  return text
    .trim()
    .split('\n')
    .map((l) => (l ? `> ${l}` : '>'))
    .join('\n');
}

/** A fence longer than any backtick run inside, so SQL can never close it early. */
function fence(code: string, lang: string): string {
  const longest = Math.max(0, ...[...code.matchAll(/`+/g)].map((m) => m[0].length));
  const ticks = '`'.repeat(Math.max(3, longest + 1));
  return `${ticks}${lang}\n${code.replace(/\s+$/, '')}\n${ticks}`;
}
