/**
 * Byte helpers shared by every module: concatenation, constant-time comparison,
 * hex and UTF-8, and the argument assertions used at public entry points
 * (noble's `abytes` convention: TypeError for a wrong type, RangeError for a wrong length).
 * @module
 */
import { DareError } from '../errors.js';

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

export function utf8(s: string): Uint8Array {
  return encoder.encode(s);
}

/** Decodes UTF-8, throwing TypeError on invalid sequences (callers that parse input wrap it). */
export function fromUtf8(b: Uint8Array): string {
  return decoder.decode(b);
}

export function concatBytes(...parts: Uint8Array[]): Uint8Array {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/**
 * Reads a whole (small) source into one array; more than `max` bytes is LIMIT_EXCEEDED,
 * raised before the excess is kept, with `what` naming the data in the message.
 */
export async function collectBytes(source: AsyncIterable<Uint8Array>, max = Number.MAX_SAFE_INTEGER, what = 'the data'): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  let n = 0;
  for await (const p of source) {
    n += p.length;
    if (n > max) throw new DareError('LIMIT_EXCEEDED', `${what} is larger than ${max} bytes`);
    parts.push(p);
  }
  return concatBytes(...parts);
}

/** Constant-time equality for MACs and tags: the time depends only on the lengths. */
export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= (a[i] as number) ^ (b[i] as number);
  return diff === 0;
}

export function toHex(b: Uint8Array): string {
  let s = '';
  for (const x of b) s += x.toString(16).padStart(2, '0');
  return s;
}

/** Parses hex, ignoring spaces (the drafts print bytes as "8E FE 66 ..."). */
export function fromHex(hex: string): Uint8Array {
  const h = hex.replace(/\s+/g, '');
  if (h.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(h)) throw new TypeError('invalid hex string');
  const out = new Uint8Array(h.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(h.slice(2 * i, 2 * i + 2), 16);
  return out;
}

export function aBytes(x: unknown, name: string, len?: number): asserts x is Uint8Array {
  if (!(x instanceof Uint8Array)) throw new TypeError(`"${name}" expected Uint8Array, got ${typeof x}`);
  if (len !== undefined && x.length !== len) {
    throw new RangeError(`"${name}" expected Uint8Array of length ${len}, got length=${x.length}`);
  }
}

export function aInteger(x: unknown, name: string, min: number, max: number): asserts x is number {
  if (typeof x !== 'number' || !Number.isSafeInteger(x)) throw new TypeError(`"${name}" expected an integer`);
  if (x < min || x > max) throw new RangeError(`"${name}" expected an integer in [${min}, ${max}], got ${x}`);
}

/** Big-endian bytes to bigint. */
export function bytesToBigInt(b: Uint8Array): bigint {
  let n = 0n;
  for (const x of b) n = (n << 8n) | BigInt(x);
  return n;
}

/** bigint to big-endian bytes of exactly `len` bytes (RangeError if it does not fit). */
export function bigIntToBytes(n: bigint, len: number): Uint8Array {
  if (n < 0n) throw new RangeError('negative value');
  const out = new Uint8Array(len);
  for (let i = len - 1; i >= 0; i--) {
    out[i] = Number(n & 0xffn);
    n >>= 8n;
  }
  if (n !== 0n) throw new RangeError(`value does not fit in ${len} bytes`);
  return out;
}
