import { beforeAll, expect, test } from 'vitest';
import { initParser, parseSql } from '../../src/sql/index.js';

beforeAll(async () => {
  await initParser();
});

const TRICKY = [
  '\\set ON_ERROR_STOP 1',
  "BEGIN; -- dbarch-ignore x",
  "/* c /* nested */ */ SELECT E'a\\'b;', 'c''d', \"q\"\"i\", $$x;y$$, $t$ $$ ; $t$, :'v';",
  'COPY t (a) FROM stdin;',
  "1\tO'Brien",
  '\\.',
  "DO $$ DECLARE r record; BEGIN FOR r IN SELECT 1 LOOP EXECUTE 'ALTER TABLE é ADD 😀 int'; END LOOP; END $$;",
  'CREATE FUNCTION f() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT 1; END;',
  'ALTER TABLE t ADD c int\r\n;\rCOMMIT',
].join('\n');

test('every prefix of a tricky file parses without throwing and with sane spans', { timeout: 120_000 }, () => {
  for (let cut = 0; cut <= TRICKY.length; cut++) {
    const src = TRICKY.slice(0, cut);
    const f = parseSql(src, { path: 'p.sql' });
    expect(f.notices.filter((n) => n.rule === 'internal-error')).toEqual([]);
    for (const s of f.statements) {
      expect(s.span.endOffset).toBeGreaterThanOrEqual(s.span.offset);
      expect(s.span.endOffset).toBeLessThanOrEqual(f.source.length);
      if (!s.nested) expect(f.source.slice(s.span.offset, s.span.endOffset)).toBe(s.text);
    }
  }
});

test('random bytes never throw', { timeout: 120_000 }, () => {
  // Deterministic PRNG so a failure is reproducible.
  let seed = 12345;
  const rand = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
  const alphabet = Buffer.from("'\"$;()\\-/*\n\r\t abcE:é😀\0");
  for (let round = 0; round < 300; round++) {
    const len = Math.floor(rand() * 200);
    const bytes = new Uint8Array(len);
    for (let k = 0; k < len; k++) bytes[k] = rand() < 0.7 ? alphabet[Math.floor(rand() * alphabet.length)]! : Math.floor(rand() * 256);
    const f = parseSql(bytes, { path: 'r.sql' });
    expect(f.notices.filter((n) => n.rule === 'internal-error')).toEqual([]);
  }
});
