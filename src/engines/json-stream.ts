// Splits a JSON array of objects arriving in chunks into its elements as soon as each is complete, so a
// large report is parsed piece by piece while it streams in rather than in one block at the end.

export class JsonArrayStream {
  private buf = '';
  /** Scan position in `buf`, and where the current element starts (-1: between elements). */
  private pos = 0;
  private start = -1;
  private depth = 0;
  private inString = false;
  private escaped = false;
  private opened = false;
  private closed = false;
  /** Set when the text is not a JSON array of objects/values: the caller treats it as garbage. */
  invalid = false;

  /** Feeds a chunk; returns the elements completed by it, parsed. */
  push(chunk: string): unknown[] {
    if (this.invalid) return [];
    this.buf += chunk;
    const out: unknown[] = [];
    const s = this.buf;
    for (let i = this.pos; i < s.length; i++) {
      const c = s.charCodeAt(i);
      if (this.inString) {
        if (this.escaped) this.escaped = false;
        else if (c === 0x5c) this.escaped = true;
        else if (c === 0x22) this.inString = false;
        continue;
      }
      if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) continue;
      if (!this.opened) {
        if (c !== 0x5b) return this.fail();
        this.opened = true;
        continue;
      }
      if (this.closed) return this.fail();
      if (this.depth === 0) {
        if (c === 0x2c) continue;
        if (c === 0x5d) {
          this.closed = true;
          continue;
        }
        // squawk's report is an array of objects; anything else is not its report.
        if (c !== 0x7b) return this.fail();
        this.start = i;
      }
      if (c === 0x22) this.inString = true;
      else if (c === 0x7b || c === 0x5b) this.depth++;
      else if (c === 0x7d || c === 0x5d) this.depth--;
      if (this.depth === 0 && !this.inString && (c === 0x7d || c === 0x5d)) {
        try {
          out.push(JSON.parse(s.slice(this.start, i + 1)));
        } catch {
          return this.fail();
        }
        this.start = -1;
      }
    }
    // Keep only the unfinished element.
    if (this.start >= 0) {
      this.buf = s.slice(this.start);
      this.pos = this.buf.length;
      this.start = 0;
    } else {
      this.buf = '';
      this.pos = 0;
    }
    return out;
  }

  /** True when a whole array was read. */
  get complete(): boolean {
    return !this.invalid && this.closed;
  }

  private fail(): unknown[] {
    this.invalid = true;
    this.buf = '';
    return [];
  }
}
