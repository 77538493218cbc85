import { describe, expect, it } from 'vitest';
import { codeFrame, formatText } from '../../src/report/text.js';
import { SAMPLE_PATH, SAMPLE_SOURCE, sampleReport } from './sample.js';

const sources = new Map([[SAMPLE_PATH, SAMPLE_SOURCE]]);

describe('formatText', () => {
  const out = formatText(sampleReport(), { sources });
  const lines = out.split('\n');

  it('prints the file, then each finding with position, severity, message, rule and engines', () => {
    expect(lines[0]).toBe(SAMPLE_PATH);
    expect(lines[2]).toBe(
      '  3:21    error   Adding NOT NULL column "email" without a default fails on a table with rows.  [adding-not-nullable-field] (builtin + squawk)',
    );
    expect(lines[3]).toBe('          relation public.üsers · lock ACCESS EXCLUSIVE · blocks reads, writes, DDL');
    expect(out).toContain('  4:2     info    Missing `IF NOT EXISTS`');
    expect(out).toContain('[prefer-robust-stmts] (squawk)');
  });

  it('draws a code frame with the caret under the exact multi-byte span', () => {
    const i = lines.indexOf('    > 3 | ALTER TABLE "üsers" ADD COLUMN email text NOT NULL;');
    expect(i).toBeGreaterThan(0);
    expect(lines.slice(i - 2, i + 4)).toEqual([
      '      1 | -- Ajoute la colonne « e-mail »',
      "      2 | SET lock_timeout = '5s';",
      '    > 3 | ALTER TABLE "üsers" ADD COLUMN email text NOT NULL;',
      `        | ${' '.repeat(20)}${'^'.repeat(30)}`,
      '      4 | \tCREATE INDEX idx_users_email ON "üsers" (email);',
      '      5 | ALTER TABLE "üsers"',
    ]);
  });

  it('keeps a tab in the caret line so the carets line up', () => {
    const i = lines.indexOf('    > 4 | \tCREATE INDEX idx_users_email ON "üsers" (email);');
    expect(lines[i + 1]).toBe(`        | \t${'^'.repeat(46)}`);
  });

  it('marks every line of a multi-line span', () => {
    expect(out).toContain('    > 5 | ALTER TABLE "üsers"\n        | ^^^^^^^^^^^^^^^^^^^\n    > 6 |   ADD CONSTRAINT');
  });

  it('prints the safe rewrite, and says when it must run outside a transaction', () => {
    expect(out).toContain(
      '  Safe rewrite: Add the column nullable, backfill, then enforce NOT NULL with a validated CHECK.\n' +
        '      ALTER TABLE "üsers" ADD COLUMN email text;\n' +
        '      -- backfill in batches, then:\n',
    );
    expect(out).toContain('  Safe rewrite: Build the index concurrently. (run it outside a transaction)\n      CREATE INDEX CONCURRENTLY');
  });

  it('ends with the summary and skips files without findings', () => {
    expect(lines.at(-2)).toBe('✖ 2 files, 4 statements: 2 errors, 1 warning, 1 info');
    expect(out).not.toContain('0001_init');
  });

  it('colors only when asked', () => {
    expect(out).not.toContain('\u001b[');
    const colored = formatText(sampleReport(), { sources, color: true });
    expect(colored).toContain('\u001b[31merror  \u001b[0m');
  });

  it('prints no frame when the source is unknown', () => {
    const bare = formatText(sampleReport(), { sources: new Map() });
    expect(bare).not.toContain(' | ');
    expect(bare).toContain('[adding-not-nullable-field]');
  });
});

describe('formatText explanations', () => {
  it('prints a rule\'s explanation the first time it appears only', () => {
    const report = sampleReport();
    const first = report.files[0]!.findings[0]!;
    report.files[0]!.findings.push({ ...first, line: 5, endLine: 5 });
    const out = formatText(report, { sources });
    expect(out.split('Existing rows would violate the constraint.').length - 1).toBe(1);
    expect(out.split('[adding-not-nullable-field]').length - 1).toBe(2);
  });
});

describe('codeFrame', () => {
  it('clips long spans and points past the end of a short line', () => {
    const src = Array.from({ length: 20 }, (_, i) => `line ${i + 1}`);
    const frame = codeFrame(src, { line: 2, column: 1, endLine: 15, endColumn: 3 }, 1);
    expect(frame[0]).toBe('      1 | line 1');
    expect(frame.filter((l) => l.startsWith('    >'))).toHaveLength(6);
    expect(frame.at(-2)).toBe('    > 7 | line 7');
    expect(frame.at(-1)).toBe('        | … 8 more line(s)');
    const eol = codeFrame(['abc'], { line: 1, column: 4, endLine: 1, endColumn: 4 }, 0);
    expect(eol).toEqual(['    > 1 | abc', '        |    ^']);
  });
});
