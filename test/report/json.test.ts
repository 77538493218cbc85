import { describe, expect, it } from 'vitest';
import { formatJson, writeJson } from '../../src/report/json.js';
import type { Report } from '../../src/types.js';
import { SAMPLE_PATH, sampleReport } from './sample.js';

describe('formatJson', () => {
  const json = JSON.parse(formatJson(sampleReport()));

  it('keeps the contract names of issue 2', () => {
    expect(Object.keys(json)).toEqual(expect.arrayContaining(['files', 'summary']));
    expect(json.summary).toEqual({ files: 2, statements: 4, errors: 2, warnings: 1, infos: 1 });
    const file = json.files[0];
    expect(file.path).toBe(SAMPLE_PATH);
    expect(Object.keys(file)).toEqual(expect.arrayContaining(['path', 'statements', 'findings']));
    expect(Object.keys(file.statements[1])).toEqual(
      expect.arrayContaining(['line', 'column', 'endLine', 'endColumn', 'kind', 'locks', 'rewritesTable', 'inTransaction']),
    );
    expect(file.statements[1]).toMatchObject({
      line: 3,
      column: 1,
      endLine: 3,
      endColumn: 51,
      kind: 'ALTER TABLE',
      locks: [{ relation: 'public.üsers', mode: 'ACCESS EXCLUSIVE' }],
      rewritesTable: false,
      inTransaction: false,
    });
    expect(file.findings[0]).toMatchObject({
      rule: 'adding-not-nullable-field',
      severity: 'error',
      line: 3,
      column: 21,
      endLine: 3,
      endColumn: 51,
      message: 'Adding NOT NULL column "email" without a default fails on a table with rows.',
      relation: 'public.üsers',
      lockMode: 'ACCESS EXCLUSIVE',
      fix: {
        description: 'Add the column nullable, backfill, then enforce NOT NULL with a validated CHECK.',
        sql: expect.stringContaining('ADD COLUMN email text;'),
      },
      engines: ['builtin', 'squawk'],
    });
  });

  it('writes null for a missing relation, lock mode or fix rather than dropping the key', () => {
    const info = JSON.parse(formatJson(sampleReport())).files[0].findings[3];
    expect(info).toMatchObject({ rule: 'prefer-robust-stmts', relation: null, lockMode: null, fix: null, engine: 'squawk', engines: ['squawk'] });
  });

  it('adds the extra fields (framework, blocks, outsideTransaction)', () => {
    expect(json.files[0].framework).toBe('golang-migrate');
    expect(json.files[0].statements[2].blocks).toEqual({ reads: false, writes: true, ddl: true });
    expect(json.files[0].findings[1].fix.outsideTransaction).toBe(true);
  });
});

describe('writeJson', () => {
  const streamed = (report: Report) => {
    const pieces: string[] = [];
    writeJson(report, (t) => pieces.push(t));
    return pieces;
  };

  it('writes exactly the text of formatJson, for reports with files, suppressed findings and none', () => {
    const sample = sampleReport();
    const withSuppressed: Report = {
      ...sample,
      files: [{ ...sample.files[0]!, suppressed: [sample.files[0]!.findings[0]!] }, ...sample.files.slice(1)],
      summary: { ...sample.summary, suppressed: 1 },
    };
    const empty: Report = { files: [], summary: { files: 0, statements: 0, errors: 0, warnings: 0, infos: 0 } };
    for (const report of [sample, withSuppressed, empty]) expect(streamed(report).join('')).toBe(formatJson(report));
  });

  it('hands a large report over in pieces, not as one string', () => {
    const sample = sampleReport();
    const many: Report = { ...sample, files: Array.from({ length: 2000 }, () => sample.files[0]!) };
    const pieces = streamed(many);
    expect(pieces.length).toBeGreaterThan(3);
    expect(Math.max(...pieces.map((p) => p.length))).toBeLessThan(formatJson(many).length / 3);
    expect(pieces.join('')).toBe(formatJson(many));
  });
});
