// Which RIGHT-side (new) lines of a pull request file can carry an inline review comment: the
// added and context lines of the patch hunks. GitHub rejects a whole review (422) when one
// comment falls outside a hunk, so the App and the agent read patches with this one parser.

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
  const rows = patch.split('\n');
  for (const [i, raw] of rows.entries()) {
    const header = /^@@ -\d+(?:,\d+)? \+(\d+)(?:,\d+)? @@/.exec(raw);
    if (header) {
      line = Number(header[1]);
      current = { start: line, end: line - 1 };
      hunks.push(current);
      continue;
    }
    if (!current || raw.startsWith('-') || raw.startsWith('\\')) continue;
    // An empty row inside a hunk is a context line whose leading space was trimmed; only the
    // one after the patch's final newline is not a line.
    if (raw === '' && i === rows.length - 1) continue;
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

/** Every RIGHT-side line the patch shows. */
export function commentableLines(patch: string | undefined): Set<number> {
  const out = new Set<number>();
  for (const h of parsePatchHunks(patch)) for (let l = h.start; l <= h.end; l++) out.add(l);
  return out;
}
