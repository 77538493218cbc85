// The JSON contract. These names are always present (null when a
// finding has no relation, lock or fix); everything else is additive.
import type { Finding, Report, StatementReport } from '../types.js';

export const JSON_REPORT_VERSION = 1;

export function toJsonReport(report: Report): unknown {
  return {
    version: JSON_REPORT_VERSION,
    files: report.files.map((file) => ({
      path: file.path,
      framework: file.framework,
      direction: file.direction,
      transaction: file.transaction,
      statements: file.statements.map(statementJson),
      findings: file.findings.map(findingJson),
      ...(file.suppressed?.length ? { suppressed: file.suppressed.map(findingJson) } : {}),
    })),
    summary: {
      files: report.summary.files,
      statements: report.summary.statements,
      errors: report.summary.errors,
      warnings: report.summary.warnings,
      infos: report.summary.infos,
      ...(report.summary.suppressed ? { suppressed: report.summary.suppressed } : {}),
    },
  };
}

export function formatJson(report: Report): string {
  return `${JSON.stringify(toJsonReport(report), null, 2)}\n`;
}

function statementJson(s: StatementReport): Record<string, unknown> {
  return {
    line: s.line,
    column: s.column,
    endLine: s.endLine,
    endColumn: s.endColumn,
    kind: s.kind,
    locks: s.locks.map((l) => ({ relation: l.relation, mode: l.mode })),
    rewritesTable: s.rewritesTable,
    inTransaction: s.inTransaction,
    scansTable: s.scansTable,
    transactional: s.transactional,
    blocks: s.blocks,
    ...(s.trace ? { trace: s.trace } : {}),
  };
}

function findingJson(f: Finding): Record<string, unknown> {
  return {
    rule: f.rule,
    severity: f.severity,
    line: f.line,
    column: f.column,
    endLine: f.endLine,
    endColumn: f.endColumn,
    message: f.message,
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
