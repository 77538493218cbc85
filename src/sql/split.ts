// Statement boundaries the way psql finds them: a `;` ends a statement unless it is
// inside parentheses (CREATE RULE … DO (a; b)) or inside a `BEGIN ATOMIC … END` body of
// CREATE FUNCTION/PROCEDURE. Fed by either the libpg_query scanner or our own lexer.

export interface Segment {
  /** String index of the statement's first token. */
  start: number;
  /** String index one past its last token (before the `;`). */
  end: number;
  /** String index of the terminating `;`, or -1 at end of input. */
  semicolon: number;
  /** First keyword of the statement, upper-cased (e.g. `COPY`). */
  firstWord: string;
}

export type TokenKind = 'word' | 'semi' | 'open' | 'close' | 'other';

export class StatementSplitter {
  readonly segments: Segment[] = [];
  private start = -1;
  private end = -1;
  private depth = 0;
  private beginDepth = 0;
  private words: string[] = [];
  private routine = false;

  /** Whether the next word token matters (callers can skip upper-casing otherwise). */
  get wantsWords(): boolean {
    return this.routine || this.words.length < 4;
  }

  /** Returns the finished segment when this token ends a statement. */
  token(start: number, end: number, kind: TokenKind, upperWord?: string): Segment | undefined {
    if (kind === 'semi') {
      if (this.depth > 0 || this.beginDepth > 0) {
        this.extend(start, end);
        return undefined;
      }
      return this.close(start);
    }
    this.extend(start, end);
    if (kind === 'open') this.depth++;
    else if (kind === 'close') {
      if (this.depth > 0) this.depth--;
    } else if (kind === 'word' && upperWord !== undefined) {
      if (this.words.length < 4) {
        this.words.push(upperWord);
        const w = this.words;
        if (w[0] === 'CREATE') {
          const k = w[1] === 'OR' ? 3 : 1;
          if (w.length === k + 1 && (w[k] === 'FUNCTION' || w[k] === 'PROCEDURE')) {
            this.routine = k === 1 || w[2] === 'REPLACE';
          }
        }
      } else if (this.routine) {
        if (upperWord === 'BEGIN' || upperWord === 'CASE') this.beginDepth++;
        else if (upperWord === 'END' && this.beginDepth > 0) this.beginDepth--;
      }
    }
    return undefined;
  }

  /** Ends the input; returns the last segment if it had no `;`. */
  finish(): Segment | undefined {
    return this.start >= 0 ? this.close(-1) : this.reset();
  }

  private extend(start: number, end: number): void {
    if (this.start < 0) this.start = start;
    this.end = end;
  }

  private close(semicolon: number): Segment | undefined {
    if (this.start < 0) return this.reset();
    const seg: Segment = { start: this.start, end: this.end, semicolon, firstWord: this.words[0] ?? '' };
    this.segments.push(seg);
    this.reset();
    return seg;
  }

  private reset(): undefined {
    this.start = -1;
    this.end = -1;
    this.depth = 0;
    this.beginDepth = 0;
    this.words = [];
    this.routine = false;
    return undefined;
  }
}
