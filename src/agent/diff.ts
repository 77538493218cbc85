// Which lines of a pull request file can carry an inline review comment: the new-side lines
// of the patch hunks (added and context lines).

export function commentableLines(patch: string | undefined): Set<number> {
  const out = new Set<number>();
  if (!patch) return out;
  let newLine = 0;
  let inHunk = false;
  const lines = patch.split('\n');
  for (const [i, line] of lines.entries()) {
    const h = /^@@ -\d+(?:,\d+)? \+(\d+)(?:,\d+)? @@/.exec(line);
    if (h) {
      newLine = Number(h[1]);
      inHunk = true;
      continue;
    }
    if (!inHunk) continue;
    if (line.startsWith('+')) out.add(newLine++);
    else if (line.startsWith(' ')) out.add(newLine++);
    else if (line.startsWith('-') || line.startsWith('\\')) continue;
    // An empty line inside a hunk is a context line whose leading space was trimmed.
    else if (line === '' && i < lines.length - 1) out.add(newLine++);
  }
  return out;
}
