import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, test } from 'vitest';
import { initParser, parseSql, splitStatements } from '../../src/sql/index.js';
import type { ParsedFile } from '../../src/types.js';

beforeAll(async () => {
  await initParser();
});

const kinds = (f: ParsedFile) => f.statements.map((s) => (s.ast ? Object.keys(s.ast)[0] : 'error'));
const fixture = (name: string) => readFileSync(fileURLToPath(new URL(`../../fixtures/sql/${name}`, import.meta.url)));

describe('dollar-quoted bodies', () => {
  test('semicolons inside $$ and $tag$ bodies do not split statements', () => {
    const src = [
      'CREATE FUNCTION f() RETURNS trigger LANGUAGE plpgsql AS $$',
      'BEGIN',
      '  UPDATE t SET a = 1; RETURN NEW;',
      'END;',
      '$$;',
      "CREATE FUNCTION g() RETURNS text LANGUAGE sql AS $body$ SELECT 'a;b' $body$;",
      'ALTER TABLE t ADD b int;',
    ].join('\n');
    const f = parseSql(src, { path: 'fn.sql' });
    expect(f.notices).toEqual([]);
    expect(kinds(f)).toEqual(['CreateFunctionStmt', 'CreateFunctionStmt', 'AlterTableStmt']);
    expect(f.statements[0]!.span).toMatchObject({ line: 1, column: 1, endLine: 5, endColumn: 3 });
    expect(f.statements[2]!.span).toMatchObject({ line: 7, column: 1 });
  });

  test('our own lexer (used when the scanner gives up) keeps $$ bodies whole', () => {
    // The unterminated string makes the PostgreSQL scanner fail on the whole file.
    const f = parseSql("SELECT $$a;b$$, $t$'$t$, x$y$z;\nSELECT 'unterminated", { path: 'u.sql' });
    expect(f.statements.map((s) => [s.text, !!s.ast])).toEqual([
      ["SELECT $$a;b$$, $t$'$t$, x$y$z", true],
      ["SELECT 'unterminated", false],
    ]);
  });

  test('a backslash line inside a $$ body is not a meta-command', () => {
    const f = parseSql('SELECT $$\n\\not a meta-command\n$$;', { path: 'd.sql' });
    expect(f.notices).toEqual([]);
    expect(f.statements[0]!.text).toBe('SELECT $$\n\\not a meta-command\n$$');
  });

  test('the same with a syntax error elsewhere (the scanner-split slow path)', () => {
    const src = 'CREATE FUNCTION f() RETURNS int LANGUAGE plpgsql AS $$ BEGIN PERFORM 1; RETURN 1; END $$;\nSELEC 1;\nSELECT 2;';
    const f = parseSql(src, { path: 'fn.sql' });
    expect(kinds(f)).toEqual(['CreateFunctionStmt', 'error', 'SelectStmt']);
    expect(f.statements[0]!.nested).toBeUndefined();
    expect(f.statements.filter((s) => s.nested)).toEqual([]);
  });

  test('BEGIN ATOMIC bodies and CREATE RULE action lists stay whole on the slow path', () => {
    const src = [
      'CREATE FUNCTION f() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT 1; SELECT CASE WHEN true THEN 2 END; END;',
      'CREATE RULE r AS ON INSERT TO t DO ALSO (INSERT INTO a VALUES (1); INSERT INTO b VALUES (2));',
      'SELEC;',
      'SELECT 3;',
    ].join('\n');
    const f = parseSql(src, { path: 'atomic.sql' });
    expect(kinds(f)).toEqual(['CreateFunctionStmt', 'RuleStmt', 'error', 'SelectStmt']);
    expect(f.statements.map((s) => s.span.line)).toEqual([1, 2, 3, 4]);
  });
});

