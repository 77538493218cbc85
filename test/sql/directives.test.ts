import { beforeAll, describe, expect, test } from 'vitest';
import { initParser, parseDirective, parseSql } from '../../src/sql/index.js';
import type { ParsedFile } from '../../src/types.js';

beforeAll(async () => {
  await initParser();
});

const byStatement = (f: ParsedFile) =>
  Object.fromEntries([...f.directives.byStatement].map(([k, v]) => [k, [...v].sort()]));

describe('ignore directives', () => {
  test('all four kinds, line and block comments, comment blocks and blank lines', () => {
    const src = [
      '-- dbarch-ignore-file prefer-robust-stmts', // 1
      '/* squawk-ignore-file ban-drop-column */', // 2
      '-- dbarch-ignore adding-not-nullable-field, require-concurrent-index-creation', // 3
      'ALTER TABLE a ADD b int NOT NULL;', // 4  -> 0
      '', // 5
      '-- squawk-ignore ban-drop-column', // 6
      'ALTER TABLE a DROP COLUMN b;', // 7  -> 1
      '-- dbarch-ignore foo', // 8
      '', // 9
      'CREATE INDEX i ON a (b);', // 10 -> 2 (blank line in between: not applied)
      '-- explanation of the change', // 11
      '-- dbarch-ignore bar', // 12
      '-- more words', // 13
      'ALTER TABLE a ADD c int;', // 14 -> 3
      '/* dbarch-ignore */ DROP TABLE x;', // 15 -> 4 ('*')
      'SELECT 1; -- squawk-ignore baz', // 16 -> 5 (trailing comment: for the statement on its line)
      '/*', // 17
      '  dbarch-ignore multi-line, block', // 18
      '*/', // 19
      'SELECT 2;', // 20 -> 6
    ].join('\n');
    const f = parseSql(src, { path: 'd.sql' });
    expect(f.statements.map((s) => s.span.line)).toEqual([4, 7, 10, 14, 15, 16, 20]);
    expect([...f.directives.file].sort()).toEqual(['ban-drop-column', 'prefer-robust-stmts']);
    expect(byStatement(f)).toEqual({
      0: ['adding-not-nullable-field', 'require-concurrent-index-creation'],
      1: ['ban-drop-column'],
      3: ['bar'],
      4: ['*'],
      5: ['baz'],
      6: ['block', 'multi-line'],
    });
  });

  test('a file directive without rules ignores everything; directives inside statements do not count', () => {
    const src = 'ALTER TABLE a\n  -- dbarch-ignore inner\n  ADD b int;\nSELECT 1;\n-- dbarch-ignore-file\n';
    const f = parseSql(src, { path: 'd.sql' });
    expect([...f.directives.file]).toEqual(['*']);
    expect(byStatement(f)).toEqual({});
  });

  test('statements taken out of a DO block inherit the DO statement directives', () => {
    const src = '-- dbarch-ignore ban-drop-column\nDO $$ BEGIN ALTER TABLE a DROP COLUMN b; END $$;\nALTER TABLE a DROP COLUMN c;';
    const f = parseSql(src, { path: 'd.sql' });
    expect(f.statements.map((s) => s.nested?.parentIndex)).toEqual([undefined, 0, undefined]);
    expect(byStatement(f)).toEqual({ 0: ['ban-drop-column'], 1: ['ban-drop-column'] });
  });

  test('directives work on the slow path (syntax error in the file) with CRLF line breaks', () => {
    const src = 'SELEC 1;\r\n-- squawk-ignore ban-drop-table\r\nDROP TABLE x;\r\n';
    const f = parseSql(src, { path: 'd.sql' });
    expect(byStatement(f)).toEqual({ 1: ['ban-drop-table'] });
  });
});

describe('parseDirective', () => {
  test.each([
    [' dbarch-ignore a, b', { file: false, rules: ['a', 'b'] }],
    ['dbarch-ignore a b -- because reasons', { file: false, rules: ['a', 'b'], reason: 'because reasons' }],
    [' squawk-ignore-file ban-drop-column', { file: true, rules: ['ban-drop-column'] }],
    [' SQUAWK-IGNORE x', { file: false, rules: ['x'] }],
    [' dbarch-ignore', { file: false, rules: ['*'] }],
    [' dbarch-ignorex a', undefined],
    [' a note about dbarch-ignore', undefined],
  ])('%j', (body, expected) => {
    expect(parseDirective(body)).toEqual(expected);
  });
});

describe('directives inside DO bodies', () => {
  test('a -- dbarch-ignore line directly above a statement in the body applies to it', () => {
    const src = [
      '-- dbarch-ignore outer',
      'DO $$',
      'BEGIN',
      '  -- why we do this',
      '  -- squawk-ignore ban-drop-column',
      '  ALTER TABLE a DROP COLUMN b;',
      '',
      '  -- dbarch-ignore not-adjacent',
      '',
      '  ALTER TABLE a DROP COLUMN c;',
      '  -- dbarch-ignore-file not-here',
      '  ALTER TABLE a DROP COLUMN d;',
      'END $$;',
    ].join('\r\n');
    const f = parseSql(src, { path: 'd.sql' });
    expect(f.statements.map((s) => s.span.line)).toEqual([2, 6, 10, 12]);
    expect(byStatement(f)).toEqual({
      0: ['outer'],
      1: ['ban-drop-column', 'outer'],
      2: ['outer'],
      3: ['outer'],
    });
    expect([...f.directives.file]).toEqual([]);
  });
});
