// libpg_query reports statement and node locations as UTF-8 byte offsets, and error
// cursors as code-point offsets; the rest of dbarch uses JS string indexes. Build the
// byte map once per text: an all-ASCII text (the common case) needs no table at all.

export class OffsetMap {
  readonly byteLength: number;
  /** byte offset -> string index; undefined when the text is ASCII (identity). */
  private readonly byteToIndex?: Int32Array;
  /** string index -> byte offset; undefined when the text is ASCII. */
  private readonly indexToByte?: Int32Array;

  constructor(readonly text: string) {
    const n = text.length;
    // Byte length as libpg_query's encoder computes it. Lone surrogates never reach here
    // (sanitized before parsing), so a surrogate pair is always 4 bytes.
    let bytes = Buffer.byteLength(text, 'utf8');
    if (bytes === n) {
      this.byteLength = n;
      return;
    }
    bytes = 0;
    for (let i = 0; i < n; i++) {
      const c = text.charCodeAt(i);
      if (c < 0x80) bytes += 1;
      else if (c < 0x800) bytes += 2;
      else if (c >= 0xd800 && c <= 0xdbff && i + 1 < n) {
        bytes += 4;
        i++;
      } else bytes += 3;
    }
    this.byteLength = bytes;
    const b2i = new Int32Array(bytes + 1);
    const i2b = new Int32Array(n + 1);
    let b = 0;
    for (let i = 0; i < n; i++) {
      const c = text.charCodeAt(i);
      i2b[i] = b;
      let len: number;
      if (c < 0x80) len = 1;
      else if (c < 0x800) len = 2;
      else if (c >= 0xd800 && c <= 0xdbff && i + 1 < n) {
        // The low surrogate sits in the middle of the 4-byte sequence.
        b2i.fill(i, b, b + 4);
        i2b[i + 1] = b + 2;
        b += 4;
        i++;
        continue;
      } else len = 3;
      b2i.fill(i, b, b + len);
      b += len;
    }
    i2b[n] = b;
    b2i[b] = n;
    this.byteToIndex = b2i;
    this.indexToByte = i2b;
  }

  get isAscii(): boolean {
    return this.byteToIndex === undefined;
  }

  /** String index of a UTF-8 byte offset (clamped to the text). */
  indexOfByte(byte: number): number {
    if (byte <= 0) return 0;
    if (byte >= this.byteLength) return this.text.length;
    return this.byteToIndex ? this.byteToIndex[byte]! : byte;
  }

  /** UTF-8 byte offset of a string index. */
  byteOfIndex(index: number): number {
    if (index <= 0) return 0;
    if (index >= this.text.length) return this.byteLength;
    return this.indexToByte ? this.indexToByte[index]! : index;
  }
}

/** String index in `text` (from `start`) that is `codePoints` code points after `start`. */
export function indexAfterCodePoints(text: string, start: number, codePoints: number): number {
  let k = start;
  const n = text.length;
  for (let cp = 0; cp < codePoints && k < n; cp++) {
    const c = text.charCodeAt(k);
    k += c >= 0xd800 && c <= 0xdbff && k + 1 < n ? 2 : 1;
  }
  return k;
}
