// The App (check annotations, review comments) and the agent (inline comments) read a PR
// patch with the same parser, so both agree on which lines a comment may sit on.
import { describe, expect, it } from 'vitest';
import { commentableLines, parsePatchHunks } from '../../src/report/patch.js';

describe('one patch parser for the App and the agent', () => {
  it('a blank context line whose leading space was trimmed still counts, so later lines stay aligned', () => {
    // Lines 1..6 on the new side: a, (blank), B, c, then the second hunk 20..21.
    const patch = ['@@ -1,4 +1,4 @@', ' a', '', '-b', '+B', ' c', '@@ -19,1 +20,2 @@', ' x', '+y', ''].join('\n');
    expect(parsePatchHunks(patch)).toEqual([
      { start: 1, end: 4 },
      { start: 20, end: 21 },
    ]);
    expect([...commentableLines(patch)]).toEqual([1, 2, 3, 4, 20, 21]);
  });

  it('hunks and commentable lines are the same lines for any patch', () => {
    const patch = '@@ -1,3 +1,4 @@\n a\n-b\n+c\n+d\n e\n@@ -10,2 +11,2 @@\n x\n+y\n\\ No newline at end of file';
    const fromHunks = parsePatchHunks(patch).flatMap((h) => Array.from({ length: h.end - h.start + 1 }, (_, k) => h.start + k));
    expect([...commentableLines(patch)]).toEqual(fromHunks);
    expect(fromHunks).toEqual([1, 2, 3, 4, 11, 12]);
  });
});
