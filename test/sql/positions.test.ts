import { beforeAll, describe, expect, test } from 'vitest';
import { LineIndex, OffsetMap, initParser, parseSql } from '../../src/sql/index.js';
import type { ParsedFile } from '../../src/types.js';

beforeAll(async () => {
  await initParser();
});

const where = (f: ParsedFile) =>
  f.statements.map((s) => ({ text: s.text, line: s.span.line, column: s.span.column, endLine: s.span.endLine, endColumn: s.span.endColumn }));

describe('statement spans', () => {
  test('multi-byte UTF-8, emoji and tabs: columns count code points, a tab is one column', () => {
    const src = "SELECT 'é';\nSELECT '😀' AS x;\n\tALTER TABLE t ADD c int;";
    const f = parseSql(src, { path: 'a.sql' });
    expect(f.notices).toEqual([]);
    expect(where(f)).toEqual([
      { text: "SELECT 'é'", line: 1, column: 1, endLine: 1, endColumn: 11 },
      { text: "SELECT '😀' AS x", line: 2, column: 1, endLine: 2, endColumn: 16 },
      { text: 'ALTER TABLE t ADD c int', line: 3, column: 2, endLine: 3, endColumn: 25 },
    ]);
    // offsets are JS string indexes: the emoji is two UTF-16 units.
    expect(f.statements.map((s) => [s.span.offset, s.span.endOffset])).toEqual([
      [0, 10],
      [12, 28],
      [31, 54],
    ]);
    expect(Object.keys(f.statements[2]!.ast!)).toEqual(['AlterTableStmt']);
  });

  test('positions after many multi-byte characters stay exact (byte offsets are mapped, not counted)', () => {
    const src = "INSERT INTO t VALUES ('ééééé😀😀😀');\nUPDATE t SET a = 'ü' WHERE b = 'ß';\n  DELETE FROM t;";
    const f = parseSql(src, { path: 'a.sql' });
    expect(where(f)).toEqual([
      { text: "INSERT INTO t VALUES ('ééééé😀😀😀')", line: 1, column: 1, endLine: 1, endColumn: 34 },
      { text: "UPDATE t SET a = 'ü' WHERE b = 'ß'", line: 2, column: 1, endLine: 2, endColumn: 35 },
      { text: 'DELETE FROM t', line: 3, column: 3, endLine: 3, endColumn: 16 },
    ]);
  });

  test('CRLF: \\r\\n is one line break and \\r is never a column', () => {
    const src = 'SELECT 1;\r\nSELECT\r\n  2;\r\n';
    const f = parseSql(src, { path: 'crlf.sql' });
    expect(where(f)).toEqual([
      { text: 'SELECT 1', line: 1, column: 1, endLine: 1, endColumn: 9 },
      { text: 'SELECT\r\n  2', line: 2, column: 1, endLine: 3, endColumn: 4 },
    ]);
  });

  test('a lone \\r is a line break too', () => {
    const f = parseSql('SELECT 1;\rSELECT 2;', { path: 'cr.sql' });
    expect(where(f)[1]).toEqual({ text: 'SELECT 2', line: 2, column: 1, endLine: 2, endColumn: 9 });
  });

  test('BOM is stripped from strings and bytes; positions are relative to the text after it', () => {
    const text = 'SELECT 1;\nSELECT 2;';
    const fromString = parseSql('\uFEFF' + text, { path: 'bom.sql' });
    const fromBytes = parseSql(new Uint8Array([0xef, 0xbb, 0xbf, ...Buffer.from(text)]), { path: 'bom.sql' });
    for (const f of [fromString, fromBytes]) {
      expect(f.source).toBe(text);
      expect(f.notices).toEqual([]);
      expect(f.statements.map((s) => [s.span.line, s.span.column, s.span.offset, s.span.endOffset])).toEqual([
        [1, 1, 0, 8],
        [2, 1, 10, 18],
      ]);
    }
  });

  test('text excludes leading comments and whitespace, trailing comments and the semicolon', () => {
    const src = '-- hello\n/* block */ SELECT 1 -- trailing\n;\nSELECT 2 /* x */ -- end\n';
    const f = parseSql(src, { path: 'c.sql' });
    expect(where(f)).toEqual([
      { text: 'SELECT 1', line: 2, column: 13, endLine: 2, endColumn: 21 },
      { text: 'SELECT 2', line: 4, column: 1, endLine: 4, endColumn: 9 },
    ]);
  });

  test('last statement without a semicolon, and empty statements between semicolons', () => {
    const f = parseSql(';;SELECT 1;;\n;SELECT 2', { path: 'c.sql' });
    expect(where(f)).toEqual([
      { text: 'SELECT 1', line: 1, column: 3, endLine: 1, endColumn: 11 },
      { text: 'SELECT 2', line: 2, column: 2, endLine: 2, endColumn: 10 },
    ]);
    expect(f.statements.map((s) => s.index)).toEqual([0, 1]);
  });

  test('multi-line statement ending on a line with multi-byte text', () => {
    const src = "CREATE TABLE café (\n  note text DEFAULT '☕'\n);";
    const f = parseSql(src, { path: 'm.sql' });
    expect(where(f)).toEqual([{ text: src.slice(0, -1), line: 1, column: 1, endLine: 3, endColumn: 2 }]);
  });
});

describe('LineIndex', () => {
  test('maps string indexes to 1-based line/column with code-point columns', () => {
    const idx = new LineIndex('ab\r\n😀c\nd\re');
    expect(idx.lineCount).toBe(4);
    expect(idx.position(0)).toEqual({ line: 1, column: 1 });
    expect(idx.position(2)).toEqual({ line: 1, column: 3 }); // at the \r
    expect(idx.position(4)).toEqual({ line: 2, column: 1 });
    expect(idx.position(6)).toEqual({ line: 2, column: 2 }); // after the emoji
    expect(idx.position(7)).toEqual({ line: 2, column: 3 });
    expect(idx.position(8)).toEqual({ line: 3, column: 1 });
    expect(idx.position(10)).toEqual({ line: 4, column: 1 });
    expect(idx.position(99)).toEqual({ line: 4, column: 2 });
    expect(idx.offsetAt(2, 2)).toBe(6);
    expect(idx.offsetAt(4, 1)).toBe(10);
  });

  test('lookups out of order give the same answers as in order', () => {
    const text = 'x😀y😀z\n\tq';
    const idx = new LineIndex(text);
    const forward = [0, 1, 3, 4, 6, 7, 8, 9].map((o) => idx.position(o));
    const fresh = new LineIndex(text);
    const backward = [9, 8, 7, 6, 4, 3, 1, 0].map((o) => fresh.position(o)).reverse();
    expect(backward).toEqual(forward);
    expect(forward.map((p) => p.column)).toEqual([1, 2, 3, 4, 5, 6, 1, 2]);
  });
});

describe('OffsetMap', () => {
  test('converts UTF-8 byte offsets to string indexes and back', () => {
    const m = new OffsetMap('aé😀b');
    expect(m.isAscii).toBe(false);
    expect(m.byteLength).toBe(1 + 2 + 4 + 1);
    expect([0, 1, 3, 7, 8].map((b) => m.indexOfByte(b))).toEqual([0, 1, 2, 4, 5]);
    expect([0, 1, 2, 4, 5].map((i) => m.byteOfIndex(i))).toEqual([0, 1, 3, 7, 8]);
  });

  test('ASCII text needs no table', () => {
    const m = new OffsetMap('select 1');
    expect(m.isAscii).toBe(true);
    expect(m.indexOfByte(5)).toBe(5);
    expect(m.byteOfIndex(5)).toBe(5);
  });
});
