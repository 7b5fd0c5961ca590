/**
 * Byte helpers shared by every module: concatenation, constant-time comparison,
 * hex and UTF-8, and the argument assertions used at public entry points
 * (noble's `abytes` convention: TypeError for a wrong type, RangeError for a wrong length).
 * The arithmetic is noble's (`@noble/hashes/utils`, `@noble/curves/utils`); this module only
 * gives it the project's names and error classes.
 * @module
 */
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js';
import { bytesToNumberBE, equalBytes as nobleEqual, numberToBytesBE } from '@noble/curves/utils.js';
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

/**
 * Concatenation. Not noble's concatBytes: callers spread tens of thousands of chunks (a
 * payload collected in small pieces), and passing them on through a second rest call
 * overflows the stack.
 */
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
  return nobleEqual(a, b);
}

export function toHex(b: Uint8Array): string {
  return bytesToHex(b);
}

/** Parses hex, ignoring spaces (the drafts print bytes as "8E FE 66 ..."); TypeError if it is not hex. */
export function fromHex(hex: string): Uint8Array {
  try {
    return hexToBytes(hex.replace(/\s+/g, ''));
  } catch (e) {
    throw new TypeError('invalid hex string', { cause: e });
  }
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
  return b.length === 0 ? 0n : bytesToNumberBE(b);
}

/** bigint to big-endian bytes of exactly `len` bytes (RangeError if it does not fit). */
export function bigIntToBytes(n: bigint, len: number): Uint8Array {
  if (n < 0n) throw new RangeError('negative value');
  if (len === 0) {
    if (n !== 0n) throw new RangeError('value does not fit in 0 bytes');
    return new Uint8Array(0);
  }
  try {
    return numberToBytesBE(n, len);
  } catch (e) {
    throw new RangeError(`value does not fit in ${len} bytes`, { cause: e });
  }
}
