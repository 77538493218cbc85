// Maps JS string indexes of a source text to 1-based line/column positions.
// Line breaks: "\r\n", "\n" and a lone "\r" (as editors and GitHub count them).
// Columns count Unicode code points, so a surrogate pair (emoji) is one column.
import type { Span } from '../types.js';

export interface Position {
  line: number;
  column: number;
}

export class LineIndex {
  /** String index where each line starts; lineStarts[0] = 0. */
  readonly lineStarts: number[];
  private cacheLine = -1;
  private cacheOffset = 0;
  private cacheColumn = 1;

  constructor(readonly text: string) {
    const starts = [0];
    const n = text.length;
    let i = text.indexOf('\n');
    let r = text.indexOf('\r');
    // Fast scan using indexOf: the common case has no "\r" at all.
    while (i !== -1 || r !== -1) {
      if (r === -1 || (i !== -1 && i < r)) {
        starts.push(i + 1);
        i = text.indexOf('\n', i + 1);
      } else {
        if (r + 1 < n && text.charCodeAt(r + 1) === 10) {
          starts.push(r + 2);
          i = text.indexOf('\n', r + 2);
        } else {
          starts.push(r + 1);
        }
        r = text.indexOf('\r', r + 1);
      }
    }
    this.lineStarts = starts;
  }

  get lineCount(): number {
    return this.lineStarts.length;
  }

  /** 0-based line number containing the string index. */
  lineOf(offset: number): number {
    const starts = this.lineStarts;
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (starts[mid]! <= offset) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  position(offset: number): Position {
    const clamped = Math.max(0, Math.min(offset, this.text.length));
    const line = this.lineOf(clamped);
    let start = this.lineStarts[line]!;
    let column = 1;
    // Resume from the last position on the same line: statements come in order, and a
    // long single-line file would otherwise cost O(n) per lookup.
    if (this.cacheLine === line && this.cacheOffset <= clamped) {
      start = this.cacheOffset;
      column = this.cacheColumn;
    }
    const text = this.text;
    const lineStart = this.lineStarts[line]!;
    for (let k = start; k < clamped; k++) {
      const c = text.charCodeAt(k);
      // A low surrogate that follows a high one belongs to the same code point.
      if (c >= 0xdc00 && c <= 0xdfff && k > lineStart) {
        const prev = text.charCodeAt(k - 1);
        if (prev >= 0xd800 && prev <= 0xdbff) continue;
      }
      column++;
    }
    this.cacheLine = line;
    this.cacheOffset = clamped;
    this.cacheColumn = column;
    return { line: line + 1, column };
  }

  span(offset: number, endOffset: number): Span {
    const a = this.position(offset);
    const b = endOffset === offset ? a : this.position(endOffset);
    return { line: a.line, column: a.column, endLine: b.line, endColumn: b.column, offset, endOffset };
  }

  /**
   * String index of a 0-based line counted by "\n" alone and a UTF-8 byte column in it: the
   * coordinates squawk reports (a CRLF line keeps its "\r" as its last byte).
   */
  offsetOfLfLineByte(line0: number, byteColumn: number): number {
    const text = this.text;
    const starts = this.lfStarts();
    const start = starts[Math.min(Math.max(line0, 0), starts.length - 1)]!;
    const nl = text.indexOf('\n', start);
    const end = nl === -1 ? text.length : nl;
    let k = start;
    for (let bytes = 0; k < end && bytes < byteColumn; ) {
      const cp = text.codePointAt(k)!;
      bytes += cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
      k += cp > 0xffff ? 2 : 1;
    }
    return k;
  }

  private lfLineStarts?: number[];

  /** Line starts counting "\n" alone; the same as lineStarts unless the text has a "\r". */
  private lfStarts(): number[] {
    if (this.lfLineStarts) return this.lfLineStarts;
    let starts = this.lineStarts;
    if (this.text.includes('\r')) {
      starts = [0];
      for (let i = this.text.indexOf('\n'); i !== -1; i = this.text.indexOf('\n', i + 1)) starts.push(i + 1);
    }
    this.lfLineStarts = starts;
    return starts;
  }

  /** String index of a 1-based line/column (clamped to the line). */
  offsetAt(line: number, column: number): number {
    const l = Math.max(1, Math.min(line, this.lineStarts.length)) - 1;
    let k = this.lineStarts[l]!;
    const end = l + 1 < this.lineStarts.length ? this.lineStarts[l + 1]! : this.text.length;
    for (let col = 1; col < column && k < end; col++) {
      const c = this.text.charCodeAt(k);
      k += c >= 0xd800 && c <= 0xdbff && k + 1 < end ? 2 : 1;
    }
    return k;
  }
}
