// Small SQL text helpers for plans: split a script into statements, strip comments, slice a
// statement out of a file by its report span.
import { splitStatements as splitSegments } from '../sql/index.js';

/** Split on top-level `;` with the parser's own splitter. Comment-only pieces are dropped. */
export function splitStatements(sql: string): string[] {
  let from = 0;
  const pieces: string[] = [];
  for (const seg of splitSegments(sql)) {
    // Keep the comments before a statement: plans explain their steps in them.
    pieces.push(sql.slice(from, seg.end).trim());
    from = seg.semicolon >= 0 ? seg.semicolon + 1 : seg.end;
  }
  return pieces.filter((t) => t && stripComments(t).trim());
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
