// Small SQL text helpers for plans: split a script into statements, strip comments, slice a
// statement out of a file by its report span.

/** Split on top-level `;`, aware of quotes, dollar quotes and comments. Comment-only pieces are dropped. */
export function splitStatements(sql: string): string[] {
  const out: string[] = [];
  let start = 0;
  let i = 0;
  const n = sql.length;
  while (i < n) {
    const c = sql[i];
    const next = sql[i + 1];
    if (c === '-' && next === '-') {
      const nl = sql.indexOf('\n', i);
      i = nl < 0 ? n : nl + 1;
    } else if (c === '/' && next === '*') {
      const end = sql.indexOf('*/', i + 2);
      i = end < 0 ? n : end + 2;
    } else if (c === "'" || c === '"') {
      let j = i + 1;
      while (j < n) {
        if (sql[j] === c && sql[j + 1] === c) j += 2;
        else if (sql[j] === c) break;
        else j++;
      }
      i = j + 1;
    } else if (c === '$') {
      const tag = /^\$[A-Za-z_]*\$/.exec(sql.slice(i, i + 64));
      if (tag) {
        const end = sql.indexOf(tag[0], i + tag[0].length);
        i = end < 0 ? n : end + tag[0].length;
      } else i++;
    } else if (c === ';') {
      push(sql.slice(start, i));
      start = i + 1;
      i++;
    } else i++;
  }
  push(sql.slice(start));
  return out;

  function push(piece: string): void {
    const t = piece.trim();
    if (t && stripComments(t).trim()) out.push(t);
  }
}

/** Remove `--` and `/* *\/` comments, for classifying a statement (quotes are not protected: good enough for a keyword test). */
export function stripComments(sql: string): string {
  return sql
    .replace(/\/\*[\s\S]*?\*\//g, ' ')
    .replace(/--[^\n]*/g, ' ')
    .trim();
}

/** The text between two 1-based (line, column) positions; columns count code points, end exclusive. */
export function sliceByLineColumn(source: string, span: { line: number; column: number; endLine: number; endColumn: number }): string {
  const lines = source.split('\n');
  const pick: string[] = [];
  for (let l = span.line; l <= span.endLine && l <= lines.length; l++) {
    const cps = Array.from(lines[l - 1] ?? '');
    const from = l === span.line ? span.column - 1 : 0;
    const to = l === span.endLine ? span.endColumn - 1 : cps.length;
    pick.push(cps.slice(from, to).join(''));
  }
  return pick.join('\n');
}