describe('COPY … FROM stdin', () => {
  test('the data block is blanked and reported; the COPY statement is kept', () => {
    const src = "COPY t (a, b) FROM stdin;\n1\tO'Brien;\n2\t\\N\n\\.\nALTER TABLE t ADD c int;\n";
    const f = parseSql(src, { path: 'copy.sql' });
    expect(kinds(f)).toEqual(['CopyStmt', 'AlterTableStmt']);
    expect(f.statements[0]!.text).toBe('COPY t (a, b) FROM stdin');
    expect(f.statements[1]!.span).toMatchObject({ line: 5, column: 1 });
    expect(f.notices).toEqual([
      {
        rule: 'skipped-copy-data',
        severity: 'info',
        engine: 'builtin',
        line: 2,
        column: 1,
        endLine: 4,
        endColumn: 3,
        message: 'COPY data skipped (2 lines) after: COPY t (a, b) FROM stdin',
      },
    ]);
  });

  test('csv data with quotes, CRLF terminator, and COPY … TO stdout (no data block)', () => {
    const src = "COPY t FROM STDIN WITH (FORMAT csv);\r\n\"a;\",'x\r\n\\.\r\nCOPY t TO stdout;\r\nSELECT 1;";
    const f = parseSql(src, { path: 'copy.sql' });
    expect(kinds(f)).toEqual(['CopyStmt', 'CopyStmt', 'SelectStmt']);
    expect(f.notices.map((n) => [n.rule, n.line, n.endLine])).toEqual([['skipped-copy-data', 2, 3]]);
  });

  test('data without a terminator runs to the end of the file', () => {
    const f = parseSql('COPY t FROM stdin;\n1\n2\n', { path: 'copy.sql' });
    expect(kinds(f)).toEqual(['CopyStmt']);
    expect(f.notices[0]!.message).toContain('(2 lines)');
  });

  test('psql \\copy … from stdin is a meta-command followed by data', () => {
    const f = parseSql('\\copy t from stdin\n1\n\\.\nSELECT 1;', { path: 'copy.sql' });
    expect(kinds(f)).toEqual(['SelectStmt']);
    expect(f.notices.map((n) => [n.rule, n.line])).toEqual([
      ['skipped-meta-command', 1],
      ['skipped-copy-data', 2],
    ]);
  });
});

describe('psql meta-commands', () => {
  test('each meta-command line is skipped with an info finding; statements keep their positions', () => {
    const src = '\\set ON_ERROR_STOP 1\n\\connect mydb\nBEGIN;\n  \\echo hello; world\nALTER TABLE t ADD c int;\n\\unset x\nCOMMIT;\n';
    const f = parseSql(src, { path: 'mb.sql' });
    expect(kinds(f)).toEqual(['TransactionStmt', 'AlterTableStmt', 'TransactionStmt']);
    expect(f.statements.map((s) => [s.text, s.span.line])).toEqual([
      ['BEGIN', 3],
      ['ALTER TABLE t ADD c int', 5],
      ['COMMIT', 7],
    ]);
    expect(f.notices.map((n) => [n.rule, n.severity, n.line, n.column, n.endColumn, n.message])).toEqual([
      ['skipped-meta-command', 'info', 1, 1, 21, 'psql meta-command skipped (not SQL): \\set ON_ERROR_STOP 1'],
      ['skipped-meta-command', 'info', 2, 1, 14, 'psql meta-command skipped (not SQL): \\connect mydb'],
      ['skipped-meta-command', 'info', 4, 3, 21, 'psql meta-command skipped (not SQL): \\echo hello; world'],
      ['skipped-meta-command', 'info', 6, 1, 9, 'psql meta-command skipped (not SQL): \\unset x'],
    ]);
  });

  test('\\gset sends the query buffer: it ends the statement before it', () => {
    const f = parseSql('SELECT count(*) AS n FROM t\n\\gset\nALTER TABLE t ADD c int;', { path: 'g.sql' });
    expect(f.statements.map((s) => s.text)).toEqual(['SELECT count(*) AS n FROM t', 'ALTER TABLE t ADD c int']);
    expect(f.notices.filter((n) => n.rule === 'syntax-error')).toEqual([]);
  });

  test('variables set with \\set are interpolated (:v, :\'v\', :"v"); casts and slices are untouched', () => {
    const src = "\\set gid 'gen()'\nINSERT INTO t VALUES (:gid, :'gid', :\"gid\");\nSELECT a::int, b[1:2] FROM t;";
    const f = parseSql(src, { path: 'v.sql' });
    expect(kinds(f)).toEqual(['InsertStmt', 'SelectStmt']);
    expect(f.statements[0]!.text).toBe("INSERT INTO t VALUES (:gid, :'gid', :\"gid\")");
    // The value is longer than `:gid`, so the name stands in for it.
    expect(f.statements[0]!.rendered).toBe("INSERT INTO t VALUES (gid , 'gid' , \"gid\" )");
    expect(f.notices.map((n) => n.rule)).toEqual(['skipped-meta-command', 'template-substituted']);
  });

  test('a :name that was never \\set (psql -v) is read as an identifier, not a syntax error', () => {
    const f = parseSql('\\set a 1\nSELECT :b, :a;', { path: 'v.sql' });
    expect(f.notices.map((n) => [n.rule, n.line, n.column, n.endColumn])).toEqual([
      ['skipped-meta-command', 1, 1, 9],
      ['template-substituted', 2, 8, 10],
    ]);
    expect(f.statements[0]!.rendered).toBe('SELECT b , 1');
    expect(f.notices[1]!.message).toBe(
      '2 template placeholders replaced before parsing: :b → b (no value); :a → 1 (from \\set). Give values with `vars:` in the config or `--var name=value`.',
    );
  });

  test('a backslash inside a string or comment is not a meta-command', () => {
    const f = parseSql("SELECT E'\\n\\\\x', '\n\\set x';\n-- \\set y\nSELECT 2;", { path: 's.sql' });
    expect(kinds(f)).toEqual(['SelectStmt', 'SelectStmt']);
    expect(f.notices).toEqual([]);
  });
});

