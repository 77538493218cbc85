import { beforeAll, describe, expect, test } from 'vitest';
import { initParser, parseSql, stringLiteralValue } from '../../src/sql/index.js';
import type { ParsedFile } from '../../src/types.js';

beforeAll(async () => {
  await initParser();
});

const summary = (f: ParsedFile) =>
  f.statements.map((s) => ({
    index: s.index,
    kind: s.ast ? Object.keys(s.ast)[0] : 'error',
    text: s.text,
    at: [s.span.line, s.span.column, s.span.endLine, s.span.endColumn],
    nested: s.nested,
  }));

describe('DO blocks', () => {
  test('static SQL and EXECUTE literals in nested IF / LOOP / EXCEPTION / CASE, mapped to the file', () => {
    const src = [
      '-- setup', // 1
      'DO $$', // 2
      'DECLARE r record;', // 3
      'BEGIN', // 4
      "  IF NOT EXISTS (SELECT 1 FROM pg_attribute WHERE attname = 'b') THEN", // 5
      '    ALTER TABLE foo ADD COLUMN b int;', // 6
      '  ELSIF true THEN', // 7
      "    EXECUTE 'ALTER TABLE foo ADD COLUMN c text';", // 8
      '  ELSE', // 9
      '    PERFORM pg_sleep(0);', // 10
      '  END IF;', // 11
      '  FOR r IN SELECT id FROM foo LOOP', // 12
      "    EXECUTE 'UPDATE foo SET b = ' || r.id;", // 13
      '    DELETE FROM foo WHERE id = r.id;', // 14
      '  END LOOP;', // 15
      '  BEGIN', // 16
      "    EXECUTE E'CREATE INDEX foo_b ON foo (b)';", // 17
      '  EXCEPTION WHEN duplicate_table THEN', // 18
      '    EXECUTE $q$DROP INDEX IF EXISTS foo_b$q$;', // 19
      '  END;', // 20
      "  CASE WHEN r IS NULL THEN EXECUTE 'COMMENT ON TABLE foo IS ''x''';  ELSE NULL; END CASE;", // 21
      'END $$;', // 22
      'ALTER TABLE foo ADD d int;', // 23
    ].join('\n');
    const f = parseSql(src, { path: 'do.sql' });
    expect(f.notices).toEqual([]);
    expect(summary(f)).toEqual([
      { index: 0, kind: 'DoStmt', text: src.slice(src.indexOf('DO $$'), src.indexOf('END $$') + 6), at: [2, 1, 22, 7], nested: undefined },
      {
        index: 1,
        kind: 'AlterTableStmt',
        text: 'ALTER TABLE foo ADD COLUMN b int',
        at: [6, 5, 6, 37],
        nested: { parentIndex: 0, via: 'static' },
      },
      {
        index: 2,
        kind: 'AlterTableStmt',
        text: 'ALTER TABLE foo ADD COLUMN c text',
        at: [8, 14, 8, 47],
        nested: { parentIndex: 0, via: 'execute' },
      },
      {
        index: 3,
        kind: 'DeleteStmt',
        text: 'DELETE FROM foo WHERE id = r.id',
        at: [14, 5, 14, 36],
        nested: { parentIndex: 0, via: 'static' },
      },
      {
        index: 4,
        kind: 'IndexStmt',
        text: 'CREATE INDEX foo_b ON foo (b)',
        at: [17, 15, 17, 44],
        nested: { parentIndex: 0, via: 'execute' },
      },
      {
        index: 5,
        kind: 'DropStmt',
        text: 'DROP INDEX IF EXISTS foo_b',
        at: [19, 16, 19, 42],
        nested: { parentIndex: 0, via: 'execute' },
      },
      {
        // The literal's value differs from the source ('' escapes): span = the literal.
        index: 6,
        kind: 'CommentStmt',
        text: "COMMENT ON TABLE foo IS 'x'",
        at: [21, 36, 21, 67],
        nested: { parentIndex: 0, via: 'execute' },
      },
      { index: 7, kind: 'AlterTableStmt', text: 'ALTER TABLE foo ADD d int', at: [23, 1, 23, 26], nested: undefined },
    ]);
  });

  test('DO LANGUAGE plpgsql $tag$ … $tag$, multi-byte text before the statement', () => {
    const src = "SELECT 'héllo 😀';\nDO LANGUAGE plpgsql $x$ BEGIN /* é */ ALTER TABLE a ADD b int; END $x$;";
    const f = parseSql(src, { path: 'do.sql' });
    expect(summary(f).slice(1)).toEqual([
      { index: 1, kind: 'DoStmt', text: src.split('\n')[1]!.slice(0, -1), at: [2, 1, 2, 71], nested: undefined },
      { index: 2, kind: 'AlterTableStmt', text: 'ALTER TABLE a ADD b int', at: [2, 39, 2, 62], nested: { parentIndex: 1, via: 'static' } },
    ]);
  });

  test("single-quoted DO body: '' escapes are mapped back to the source", () => {
    const f = parseSql("DO 'BEGIN ALTER TABLE a ADD b int; EXECUTE ''ALTER TABLE a ADD c int''; END';", { path: 'do.sql' });
    expect(summary(f).slice(1).map((s) => [s.text, ...s.at])).toEqual([
      ['ALTER TABLE a ADD b int', 1, 11, 1, 34],
      ['ALTER TABLE a ADD c int', 1, 46, 1, 69],
    ]);
  });

  test('DO run by EXECUTE inside a DO block is followed too', () => {
    const f = parseSql("DO $$ BEGIN EXECUTE 'DO $i$ BEGIN ALTER TABLE z ADD q int; END $i$'; END $$;", { path: 'do.sql' });
    expect(summary(f).map((s) => [s.index, s.kind, s.nested, ...s.at])).toEqual([
      [0, 'DoStmt', undefined, 1, 1, 1, 76],
      [1, 'DoStmt', { parentIndex: 0, via: 'execute' }, 1, 22, 1, 67],
      [2, 'AlterTableStmt', { parentIndex: 1, via: 'static' }, 1, 35, 1, 58],
    ]);
  });

  test('a nested DO whose text is escaped in the source: its statements take the nested DO span', () => {
    const f = parseSql("DO $$ BEGIN EXECUTE 'DO ''BEGIN ALTER TABLE z ADD q int; END'''; END $$;", { path: 'do.sql' });
    expect(summary(f).map((s) => [s.kind, s.text, ...s.at])).toEqual([
      ['DoStmt', f.statements[0]!.text, 1, 1, 1, 72],
      ['DoStmt', "DO 'BEGIN ALTER TABLE z ADD q int; END'", 1, 21, 1, 64],
      ['AlterTableStmt', 'ALTER TABLE z ADD q int', 1, 21, 1, 64],
    ]);
  });

  test('dynamic EXECUTE, PERFORM, RAISE and conditions are not extracted; SELECT … INTO is (as a SELECT)', () => {
    const src = "DO $$ DECLARE n int; BEGIN EXECUTE format('DROP TABLE %I', 't'); PERFORM 1; RAISE NOTICE 'x'; SELECT count(*) INTO n FROM t; END $$;";
    const f = parseSql(src, { path: 'do.sql' });
    expect(f.statements.map((s) => (s.ast ? Object.keys(s.ast)[0] : 'error'))).toEqual(['DoStmt', 'SelectStmt']);
    // PL/pgSQL strips `INTO n` (so it is no SELECT INTO a new table) and the span still fits.
    const select = f.statements[1]!;
    expect(select.ast).toMatchObject({ SelectStmt: {} });
    expect(select.ast && 'SelectStmt' in select.ast && select.ast.SelectStmt.intoClause).toBeFalsy();
    const column = src.indexOf('SELECT count') + 1;
    expect([select.span.line, select.span.column, select.span.endColumn]).toEqual([1, column, column + 'SELECT count(*) INTO n FROM t'.length]);
  });

  test('function bodies are not run by the migration: nothing is extracted', () => {
    const src = 'CREATE FUNCTION f() RETURNS void LANGUAGE plpgsql AS $$ BEGIN ALTER TABLE a ADD b int; END $$;';
    expect(parseSql(src, { path: 'fn.sql' }).statements).toHaveLength(1);
  });

  test('other DO languages are left alone', () => {
    const f = parseSql("DO LANGUAGE plv8 $$ plv8.execute('ALTER TABLE a ADD b int') $$;", { path: 'do.sql' });
    expect(f.statements).toHaveLength(1);
    expect(f.notices).toEqual([]);
  });

  test('a PL/pgSQL parse failure is an info finding, and parsing goes on', () => {
    const src = 'DO $$ BEGIN IF x THEN END; END $$;\nALTER TABLE a ADD b int;';
    const f = parseSql(src, { path: 'do.sql' });
    expect(f.statements.map((s) => s.index)).toEqual([0, 1]);
    expect(f.notices).toHaveLength(1);
    expect(f.notices[0]).toMatchObject({ rule: 'plpgsql-not-analysed', severity: 'info', line: 1, column: 1, endColumn: 34, statementIndex: 0 });
    expect(f.notices[0]!.message).toContain('syntax error');
  });

  test('CRLF line breaks inside a DO body', () => {
    const src = 'DO $$\r\nBEGIN\r\n  ALTER TABLE a\r\n    ADD b int;\r\nEND $$;';
    const f = parseSql(src, { path: 'do.sql' });
    expect(summary(f)[1]!.at).toEqual([3, 3, 4, 14]);
  });

  test('DO blocks on the slow path (a syntax error elsewhere) are extracted too', () => {
    const src = 'SELEC 1;\nDO $$ BEGIN ALTER TABLE a ADD b int; END $$;';
    const f = parseSql(src, { path: 'do.sql' });
    expect(summary(f).map((s) => [s.kind, ...s.at])).toEqual([
      ['error', 1, 1, 1, 8],
      ['DoStmt', 2, 1, 2, 44],
      ['AlterTableStmt', 2, 13, 2, 36],
    ]);
  });
});

describe('stringLiteralValue', () => {
  test.each([
    ["'a''b'", "a'b"],
    ["E'a\\'b\\n'", "a'b\n"],
    ['$q$x;y$q$', 'x;y'],
    ["'a' || 'b'", undefined],
    ['v_sql', undefined],
    ["'a' AS x", undefined],
  ])('%s', (expr, value) => {
    expect(stringLiteralValue(expr)).toBe(value);
  });
});
