/**
 * SHA-256 (FIPS 180-4 §6.2) and HMAC-SHA-256 (RFC 2104) for short inputs, in
 * JavaScript with preallocated state: the key schedule of every encrypted frame makes
 * about ten HMACs of a few dozen bytes, and a native HMAC costs 2-3 µs of call overhead
 * (object, key setup, buffers) where these few compressions take well under one.
 * Large inputs belong to the backend's streaming hashes.
 *
 * Checked against node:crypto on random inputs (sha256.test.ts) and the RFC 4231 vectors.
 * @module
 */

const K = Int32Array.from([
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
  0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
  0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
  0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
  0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
  0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
  0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
  0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
]);

const IV = Int32Array.from([0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19]);

/** Message schedule and one block of scratch, shared (the functions here do not re-enter). */
const W = new Int32Array(64);
const BLOCK = new Uint8Array(64);

/** One compression of the 64-byte block at b[o..o+64) into state `s` (8 words). */
function compress(s: Int32Array, b: Uint8Array, o: number): void {
  for (let i = 0; i < 16; i++, o += 4) W[i] = (b[o]! << 24) | (b[o + 1]! << 16) | (b[o + 2]! << 8) | b[o + 3]!;
  for (let i = 16; i < 64; i++) {
    const x = W[i - 15]!;
    const y = W[i - 2]!;
    const s0 = ((x >>> 7) | (x << 25)) ^ ((x >>> 18) | (x << 14)) ^ (x >>> 3);
    const s1 = ((y >>> 17) | (y << 15)) ^ ((y >>> 19) | (y << 13)) ^ (y >>> 10);
    W[i] = (W[i - 16]! + s0 + W[i - 7]! + s1) | 0;
  }
  let a = s[0]!, bb = s[1]!, c = s[2]!, d = s[3]!, e = s[4]!, f = s[5]!, g = s[6]!, h = s[7]!;
  for (let i = 0; i < 64; i++) {
    const S1 = ((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7));
    const t1 = (h + S1 + ((e & f) ^ (~e & g)) + K[i]! + W[i]!) | 0;
    const S0 = ((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10));
    const t2 = (S0 + ((a & bb) ^ (a & c) ^ (bb & c))) | 0;
    h = g;
    g = f;
    f = e;
    e = (d + t1) | 0;
    d = c;
    c = bb;
    bb = a;
    a = (t1 + t2) | 0;
  }
  s[0] = (s[0]! + a) | 0;
  s[1] = (s[1]! + bb) | 0;
  s[2] = (s[2]! + c) | 0;
  s[3] = (s[3]! + d) | 0;
  s[4] = (s[4]! + e) | 0;
  s[5] = (s[5]! + f) | 0;
  s[6] = (s[6]! + g) | 0;
  s[7] = (s[7]! + h) | 0;
}

/**
 * Continues the hash in state `s` (already `done` bytes, a multiple of 64) over the
 * parts, pads and writes the 32-byte digest to out[at..at+32). `s` is overwritten.
 */
function finish(s: Int32Array, done: number, parts: readonly Uint8Array[], out: Uint8Array, at: number): void {
  let fill = 0;
  let total = done;
  for (const p of parts) {
    const n = p.length;
    total += n;
    let i = 0;
    if (fill > 0 || n < 64) {
      // Bytes by hand: subarray() + set() cost more than the copy for these sizes.
      while (i < n && fill < 64) BLOCK[fill++] = p[i++]!;
      if (fill < 64) continue;
      compress(s, BLOCK, 0);
      fill = 0;
    }
    for (; i + 64 <= n; i += 64) compress(s, p, i);
    while (i < n) BLOCK[fill++] = p[i++]!;
  }
  BLOCK[fill++] = 0x80;
  if (fill > 56) {
    while (fill < 64) BLOCK[fill++] = 0;
    compress(s, BLOCK, 0);
    fill = 0;
  }
  while (fill < 56) BLOCK[fill++] = 0;
  // Bit length, big-endian in 64 bits (inputs here stay far below 2^32 bytes).
  const hi = Math.floor(total / 0x20000000);
  const lo = (total * 8) >>> 0;
  BLOCK[56] = hi >>> 24;
  BLOCK[57] = hi >>> 16;
  BLOCK[58] = hi >>> 8;
  BLOCK[59] = hi;
  BLOCK[60] = lo >>> 24;
  BLOCK[61] = lo >>> 16;
  BLOCK[62] = lo >>> 8;
  BLOCK[63] = lo;
  compress(s, BLOCK, 0);
  for (let i = 0; i < 8; i++, at += 4) {
    const w = s[i]!;
    out[at] = w >>> 24;
    out[at + 1] = w >>> 16;
    out[at + 2] = w >>> 8;
    out[at + 3] = w;
  }
}

/** SHA-256 of the concatenation of `parts`. */
export function sha256(...parts: Uint8Array[]): Uint8Array {
  const s = IV.slice();
  const out = new Uint8Array(32);
  finish(s, 0, parts, out, 0);
  return out;
}

const work = new Int32Array(8);
const inner = new Uint8Array(32);

/**
 * An HMAC-SHA-256 key with its padded-key states computed once, so each MAC under it
 * costs the compressions of the message plus one for the outer hash.
 */
export class HmacSha256Key {
  readonly #inner = new Int32Array(8);
  readonly #outer = new Int32Array(8);

  constructor(key: Uint8Array) {
    const k = key.length > 64 ? sha256(key) : key;
    const pad = new Uint8Array(64);
    pad.set(k);
    for (let i = 0; i < 64; i++) pad[i]! ^= 0x36;
    this.#inner.set(IV);
    compress(this.#inner, pad, 0);
    for (let i = 0; i < 64; i++) pad[i]! ^= 0x36 ^ 0x5c;
    this.#outer.set(IV);
    compress(this.#outer, pad, 0);
  }

  /** HMAC of the concatenation of `parts`. */
  mac(...parts: Uint8Array[]): Uint8Array {
    const out = new Uint8Array(32);
    this.macInto(parts, out, 0);
    return out;
  }

  /** HMAC of the concatenation of `parts`, written to out[at..at+32). */
  macInto(parts: readonly Uint8Array[], out: Uint8Array, at: number): void {
    work.set(this.#inner);
    finish(work, 64, parts, inner, 0);
    work.set(this.#outer);
    finish(work, 64, [inner], out, at);
  }
}

/** HMAC-SHA-256(key, concatenation of `parts`) (RFC 2104). */
export function hmacSha256(key: Uint8Array, ...parts: Uint8Array[]): Uint8Array {
  return new HmacSha256Key(key).mac(...parts);
}
