// Source bytes -> text: UTF-8 with replacement characters (never throws), BOM stripped,
// and the first invalid byte located so it can be reported.

import { isUtf8 } from 'node:buffer';

const lenient = new TextDecoder('utf-8', { fatal: false, ignoreBOM: true });

export interface Decoded {
  text: string;
  /** Byte offset (after the BOM) of the first byte that is not valid UTF-8. */
  invalidByte?: number;
  /** Text decoded from the bytes before the invalid one (to place the notice). */
  beforeInvalid?: string;
}

export function decodeSource(source: string | Uint8Array): Decoded {
  if (typeof source === 'string') {
    let text = source.charCodeAt(0) === 0xfeff ? source.slice(1) : source;
    // Lone surrogates cannot be encoded as UTF-8 for the parser.
    if (/[\ud800-\udfff]/.test(text)) {
      text = text.replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '\ufffd');
    }
    return { text };
  }
  let bytes = source;
  if (bytes.length >= 3 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) bytes = bytes.subarray(3);
  if (isUtf8(bytes)) return { text: Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8') };
  const bad = firstInvalidByte(bytes);
  return {
    text: lenient.decode(bytes),
    invalidByte: bad,
    beforeInvalid: lenient.decode(bytes.subarray(0, bad)),
  };
}

/** Offset of the first byte that does not start or continue a well-formed UTF-8 sequence. */
export function firstInvalidByte(bytes: Uint8Array): number {
  const n = bytes.length;
  let i = 0;
  while (i < n) {
    const b = bytes[i]!;
    if (b < 0x80) {
      i++;
      continue;
    }
    let len: number;
    let min: number;
    if (b >= 0xc2 && b <= 0xdf) {
      len = 2;
      min = 0x80;
    } else if (b >= 0xe0 && b <= 0xef) {
      len = 3;
      min = 0x800;
    } else if (b >= 0xf0 && b <= 0xf4) {
      len = 4;
      min = 0x10000;
    } else return i;
    if (i + len > n) return i;
    let cp = b & (0xff >> (len + 1));
    for (let k = 1; k < len; k++) {
      const cb = bytes[i + k]!;
      if ((cb & 0xc0) !== 0x80) return i;
      cp = (cp << 6) | (cb & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return i;
    i += len;
  }
  return n;
}
