import { beforeAll, describe, expect, test } from 'vitest';
import { initParser, isParserReady, parseAll, parseOne, scanTokens } from '../../src/sql/index.js';

beforeAll(async () => {
  await initParser();
});

describe('small helpers', () => {
  test('initParser is idempotent and concurrent-safe', async () => {
    await Promise.all([initParser(), initParser()]);
    expect(isParserReady()).toBe(true);
  });

  test('parseOne returns the first statement AST or undefined', () => {
    expect(parseOne('ALTER TABLE t ADD c int; SELECT 1')).toMatchObject({ AlterTableStmt: { relation: { relname: 't' } } });
    expect(parseOne('ALTER TABLE')).toBeUndefined();
    expect(parseOne('-- nothing')).toBeUndefined();
  });

  test('parseAll returns every AST, and throws a plain Error with the PostgreSQL message', () => {
    expect(parseAll('SELECT 1; DROP TABLE t').map((n) => Object.keys(n)[0])).toEqual(['SelectStmt', 'DropStmt']);
    expect(() => parseAll('SELEC 1')).toThrowError('syntax error at or near "SELEC"');
  });

  test('scanTokens gives string indexes (not bytes) and works on invalid SQL', () => {
    const tokens = scanTokens("SELEC 'é' -- c")!;
    expect(tokens.map((t) => [t.text, t.start, t.end, t.name])).toEqual([
      ['SELEC', 0, 5, 'IDENT'],
      ["'é'", 6, 9, 'SCONST'],
      ['-- c', 10, 14, 'SQL_COMMENT'],
    ]);
    expect(scanTokens("SELECT 'unterminated")).toBeUndefined();
  });
});
