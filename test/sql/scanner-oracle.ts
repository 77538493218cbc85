// libpg_query's WASM scanner as the oracle for dbarch's scanner, both in one comparable shape.
import { scanSync } from 'libpg-query';
import { OffsetMap } from '../../src/sql/index.js';
import { tokenize } from '../../src/sql/tokens.js';

/** The oracle's tokens in the shape tokenize() gives (names compared only for comments: libpg_query names many tokens UNKNOWN). */
export function oracle(text: string) {
  let tokens;
  try {
    tokens = scanSync(text).tokens;
  } catch {
    return undefined;
  }
  const map = new OffsetMap(text);
  return tokens.map((t) => ({ start: map.indexOfByte(t.start), end: map.indexOfByte(t.end), text: t.text, keyword: t.keywordKind > 0, comment: t.tokenName.endsWith('COMMENT') }));
}

export function mine(text: string) {
  return tokenize(text)?.map((t) => ({ start: t.start, end: t.end, text: t.text, keyword: t.keyword, comment: t.name.endsWith('COMMENT') }));
}

