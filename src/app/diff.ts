// Which RIGHT-side lines of a PR file can carry a review comment: GitHub rejects the whole
// review (422) when one comment falls outside a hunk.

export interface Hunk {
  /** First and last RIGHT-side line covered by the hunk (context and added lines). */
  start: number;
  end: number;
}

/** Parse a unified-diff `patch` (as in GET /pulls/{n}/files) into RIGHT-side hunks. */
export function parsePatchHunks(patch: string | undefined): Hunk[] {
  if (!patch) return [];
  const hunks: Hunk[] = [];
  let line = 0;
  let current: Hunk | undefined;
  for (const raw of patch.split('\n')) {
    const header = /^@@ -\d+(?:,\d+)? \+(\d+)(?:,(\d+))? @@/.exec(raw);
    if (header) {
      line = Number(header[1]);
      current = { start: line, end: line - 1 };
      hunks.push(current);
      continue;
    }
    if (!current || raw === '' || raw.startsWith('-') || raw.startsWith('\\')) continue;
    // '+' (added) or ' ' (context) lines exist on the RIGHT side.
    current.end = line;
    line++;
  }
  return hunks.filter((h) => h.end >= h.start);
}

/** The hunk that holds all of start..end, if any (a multi-line comment must stay in one hunk). */
export function hunkContaining(hunks: readonly Hunk[], start: number, end: number): Hunk | undefined {
  return hunks.find((h) => h.start <= start && end <= h.end);
}
