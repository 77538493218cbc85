// The analyzer as the agent's `lint_sql` tool and the redesign's step check: a snippet goes
// through the same `analyze()` entry point as a migration file.
import type { DbarchConfig } from '../config/schema.js';
import type { AnalyzeInput } from '../analyze.js';
import type { Report } from '../types.js';
import type { SnippetLinter } from './types.js';

export type AnalyzeLike = (input: AnalyzeInput) => Promise<Report>;

export function createSnippetLinter(analyze: AnalyzeLike, config: DbarchConfig): SnippetLinter {
  return async (sql, { transaction }) => {
    const report = await analyze({
      files: [{ path: 'dbarch-snippet.sql', content: sql }],
      // Builtin engine only: a snippet check must be fast and needs no second opinion.
      config: { ...config, engines: ['builtin'], transaction: transaction ? 'transaction' : 'none', include: [], exclude: [], migrations: [], frameworks: {} },
      trace: false,
    });
    const file = report.files[0];
    return { findings: file?.findings ?? [], statements: file?.statements ?? [] };
  };
}
