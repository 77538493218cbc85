import { describe, expect, it } from 'vitest';
import { JsonArrayStream } from '../../src/engines/json-stream.js';

const ENTRIES = [
  { file: 'a.sql', message: 'brace } and bracket ] and "quote" and \\ backslash', line: 0, help: null },
  { file: 'b.sql', message: 'é ünïcödé 🐘', nested: { list: [1, { x: '}' }] }, line: 3 },
  { file: 'c.sql', message: '', line: 10 },
];

describe('JsonArrayStream', () => {
  it('yields each element as soon as it is complete, whatever the chunk boundaries', () => {
    const text = `\n${JSON.stringify(ENTRIES, null, 1)}\n`;
    for (const size of [1, 2, 3, 7, 64, text.length]) {
      const s = new JsonArrayStream();
      const got: unknown[] = [];
      const counts: number[] = [];
      for (let i = 0; i < text.length; i += size) {
        const out = s.push(text.slice(i, i + size));
        got.push(...out);
        counts.push(got.length);
      }
      expect(got).toEqual(ENTRIES);
      expect(s.complete).toBe(true);
      // Streaming: with small chunks the first entry arrives before the text ends.
      if (size < 10) expect(counts.indexOf(1)).toBeLessThan(counts.length - 1);
    }
  });

  it('reads an empty array, and rejects what is not an array of objects', () => {
    const empty = new JsonArrayStream();
    expect(empty.push('[]')).toEqual([]);
    expect(empty.complete).toBe(true);
    for (const bad of ['error: config not found', '{"a":1}', '[1,2]', '[{"a":1}] trailing', '[{"a":}]']) {
      const s = new JsonArrayStream();
      s.push(bad);
      expect(s.complete, bad).toBe(false);
    }
    const cut = new JsonArrayStream();
    expect(cut.push('[{"a":1},{"b":')).toEqual([{ a: 1 }]);
    expect(cut.complete).toBe(false);
  });
});
