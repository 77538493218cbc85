// Terminal output: one block per finding with a code frame and the safe rewrite.
import type { FileReport, Finding, Report, Severity } from '../types.js';
import { blocksText, countsText, plural, splitLines } from './common.js';

export interface TextOptions {
  color?: boolean;
  /** path → source text, for code frames (files without a source get none). */
  sources: Map<string, string>;
  /** Lines of context above and below the span. Default 2. */
  context?: number;
}

const MAX_SPAN_LINES = 6;
const MAX_LINE_WIDTH = 200;

type Paint = (code: string, s: string) => string;

export function formatText(report: Report, opts: TextOptions): string {
  const paint: Paint = opts.color ? (code, s) => `\u001b[${code}m${s}\u001b[0m` : (_code, s) => s;
  const out: string[] = [];
  // The explanation is long; print it the first time a rule shows up.
  const explained = new Set<string>();
  for (const file of report.files) {
    if (file.findings.length === 0) continue;
    out.push(paint('1;4', file.path), '');
    const lines = opts.sources.has(file.path) ? splitLines(opts.sources.get(file.path)!) : undefined;
    for (const f of file.findings) {
      const help = explained.has(f.rule) ? undefined : f.help;
      explained.add(f.rule);
      out.push(...findingBlock({ ...f, help }, file, lines, opts.context ?? 2, paint), '');
    }
  }
  const s = report.summary;
  const verdict = s.errors ? paint('31;1', '✖') : s.warnings ? paint('33;1', '⚠') : paint('32;1', '✔');
  out.push(`${verdict} ${plural(s.files, 'file')}, ${plural(s.statements, 'statement')}: ${countsText(report)}`);
  return `${out.join('\n')}\n`;
}

const SEVERITY_COLOR: Record<Severity, string> = { error: '31', warning: '33', info: '36' };

function findingBlock(f: Finding, file: FileReport, lines: string[] | undefined, context: number, paint: Paint): string[] {
  const out: string[] = [];
  const sev = paint(SEVERITY_COLOR[f.severity], f.severity.padEnd(7));
  const engines = f.engines && f.engines.length > 1 ? ` (${f.engines.join(' + ')})` : f.engine !== 'builtin' ? ` (${f.engine})` : '';
  out.push(`  ${paint('2', `${f.line}:${f.column}`.padEnd(7))} ${sev} ${f.message}  ${paint('2', `[${f.rule}]${engines}`)}`);
  const facts: string[] = [];
  if (f.relation) facts.push(`relation ${f.relation}`);
  if (f.lockMode) facts.push(`lock ${f.lockMode}`);
  const stmt = f.statementIndex !== undefined ? file.statements[f.statementIndex] : undefined;
  if (f.lockMode && stmt) facts.push(`blocks ${blocksText(stmt.blocks)}`);
  if (facts.length) out.push(`          ${paint('2', facts.join(' · '))}`);
  if (f.help) out.push(...wrapIndented(f.help, '          '));
  if (lines) out.push('', ...codeFrame(lines, f, context, paint));
  if (f.fix) {
    const where = f.fix.outsideTransaction && !/outside a transaction/i.test(f.fix.description) ? ' (run it outside a transaction)' : '';
    out.push('', `  ${paint('32;1', 'Safe rewrite:')} ${f.fix.description}${where}`);
    if (f.fix.dsl) {
      for (const l of f.fix.dsl.code.replace(/\s+$/, '').split('\n')) out.push(`      ${paint('32', l)}`);
      out.push(`    ${paint('2', 'SQL:')}`);
    }
    for (const l of f.fix.sql.replace(/\s+$/, '').split('\n')) out.push(`      ${paint('32', l)}`);
    if (f.fix.verified) {
      const v = f.fix.verified;
      out.push(`      ${paint('2', `${v.ok ? 'verified' : 'NOT verified'} by the trace: ${v.note}`)}`);
    }
  }
  return out;
}

function wrapIndented(text: string, indent: string): string[] {
  return text.trim().split('\n').map((l) => `${indent}${l}`);
}

/** A babel-style frame: context lines, `>` on the span's lines, `^` under the span. */
export function codeFrame(lines: string[], f: Pick<Finding, 'line' | 'column' | 'endLine' | 'endColumn'>, context: number, paint: Paint = (_c, s) => s): string[] {
  const first = Math.max(1, f.line - context);
  const spanEnd = Math.min(Math.max(f.endLine, f.line), lines.length);
  const shownEnd = Math.min(spanEnd, f.line + MAX_SPAN_LINES - 1);
  const last = shownEnd < spanEnd ? shownEnd : Math.min(lines.length, spanEnd + context);
  const width = String(last).length;
  const out: string[] = [];
  for (let n = first; n <= last; n++) {
    const text = clip(lines[n - 1] ?? '');
    const inSpan = n >= f.line && n <= spanEnd;
    const gutter = `${inSpan ? '>' : ' '} ${String(n).padStart(width)} |`;
    out.push(`    ${inSpan ? paint('31;1', gutter) : paint('2', gutter)}${text ? ` ${text}` : ''}`);
    if (n === f.line) {
      const chars = [...text];
      const startCol = Math.min(f.column, chars.length + 1);
      const endCol = f.endLine === f.line ? Math.max(f.endColumn, startCol + 1) : chars.length + 1;
      // Keep tabs so the carets line up with the text above.
      const pad = chars.slice(0, startCol - 1).map((c) => (c === '\t' ? '\t' : ' ')).join('');
      const carets = '^'.repeat(Math.max(1, Math.min(endCol, chars.length + 1) - startCol));
      out.push(`    ${paint('2', `  ${' '.repeat(width)} |`)} ${pad}${paint('31;1', carets)}`);
    }
  }
  if (shownEnd < spanEnd) out.push(`    ${paint('2', `  ${' '.repeat(width)} |`)} … ${spanEnd - shownEnd} more line(s)`);
  return out;
}

function clip(line: string): string {
  const chars = [...line];
  return chars.length > MAX_LINE_WIDTH ? `${chars.slice(0, MAX_LINE_WIDTH).join('')}…` : line;
}
