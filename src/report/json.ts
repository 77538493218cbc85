// The JSON contract. These names are always present (null when a
// finding has no relation, lock or fix); everything else is additive.
import type { FileReport, Finding, Report, ReportSummary, StatementReport } from '../types.js';

export const JSON_REPORT_VERSION = 1;

export function toJsonReport(report: Report): unknown {
  return {
    version: JSON_REPORT_VERSION,
    files: report.files.map(fileJson),
    summary: summaryJson(report),
  };
}

/** The named fields of `from`, in this order (the order the JSON shows them). */
function pick<T extends object, const K extends keyof T>(from: T, keys: readonly K[]): Pick<T, K> {
  return Object.fromEntries(keys.map((k) => [k, from[k]])) as Pick<T, K>;
}

function fileJson(file: FileReport): Record<string, unknown> {
  return {
    ...pick(file, ['path', 'framework', 'direction', 'transaction']),
    statements: file.statements.map(statementJson),
    findings: file.findings.map(findingJson),
    ...(file.suppressed?.length ? { suppressed: file.suppressed.map(findingJson) } : {}),
  };
}

function summaryJson(report: Report): Record<string, unknown> {
  return {
    ...pick(report.summary, ['files', 'statements', 'errors', 'warnings', 'infos']),
    ...(report.summary.suppressed ? { suppressed: report.summary.suppressed } : {}),
  };
}

export function formatJson(report: Report): string {
  return `${JSON.stringify(toJsonReport(report), null, 2)}\n`;
}

/** Bytes gathered before each write: few system calls, and no report-sized string. */
const CHUNK_CHARS = 256 * 1024;
/** Files stringified at once. */
const FILES_PER_BATCH = 32;

/**
 * The same text as formatJson, handed to `write` in pieces of about CHUNK_CHARS, one file's
 * JSON at a time: a large report never exists as one string (nor as one buffer).
 */
export function writeJson(report: Report, write: (text: string) => void): void {
  if (report.files.length === 0) {
    write(formatJson(report));
    return;
  }
  let pending = `{\n  "version": ${JSON_REPORT_VERSION},\n  "files": [\n`;
  for (let i = 0; i < report.files.length; i += FILES_PER_BATCH) {
    const batch = report.files.slice(i, i + FILES_PER_BATCH);
    const last = i + FILES_PER_BATCH >= report.files.length;
    pending += `${filesJsonText(batch)}${last ? '\n' : ',\n'}`;
    if (pending.length >= CHUNK_CHARS) {
      write(pending);
      pending = '';
    }
  }
  write(`${pending}  ],\n  "summary": ${JSON.stringify(summaryJson(report), null, 2).replaceAll('\n', '\n  ')}\n}\n`);
}

/**
 * Files as they appear in the report's "files" array: indented, joined by ",\n", without a
 * separator after the last. They are stringified inside the same wrapper the whole report
 * has, so they come out indented as in the report, with no re-indenting pass over the text.
 */
export function filesJsonText(files: FileReport[]): string {
  if (files.length === 0) return '';
  const open = '{\n  "files": [\n';
  const close = '\n  ]\n}';
  const text = JSON.stringify({ files: files.map(fileJson) }, null, 2);
  return text.slice(open.length, text.length - close.length);
}

/**
 * writeJson from the texts of the files (filesJsonText), as the lint cache keeps them: nothing
 * is serialised again. Items given as UTF-8 bytes are passed on as bytes (each write holds
 * whole items).
 */
export function writeJsonTexts(
  items: readonly (() => string | Uint8Array)[],
  summary: ReportSummary,
  write: (chunk: string | Uint8Array) => void,
): void {
  if (items.length === 0) {
    write(formatJson({ files: [], summary }));
    return;
  }
  let pending: (string | Uint8Array)[] = [`{\n  "version": ${JSON_REPORT_VERSION},\n  "files": [\n`];
  let size = 0;
  const flush = () => {
    write(pending.every((p) => typeof p === 'string') ? pending.join('') : Buffer.concat(pending.map((p) => (typeof p === 'string' ? Buffer.from(p) : p))));
    pending = [];
    size = 0;
  };
  items.forEach((item, i) => {
    const text = item();
    pending.push(text, i < items.length - 1 ? ',\n' : '\n');
    size += text.length;
    if (size >= CHUNK_CHARS) flush();
  });
  pending.push(`  ],\n  "summary": ${JSON.stringify(summaryJson({ files: [], summary }), null, 2).replaceAll('\n', '\n  ')}\n}\n`);
  flush();
}

function statementJson(s: StatementReport): Record<string, unknown> {
  return {
    ...pick(s, ['line', 'column', 'endLine', 'endColumn', 'kind']),
    locks: s.locks.map((l) => ({ relation: l.relation, mode: l.mode })),
    ...pick(s, ['rewritesTable', 'inTransaction', 'scansTable', 'transactional', 'blocks']),
    ...(s.trace ? { trace: s.trace } : {}),
  };
}

function findingJson(f: Finding): Record<string, unknown> {
  return {
    ...pick(f, ['rule', 'severity', 'line', 'column', 'endLine', 'endColumn', 'message']),
    relation: f.relation ?? null,
    lockMode: f.lockMode ?? null,
    fix: f.fix
      ? {
          description: f.fix.description,
          sql: f.fix.sql,
          ...(f.fix.outsideTransaction !== undefined ? { outsideTransaction: f.fix.outsideTransaction } : {}),
          ...(f.fix.optOut ? { optOut: f.fix.optOut } : {}),
          ...(f.fix.replaces ? { replaces: f.fix.replaces } : {}),
          ...(f.fix.dsl ? { dsl: f.fix.dsl } : {}),
          ...(f.fix.verified ? { verified: f.fix.verified } : {}),
        }
      : null,
    ...(f.category ? { category: f.category } : {}),
    ...(f.help ? { help: f.help } : {}),
    engine: f.engine,
    engines: f.engines ?? [f.engine],
    ...(f.statementIndex !== undefined ? { statementIndex: f.statementIndex } : {}),
  };
}