describe('empty, comment-only, encodings, size', () => {
  test.each([
    ['empty', ''],
    ['whitespace', '  \n\r\n\t'],
    ['comments', '-- just a comment\n/* and /* nested */ another */\n'],
    ['semicolons', ';\n;;'],
  ])('%s file: no statements, no findings', (_name, src) => {
    const f = parseSql(src, { path: 'x.sql' });
    expect(f.statements).toEqual([]);
    expect(f.notices).toEqual([]);
    expect(f.source).toBe(src);
  });

  test('non-UTF-8 bytes: replaced, reported once at the first bad byte, parsing continues', () => {
    const f = parseSql(fixture('latin1.sql'), { path: 'latin1.sql' });
    expect(f.notices).toEqual([
      {
        rule: 'invalid-utf8',
        severity: 'info',
        engine: 'builtin',
        line: 2,
        column: 27,
        endLine: 2,
        endColumn: 28,
        message: 'File is not valid UTF-8: byte 51 (line 2, column 27) and any other invalid bytes were read as U+FFFD.',
      },
    ]);
    expect(kinds(f)).toEqual(['CreateStmt', 'CommentStmt', 'AlterTableStmt']);
    expect(f.statements[1]!.text).toBe("COMMENT ON TABLE t IS 'caf\uFFFD cr\uFFFDme'");
    expect(f.statements[2]!.span).toMatchObject({ line: 3, column: 1, endColumn: 24 });
  });

  test('files over the size limit are not parsed', () => {
    const f = parseSql('SELECT 1;', { path: 'big.sql', maxBytes: 5 });
    expect(f.statements).toEqual([]);
    expect(f.notices).toEqual([
      {
        rule: 'file-too-large',
        severity: 'info',
        engine: 'builtin',
        line: 1,
        column: 1,
        endLine: 1,
        endColumn: 1,
        message: 'File skipped: 9 bytes is over the limit of 5 bytes (maxFileBytes).',
      },
    ]);
  });

  test('the default limit is 2 MiB, counted in bytes', () => {
    const justOver = Buffer.alloc(2 * 1024 * 1024 + 1, 0x20);
    expect(parseSql(justOver, { path: 'big.sql' }).notices.map((n) => n.rule)).toEqual(['file-too-large']);
    // 1,048,577 × 'é' is 2 MiB + 2 bytes but only about 1 M characters.
    const wide = 'é'.repeat(1024 * 1024 + 1);
    expect(parseSql(wide, { path: 'big.sql' }).notices.map((n) => n.rule)).toEqual(['file-too-large']);
    expect(parseSql(Buffer.alloc(2 * 1024 * 1024, 0x20), { path: 'ok.sql' }).notices).toEqual([]);
  });

  test('NUL bytes do not cut the text short', () => {
    const f = parseSql('SELECT 1;\0\nSELECT 2;', { path: 'nul.sql' });
    expect(f.statements.map((s) => s.text)).toEqual(['SELECT 1', 'SELECT 2']);
  });

  test('lone surrogates in string input are replaced, not fatal', () => {
    const f = parseSql("SELECT '\uD800';\nSELECT 2;", { path: 's.sql' });
    expect(f.statements.map((s) => s.text)).toEqual(["SELECT '\uFFFD'", 'SELECT 2']);
  });
});

describe('splitStatements', () => {
  test('scanner and own lexer split the same way; offsets are string indexes', () => {
    const sql = "SELECT 'é;😀';\nCREATE RULE r AS ON INSERT TO t DO ALSO (SELECT 1; SELECT 2); -- c;\nSELECT 3";
    const expected = [
      { start: 0, end: 13, semicolon: 13, firstWord: 'SELECT' },
      { start: 15, end: 75, semicolon: 75, firstWord: 'CREATE' },
      { start: 83, end: 91, semicolon: -1, firstWord: 'SELECT' },
    ];
    expect(splitStatements(sql)).toEqual(expected);
    expect(splitStatements(sql, { scanner: false })).toEqual(expected);
  });
});
