import { describe, expect, it } from 'vitest';
import {
  GITHUB_TEXT_LIMIT,
  SUMMARY_MARKER,
  formatMarkdown,
  renderLockTable,
  truncateMarkdown,
} from '../../src/report/markdown.js';
import type { Finding, Report } from '../../src/types.js';
import { SAMPLE_PATH, sampleReport } from './sample.js';

describe('formatMarkdown', () => {
  const md = formatMarkdown(sampleReport());

  it('starts with the hidden marker and a header with counts per severity', () => {
    const lines = md.split('\n');
    expect(lines[0]).toBe(SUMMARY_MARKER);
    expect(lines[1]).toBe('## 🛑 dbarch: 2 errors, 1 warning, 1 info');
    expect(lines[3]).toMatch(/^Reviewed 2 migration files \(4 statements\)\./);
  });

  it('has the lock table with statement, relation, lock, blocks, rewrite and fix columns', () => {
    expect(md).toContain(
      [
        '### Locks',
        '',
        '| Statement | Relation | Lock | Blocks | Rewrites table | Safe rewrite |',
        '|---|---|---|---|---|---|',
        `| \`${SAMPLE_PATH}:3\` ALTER TABLE | \`public.üsers\` | ACCESS EXCLUSIVE | reads, writes, DDL | no | yes |`,
        `| \`${SAMPLE_PATH}:4\` CREATE INDEX | \`public.üsers\` | SHARE | writes, DDL | no | yes |`,
        `| \`${SAMPLE_PATH}:5\` ALTER TABLE | \`public.orgs\` | SHARE ROW EXCLUSIVE | writes, DDL | no | no |`,
      ].join('\n'),
    );
  });

  it('groups findings by file with explanation and the safe rewrite in a sql block', () => {
    expect(md).toContain(`#### \`${SAMPLE_PATH}\`\ngolang-migrate · no transaction\n`);
    expect(md).toContain(
      [
        '🛑 **error** `adding-not-nullable-field` · line 3 · `public.üsers` · `ACCESS EXCLUSIVE` · flagged by builtin and squawk',
        '',
        'Adding NOT NULL column "email" without a default fails on a table with rows.',
        '',
        '> Existing rows would violate the constraint.',
        '',
        '**Safe rewrite:** Add the column nullable, backfill, then enforce NOT NULL with a validated CHECK.',
        '',
        '```sql',
        'ALTER TABLE "üsers" ADD COLUMN email text;',
      ].join('\n'),
    );
    expect(md).toContain('**Safe rewrite:** Build the index concurrently. _Run it outside a transaction._');
    // Infos are folded away so they do not drown the errors.
    expect(md).toMatch(/<details><summary>1 info finding<\/summary>\n\nℹ️ \*\*info\*\* `prefer-robust-stmts` · line 4 · flagged by squawk/);
    expect(md).not.toContain('0001_init');
  });

  it('links positions when given a URL builder', () => {
    const linked = formatMarkdown(sampleReport(), {
      fileUrl: (path, line) => `https://github.com/o/r/blob/abc/${path}${line ? `#L${line}` : ''}`,
    });
    expect(linked).toContain(`[line 3](https://github.com/o/r/blob/abc/${SAMPLE_PATH}#L3)`);
    expect(linked).toContain(`| [\`${SAMPLE_PATH}:4\`](https://github.com/o/r/blob/abc/${SAMPLE_PATH}#L4) CREATE INDEX |`);
  });

  it('says so when nothing was found', () => {
    const clean: Report = { files: [], summary: { files: 0, statements: 0, errors: 0, warnings: 0, infos: 0 } };
    const out = formatMarkdown(clean);
    expect(out).toContain('## ✅ dbarch: 0 errors, 0 warnings, 0 infos');
    expect(out).toContain('No findings');
    expect(out).not.toContain('### Locks');
  });

  it('stays under 65,535 characters with a truncation note naming how many findings are hidden', () => {
    const report = sampleReport();
    const base = report.files[0]!.findings[0]!;
    const many: Finding[] = Array.from({ length: 1500 }, (_, i) => ({ ...base, line: i + 1, endLine: i + 1, statementIndex: undefined }));
    report.files[0]!.findings = many;
    report.summary.errors = many.length;
    const out = formatMarkdown(report);
    expect(out.length).toBeLessThanOrEqual(GITHUB_TEXT_LIMIT);
    const shown = out.split('**error** `adding-not-nullable-field`').length - 1;
    expect(shown).toBeGreaterThan(50);
    expect(shown).toBeLessThan(1500);
    expect(out).toContain(`${(1500 - shown).toLocaleString('en-US')} more findings not shown here`);
    // No code fence is left open.
    expect(out.split('\n').filter((l) => l.startsWith('```')).length % 2).toBe(0);
  });

  it('uses a longer fence when the SQL itself contains backticks', () => {
    const report = sampleReport();
    report.files[0]!.findings[0]!.fix!.sql = "SELECT '```';";
    expect(formatMarkdown(report)).toContain("````sql\nSELECT '```';\n````");
  });
});

