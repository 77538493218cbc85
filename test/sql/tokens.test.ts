// dbarch's scanner against PostgreSQL's own (libpg_query's WASM scanner is the oracle): the
// same tokens at the same string indexes, keywords told apart the same way, and an error
// (undefined) exactly where PostgreSQL reports one.
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { scanSync } from 'libpg-query';
import { beforeAll, describe, expect, it } from 'vitest';
import { initParser } from '../../src/sql/index.js';
import { KEYWORD_KIND } from '../../src/sql/keywords.generated.js';
import { tokenize } from '../../src/sql/tokens.js';
import { mine, oracle } from './scanner-oracle.js';

beforeAll(initParser);

const CASES = [
  "SELECT E'a\\'b', e'x\\\\', B'101', X'ff', N'abc', U&'d\\0061t' UESCAPE '\\', U&\"d!0061t\" UESCAPE '!'",
  "SELECT 'a'\n  'b', 'c'\n-- between\n'd', 'e' -- no newline before the comment\n",
  "SELECT 1_000, 0x1F, 0X1f_2, 0o17, 0b101, 1.5e-3, 2E+10, .5, 1., 1..2, 3 .. 4",
  'SELECT a=-1, b<>c, d!=e, f->>\'k\', g@>h, i::int, j := 1, k => 2, l||m, n+-o, p <= q, r >= s, t ~~* u, v @- w, x !=- y',
  'SELECT $1, $2a, $tag$ body $ $x$ $tag$, $$ $$, a$b, "quoted ""x"" name", $',
  '/* a /* nested */ still comment */ SELECT 1 /**/ ; -- trailing',
  'SELECT \'é\', "ü", ñame, 😀 FROM t WHERE x = \'日本\'',
  'Select FROM wHeRe Create UNIQUE index CONCURRENTLY If Not Exists current_timestamp nchar national',
  'CREATE TABLE t (a timestamp(6) with time zone, b double precision, c character varying(20)[], d public.citext)',
  'SELECT 1 {a} [1:2] \\ # ? `',
];
const FAILING = ["SELECT 'abc", 'SELECT /* x', 'SELECT $$ x', 'SELECT "abc', 'SELECT 1abc', 'SELECT 0x', 'SELECT ""', 'SELECT 1e'];

describe('tokenize', () => {
  it.each(CASES)('gives the PostgreSQL scanner tokens for %j', (text) => {
    expect(oracle(text)).toBeDefined();
    expect(mine(text)).toEqual(oracle(text));
  });

  it.each(FAILING)('fails where the PostgreSQL scanner fails: %j', (text) => {
    expect(oracle(text)).toBeUndefined();
    expect(tokenize(text)).toBeUndefined();
  });

  it('gives the PostgreSQL scanner tokens for every fixture SQL file', () => {
    const root = fileURLToPath(new URL('../../fixtures', import.meta.url));
    const sql: string[] = [];
    const walk = (dir: string) => {
      for (const name of readdirSync(dir)) {
        const path = join(dir, name);
        if (statSync(path).isDirectory()) walk(path);
        else if (name.endsWith('.sql')) sql.push(path);
      }
    };
    walk(root);
    expect(sql.length).toBeGreaterThan(50);
    const differ = sql.filter((path) => {
      const text = readFileSync(path, 'utf8');
      return text.trim() !== '' && JSON.stringify(mine(text)) !== JSON.stringify(oracle(text));
    });
    expect(differ).toEqual([]);
  });

  it('knows each keyword of the generated list with the category the scanner gives it', () => {
    for (const [word, kind] of KEYWORD_KIND) expect([word, scanSync(word).tokens[0]!.keywordKind]).toEqual([word, kind]);
    expect(KEYWORD_KIND.size).toBeGreaterThan(480);
    for (const word of ['users', 'email', 'timestamptz', 'citext']) expect(scanSync(word).tokens[0]!.keywordKind).toBe(0);
  });
});
