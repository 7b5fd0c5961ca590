/**
 * base64url without padding (RFC 4648 §5), the binary form of the JSON encoding
 * (draft-hallambaker-jsonbcd-21 §2). The decoder ignores whitespace inside the
 * string, because the reference writer breaks long values across lines
 * (CONFORMANCE.md item 10); it accepts `=` padding only at the end.
 *
 * Both decoders are strict about the unused bits of a last partial group: they must be zero
 * (RFC 4648 §3.5 "canonical encoding"). Otherwise two texts would decode to the same bytes,
 * and a signed or MACed value (a signature, a digest, a key) could be re-encoded by anyone
 * without changing what it authenticates, defeating comparisons and replay caches keyed by
 * the text as carried.
 * @module
 */
import { DareError } from '../errors.js';

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
const LOOKUP = new Int8Array(128).fill(-1);
for (let i = 0; i < 64; i++) LOOKUP[ALPHABET.charCodeAt(i)] = i;

export function base64urlEncode(data: Uint8Array): string {
  let out = '';
  let i = 0;
  for (; i + 2 < data.length; i += 3) {
    const n = ((data[i] as number) << 16) | ((data[i + 1] as number) << 8) | (data[i + 2] as number);
    out += ALPHABET[n >>> 18]! + ALPHABET[(n >>> 12) & 63]! + ALPHABET[(n >>> 6) & 63]! + ALPHABET[n & 63]!;
  }
  const rest = data.length - i;
  if (rest === 1) {
    const n = (data[i] as number) << 16;
    out += ALPHABET[n >>> 18]! + ALPHABET[(n >>> 12) & 63]!;
  } else if (rest === 2) {
    const n = ((data[i] as number) << 16) | ((data[i + 1] as number) << 8);
    out += ALPHABET[n >>> 18]! + ALPHABET[(n >>> 12) & 63]! + ALPHABET[(n >>> 6) & 63]!;
  }
  return out;
}

/** Decodes base64url (whitespace ignored, trailing `=` allowed). Throws MALFORMED otherwise. */
export function base64urlDecode(text: string): Uint8Array {
  const clean = text.replace(/[\s]+/g, '').replace(/=+$/, '');
  if (clean.length % 4 === 1) throw new DareError('MALFORMED', 'invalid base64url length');
  const out = new Uint8Array(Math.floor((clean.length * 6) / 8));
  let buffer = 0;
  let bits = 0;
  let o = 0;
  for (let i = 0; i < clean.length; i++) {
    const c = clean.charCodeAt(i);
    const v = c < 128 ? (LOOKUP[c] as number) : -1;
    if (v < 0) throw new DareError('MALFORMED', `invalid base64url character ${JSON.stringify(clean[i])}`);
    buffer = ((buffer << 6) | v) & 0xffffff;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[o++] = (buffer >>> bits) & 0xff;
    }
  }
  if ((buffer & ((1 << bits) - 1)) !== 0) throw nonCanonical();
  return out;
}

function nonCanonical(): DareError {
  return new DareError('MALFORMED', 'non-canonical base64url: the unused bits of the last character are not zero');
}

// Character codes of the alphabet, for the streaming encoder (which writes bytes, then decodes
// them once as ASCII, instead of concatenating strings per character).
const ENCODE = new Uint8Array(64);
for (let i = 0; i < 64; i++) ENCODE[i] = ALPHABET.charCodeAt(i);
const ascii = new TextDecoder();

/** The non-ASCII code units `\s` matches (what {@link base64urlDecode} strips besides ASCII space). */
function isUnicodeSpace(c: number): boolean {
  return c === 0xa0 || c === 0x1680 || (c >= 0x2000 && c <= 0x200a) || c === 0x2028 || c === 0x2029
    || c === 0x202f || c === 0x205f || c === 0x3000 || c === 0xfeff;
}

/**
 * Streaming base64url encoder: the concatenation of every {@link push} result and the
 * {@link end} result equals {@link base64urlEncode} of the concatenated input, however the
 * input is split. Holds at most 2 bytes between calls.
 */
export class Base64urlEncoder {
  private readonly pending = new Uint8Array(2);
  private count = 0;

  /** Encodes `bytes` after the pending ones; returns every complete group of 4 characters. */
  push(bytes: Uint8Array): string {
    if (!(bytes instanceof Uint8Array)) throw new TypeError('bytes must be a Uint8Array');
    const total = this.count + bytes.length;
    if (total < 3) {
      this.pending.set(bytes, this.count);
      this.count = total;
      return '';
    }
    const out = new Uint8Array(Math.floor(total / 3) * 4);
    let o = 0;
    let i = 0;
    if (this.count > 0) {
      // Complete the pending group with the first 1 or 2 new bytes.
      const p = this.pending;
      const n = this.count === 2
        ? ((p[0] as number) << 16) | ((p[1] as number) << 8) | (bytes[0] as number)
        : ((p[0] as number) << 16) | ((bytes[0] as number) << 8) | (bytes[1] as number);
      i = 3 - this.count;
      o = put(out, 0, n);
    }
    const stop = bytes.length - 2;
    for (; i < stop; i += 3) {
      o = put(out, o, ((bytes[i] as number) << 16) | ((bytes[i + 1] as number) << 8) | (bytes[i + 2] as number));
    }
    this.count = bytes.length - i;
    this.pending.set(bytes.subarray(i));
    return ascii.decode(out);
  }

