/**
 * RFC 4648 base32 (upper-case alphabet, no padding), with the truncation UDF needs:
 * draft-hallambaker-mesh-udf-13 §3.1 presents the first `bits` bits of a value as
 * ceil(bits/5) characters, so encoding may stop inside a byte and decoding must
 * accept a final partial group. (Library codecs such as @scure/base reject both.)
 * @module
 */
import { DareError } from '../errors.js';

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
const LOOKUP = new Int8Array(128).fill(-1);
for (let i = 0; i < 32; i++) {
  LOOKUP[ALPHABET.charCodeAt(i)] = i;
  LOOKUP[ALPHABET.toLowerCase().charCodeAt(i)] = i;
}

/** Encodes `data` as unpadded base32; with `chars`, stops after that many characters. */
export function base32Encode(data: Uint8Array, chars?: number): string {
  const max = Math.ceil((data.length * 8) / 5);
  const n = chars === undefined ? max : chars;
  if (!Number.isSafeInteger(n) || n < 0 || n > max) throw new RangeError(`base32: cannot encode ${n} characters from ${data.length} bytes`);
  let out = '';
  let buffer = 0;
  let bits = 0;
  let i = 0;
  while (out.length < n) {
    if (bits < 5) {
      buffer = ((buffer << 8) | (i < data.length ? (data[i] as number) : 0)) & 0xffff;
      i++;
      bits += 8;
    }
    out += ALPHABET[(buffer >>> (bits - 5)) & 31];
    bits -= 5;
  }
  return out;
}

/**
 * Decodes unpadded base32, case-insensitive. Returns floor(5n/8) whole bytes; the
 * bits of a final partial byte are dropped. Throws MALFORMED on any other character.
 */
export function base32Decode(text: string): Uint8Array {
  const out = new Uint8Array(Math.floor((text.length * 5) / 8));
  let buffer = 0;
  let bits = 0;
  let o = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    const v = c < 128 ? (LOOKUP[c] as number) : -1;
    if (v < 0) throw new DareError('MALFORMED', `invalid base32 character ${JSON.stringify(text[i])} at position ${i}`);
    buffer = ((buffer << 5) | v) & 0xffff;
    bits += 5;
    if (bits >= 8) {
      bits -= 8;
      if (o < out.length) out[o++] = (buffer >>> bits) & 0xff;
    }
  }
  return out;
}
