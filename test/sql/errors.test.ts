import { beforeAll, describe, expect, test } from 'vitest';
import { initParser, parseSql } from '../../src/sql/index.js';

beforeAll(async () => {
  await initParser();
});

const errorsOf = (src: string) =>
  parseSql(src, { path: 'e.sql' }).notices.filter((n) => n.rule === 'syntax-error');

describe('syntax errors', () => {
  test('an error in the middle statement does not hide the others; finding at the exact token', () => {
    const src = 'CREATE TABLE a (id int);\nALTER TABLE a ADD COLUMN b int DEFALT 0;\nCREATE INDEX i ON a (id);\n';
    const f = parseSql(src, { path: 'mid.sql' });
    expect(f.statements.map((s) => (s.ast ? Object.keys(s.ast)[0] : 'error'))).toEqual(['CreateStmt', 'error', 'IndexStmt']);
    expect(f.statements[1]!.text).toBe('ALTER TABLE a ADD COLUMN b int DEFALT 0');
    expect(f.statements[1]!.span).toMatchObject({ line: 2, column: 1, endLine: 2, endColumn: 40 });
    expect(f.notices).toEqual([
      {
        rule: 'syntax-error',
        severity: 'error',
        engine: 'builtin',
        line: 2,
        column: 32,
        endLine: 2,
        endColumn: 38,
        message: 'syntax error at or near "DEFALT"',
        statementIndex: 1,
      },
    ]);
    expect(f.statements[1]!.error).toEqual({
      message: 'syntax error at or near "DEFALT"',
      span: { line: 2, column: 32, endLine: 2, endColumn: 38, offset: 56, endOffset: 62 },
    });
    expect(f.statements[2]!.span).toMatchObject({ line: 3, column: 1, endColumn: 25 });
  });

  test('error column counts code points before it (é, 😀)', () => {
    const [e] = errorsOf("SELECT 1;\nSELECT 'é😀', 😀x FROM;\nSELECT 3;");
    expect(e).toMatchObject({ line: 2, column: 21, endLine: 2, endColumn: 22, message: 'syntax error at or near ";"' });
  });

  test('error on a CRLF file', () => {
    const f = parseSql("SELECT 1;\r\nSELECT 'é' +;\r\nSELECT 3;", { path: 'crlf.sql' });
    expect(f.notices.map((n) => [n.line, n.column, n.endColumn])).toEqual([[2, 13, 14]]);
    expect(f.statements.map((s) => s.text)).toEqual(['SELECT 1', "SELECT 'é' +", 'SELECT 3']);
  });

  test('several broken statements each get their own finding', () => {
    const f = parseSql('SELEC 1;\nSELECT 2;\nDROP TABLLE x;\n', { path: 'e.sql' });
    expect(f.notices.map((n) => [n.rule, n.line, n.column, n.endColumn, n.statementIndex])).toEqual([
      ['syntax-error', 1, 1, 6, 0],
      ['syntax-error', 3, 6, 12, 2],
    ]);
    expect(f.statements[1]!.ast).toBeDefined();
  });

  test('error at end of input is a zero-width span at the end of the statement', () => {
    const [e] = errorsOf('SELECT 1;\nSELECT (1');
    expect(e).toMatchObject({ line: 2, column: 10, endLine: 2, endColumn: 10, message: 'syntax error at end of input' });
  });

  test('an unterminated string swallows the rest: earlier statements still parse', () => {
    const f = parseSql("SELECT 1;\nSELECT 'abc;\nSELECT 3;", { path: 'u.sql' });
    expect(f.statements).toHaveLength(2);
    expect(f.statements[0]!.ast).toBeDefined();
    expect(f.notices).toHaveLength(1);
    expect(f.notices[0]).toMatchObject({ rule: 'syntax-error', line: 2, column: 8, endLine: 3, endColumn: 10 });
    expect(f.notices[0]!.message).toMatch(/^unterminated quoted string/);
  });

  test('an error statement keeps its text but has no ast', () => {
    const f = parseSql('ALTER TABLE;', { path: 'e.sql' });
    expect(f.statements).toEqual([
      {
        index: 0,
        text: 'ALTER TABLE',
        span: { line: 1, column: 1, endLine: 1, endColumn: 12, offset: 0, endOffset: 11 },
        error: {
          message: 'syntax error at or near ";"',
          span: { line: 1, column: 12, endLine: 1, endColumn: 13, offset: 11, endOffset: 12 },
        },
      },
    ]);
  });
});

describe('pathological input', () => {
  test('a statement nested too deep for the parser is one error; its neighbours still parse', { timeout: 60_000 }, () => {
    const deep = 'SELECT ' + '('.repeat(10_000) + '1' + ')'.repeat(10_000);
    const f = parseSql(`SELECT 1;\n${deep};\nSELECT 3;`, { path: 'deep.sql' });
    expect(f.statements.map((s) => [s.span.line, !!s.ast])).toEqual([
      [1, true],
      [2, false],
      [3, true],
    ]);
    expect(f.notices.map((n) => [n.rule, n.line, n.statementIndex])).toEqual([['syntax-error', 2, 1]]);
    expect(f.notices[0]!.message).toMatch(/memory exhausted/);
  });
});

describe('safety net', () => {
  test('unexpected input becomes an internal-error finding naming the path, never an exception', () => {
    const f = parseSql(42 as unknown as string, { path: 'db/weird.sql' });
    expect(f.statements).toEqual([]);
    expect(f.notices).toHaveLength(1);
    expect(f.notices[0]).toMatchObject({ rule: 'internal-error', severity: 'error', engine: 'builtin', line: 1, column: 1 });
    expect(f.notices[0]!.message).toContain('db/weird.sql');
  });
});