  /** The last 2 or 3 characters (no padding), or ''; the encoder is then empty and reusable. */
  end(): string {
    const p = this.pending;
    const count = this.count;
    this.count = 0;
    if (count === 0) return '';
    const n = ((p[0] as number) << 16) | (count === 2 ? (p[1] as number) << 8 : 0);
    const out = new Uint8Array(4);
    put(out, 0, n);
    return ascii.decode(out.subarray(0, count + 1));
  }
}

function put(out: Uint8Array, o: number, n: number): number {
  out[o] = ENCODE[n >>> 18] as number;
  out[o + 1] = ENCODE[(n >>> 12) & 63] as number;
  out[o + 2] = ENCODE[(n >>> 6) & 63] as number;
  out[o + 3] = ENCODE[n & 63] as number;
  return o + 4;
}

/**
 * Streaming base64url decoder: the concatenation of every {@link push} result and the
 * {@link end} result equals {@link base64urlDecode} of the concatenated text, however the
 * text is split, and it fails (MALFORMED) where that would. Whitespace is ignored anywhere;
 * `=` is accepted only in a run at the end. Holds at most 3 characters (18 bits) between calls.
 */
export class Base64urlDecoder {
  /** Pending 6-bit values, most significant first. */
  private acc = 0;
  /** How many values `acc` holds (0-3). */
  private count = 0;
  /** An `=` has been seen: only `=` and whitespace may follow. */
  private padding = false;

  /** Decodes `text` after the pending characters; returns the bytes of every complete group of 4. */
  push(text: string): Uint8Array {
    if (typeof text !== 'string') throw new TypeError('text must be a string');
    const n = text.length;
    const out = new Uint8Array(((this.count + n) >> 2) * 3);
    let o = 0;
    let acc = this.acc;
    let count = this.count;
    let i = 0;
    for (;;) {
      if (count === 0 && !this.padding) {
        // Fast path: whole groups of 4 alphabet characters.
        while (i + 4 <= n) {
          const c0 = text.charCodeAt(i);
          const c1 = text.charCodeAt(i + 1);
          const c2 = text.charCodeAt(i + 2);
          const c3 = text.charCodeAt(i + 3);
          if ((c0 | c1 | c2 | c3) >= 128) break;
          const a = LOOKUP[c0] as number;
          const b = LOOKUP[c1] as number;
          const c = LOOKUP[c2] as number;
          const d = LOOKUP[c3] as number;
          if ((a | b | c | d) < 0) break;
          const v = (a << 18) | (b << 12) | (c << 6) | d;
          out[o] = v >>> 16;
          out[o + 1] = (v >>> 8) & 0xff;
          out[o + 2] = v & 0xff;
          o += 3;
          i += 4;
        }
      }
      if (i >= n) break;
      const ch = text.charCodeAt(i++);
      const v = ch < 128 ? (LOOKUP[ch] as number) : -1;
      if (v >= 0) {
        if (this.padding) throw new DareError('MALFORMED', `invalid base64url character ${JSON.stringify('=')}`);
        acc = (acc << 6) | v;
        if (++count === 4) {
          out[o] = acc >>> 16;
          out[o + 1] = (acc >>> 8) & 0xff;
          out[o + 2] = acc & 0xff;
          o += 3;
          acc = 0;
          count = 0;
        }
      } else if (ch === 0x3d) {
        this.padding = true;
      } else if (!(ch === 0x20 || (ch >= 0x09 && ch <= 0x0d) || (ch >= 128 && isUnicodeSpace(ch)))) {
        throw new DareError('MALFORMED', `invalid base64url character ${JSON.stringify(String.fromCharCode(ch))}`);
      }
    }
    this.acc = acc;
    this.count = count;
    return o === out.length ? out : out.subarray(0, o);
  }

  /** The bytes of the last partial group; MALFORMED if it is a single character. The decoder is then reset. */
  end(): Uint8Array {
    const { acc, count } = this;
    this.acc = 0;
    this.count = 0;
    this.padding = false;
    if (count === 1) throw new DareError('MALFORMED', 'invalid base64url length');
    if (count === 2) {
      if ((acc & 0xf) !== 0) throw nonCanonical();
      return Uint8Array.of(acc >>> 4);
    }
    if (count === 3) {
      if ((acc & 0x3) !== 0) throw nonCanonical();
      return Uint8Array.of(acc >>> 10, (acc >>> 2) & 0xff);
    }
    return new Uint8Array(0);
  }
}