describe('renderLockTable', () => {
  it('caps the rows and says how many are left out', () => {
    const table = renderLockTable(sampleReport(), { maxRows: 2 });
    expect(table.split('\n').filter((l) => l.startsWith('| `'))).toHaveLength(2);
    expect(table.endsWith('_…and 2 more locks not shown._')).toBe(true);
  });

  it('is empty when no statement takes a lock, and adds a Trace column when traced', () => {
    const report = sampleReport();
    expect(renderLockTable({ ...report, files: [report.files[1]!] })).toBe('');
    report.files[0]!.statements[1]!.trace = {
      locks: [{ relation: 'public.üsers', mode: 'ACCESS EXCLUSIVE' }],
      rewrote: [],
      durationMs: 12.4,
    };
    const table = renderLockTable(report);
    expect(table.split('\n')[0]).toBe('| Statement | Relation | Lock | Blocks | Rewrites table | Safe rewrite | Trace |');
    expect(table).toContain('| no | yes | ACCESS EXCLUSIVE (12 ms) |');
  });

  it("shows in each row the traced lock of that row's relation, not the statement's strongest", () => {
    const report = sampleReport();
    const stmt = report.files[0]!.statements[1]!;
    // CREATE TABLE orders (… REFERENCES users): the new table is unlocked for others, users gets SHARE ROW EXCLUSIVE
    stmt.locks = [
      { relation: 'public.users', mode: 'SHARE ROW EXCLUSIVE' },
      { relation: 'public.orders', mode: 'ACCESS EXCLUSIVE' },
    ];
    stmt.trace = { locks: [{ relation: 'public.users', mode: 'SHARE ROW EXCLUSIVE' }], rewrote: [], durationMs: 3 };
    const rows = renderLockTable(report).split('\n');
    expect(rows.find((r) => r.includes('`public.users`'))).toMatch(/\| SHARE ROW EXCLUSIVE \(3 ms\) \|$/);
    expect(rows.find((r) => r.includes('`public.orders`'))).toMatch(/\| no lock \(3 ms\) \|$/);
  });

  it('escapes pipes in cells', () => {
    const report = sampleReport();
    report.files[0]!.statements[1]!.kind = 'ALTER | TABLE';
    expect(renderLockTable(report)).toContain('ALTER \\| TABLE');
  });
});

describe('truncateMarkdown', () => {
  it('returns short text unchanged', () => {
    expect(truncateMarkdown('hello', 100)).toBe('hello');
  });

  it('cuts at a line boundary, closes an open fence and <details>, and appends the note', () => {
    const md = ['<details><summary>x</summary>', '', '````sql', ...Array.from({ length: 200 }, (_, i) => `SELECT ${i};`)].join('\n');
    const out = truncateMarkdown(md, 500);
    expect(out.length).toBeLessThanOrEqual(500);
    expect(out).toMatch(/SELECT \d+;\n````\n<\/details>\n\n_…truncated to fit GitHub's size limit\._\n$/);
  });
});
