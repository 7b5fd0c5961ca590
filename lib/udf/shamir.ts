/**
 * Shamir secret sharing with share UDFs (draft-hallambaker-mesh-udf-13 §4.5, Appendix A
 * and B), as the §4.5.2 and §1.1.1 examples compute it (CONFORMANCE.md item 4,
 * conformance/udf.md items 3 and 22):
 *
 *   share = 0x90 || (threshold << 4 | (x - 1)) || f(x)     f(x) big-endian, padded to
 *                                                          the secret's length
 *
 * f is a polynomial of degree threshold - 1 (the prose's "degree n" is wrong) modulo
 * p = the smallest prime > 2^L (Appendix A). f(0) is the secret; the other coefficients
 * are uniform modulo p (rejection sampling). When some f(x) does not fit in L bits the
 * coefficients are drawn again, as §4.5.1 requires.
 *
 * Limits: secrets of 1..64 octets, quorum 2..15 (the 4-bit threshold field), 2..16 shares
 * (x = 1..16, the 4-bit field of x - 1). The secret is presented
 * type-less, as plain base32 of its octets (see secret.ts).
 *
 * Recovery needs `threshold` distinct shares; identical copies count once. Fewer, a
 * mix of thresholds or lengths, two different values for one x, extra shares that do
 * not lie on the polynomial of the others, or a result that does not fit in L bits
 * raise DareError QUORUM_NOT_MET. With exactly `threshold` shares a wrong share cannot
 * be detected: any such set defines some polynomial.
 * @module
 */
import { randomBytes } from '@noble/hashes/utils.js';
import { aBytes, bigIntToBytes, bytesToBigInt, concatBytes } from '../internal/bytes.js';
import { DareError } from '../errors.js';
import { UdfType } from './types.js';
import { formatUdf, parseUdfOfKind, type Udf } from './presentation.js';
import { shamirPrime } from './primes.js';
import { formatPlainSecret } from './secret.js';
import { invert } from '@noble/curves/abstract/modular.js';

export const MIN_QUORUM = 2;
export const MAX_QUORUM = 15;
export const MAX_SHARES = 16;

/** A parsed share. */
export interface Share {
  readonly udf: Udf;
  /** Number of shares needed to recover the secret (2..15). */
  readonly threshold: number;
  /** The x coordinate, 1..16. */
  readonly x: number;
  /** f(x), big-endian, as many octets as the secret. */
  readonly value: Uint8Array;
}

/** Presents one share. */
export function formatShare(threshold: number, x: number, value: Uint8Array): string {
  aBytes(value, 'value');
  if (!Number.isInteger(threshold) || threshold < MIN_QUORUM || threshold > MAX_QUORUM) throw new RangeError(`threshold must be ${MIN_QUORUM}..${MAX_QUORUM}, got ${threshold}`);
  if (!Number.isInteger(x) || x < 1 || x > 16) throw new RangeError(`x must be 1..16, got ${x}`);
  if (value.length < 1 || value.length > 64) throw new RangeError(`share value must be 1..64 octets, got ${value.length}`);
  return formatUdf(concatBytes(Uint8Array.of(UdfType.SHARE, (threshold << 4) | (x - 1)), value));
}

/** Parses a share UDF. Throws UDF_INVALID for another type, a bad length or a threshold below 2. */
export function parseShare(text: string): Share {
  const udf = parseUdfOfKind(text, 'share', 'a share udf');
  const head = udf.data[0] as number;
  return { udf, threshold: head >> 4, x: (head & 15) + 1, value: udf.data.slice(1) };
}

/** A uniform integer in [0, p), by rejection sampling of bitlen(p) random bits. */
function randomBelow(p: bigint): bigint {
  const bits = p.toString(2).length;
  const octets = Math.ceil(bits / 8);
  const topMask = (1 << (bits - 8 * (octets - 1))) - 1;
  for (;;) {
    const b = randomBytes(octets);
    b[0] = (b[0] as number) & topMask;
    const v = bytesToBigInt(b);
    if (v < p) return v;
  }
}

function evaluate(coefficients: readonly bigint[], x: bigint, p: bigint): bigint {
  let y = 0n;
  for (let i = coefficients.length - 1; i >= 0; i--) y = (y * x + (coefficients[i] as bigint)) % p;
  return y;
}

/** Evaluates the polynomial with the given coefficients (a0 first) at x = 1..count, modulo p. */
export function shamirEvaluate(coefficients: readonly bigint[], count: number, p: bigint): bigint[] {
  const out: bigint[] = [];
  for (let x = 1; x <= count; x++) out.push(evaluate(coefficients, BigInt(x), p));
  return out;
}

/**
 * Splits `secret` (1..64 octets) into `shares` share UDFs, any `quorum` of which
 * recover it. RangeError for a quorum outside 2..15 or shares outside quorum..16.
 */
export function splitSecret(secret: Uint8Array, shares: number, quorum: number): string[] {
  aBytes(secret, 'secret');
  const p = shamirPrime(secret.length);
  if (!Number.isInteger(quorum) || quorum < MIN_QUORUM || quorum > MAX_QUORUM) throw new RangeError(`quorum must be ${MIN_QUORUM}..${MAX_QUORUM}, got ${quorum}`);
  if (!Number.isInteger(shares) || shares < quorum || shares > MAX_SHARES) throw new RangeError(`shares must be ${quorum}..${MAX_SHARES}, got ${shares}`);
  const limit = 1n << BigInt(8 * secret.length);
  const a0 = bytesToBigInt(secret);
  for (;;) {
    const coefficients = [a0];
    for (let i = 1; i < quorum; i++) coefficients.push(randomBelow(p));
    const ys = shamirEvaluate(coefficients, shares, p);
    if (ys.some((y) => y >= limit)) continue;
    return ys.map((y, i) => formatShare(quorum, i + 1, bigIntToBytes(y, secret.length)));
  }
}

export interface ShareSecretOptions {
  /** The secret octets; a fresh random secret of `bits` bits when omitted. */
  secret?: Uint8Array;
  /** Size of a fresh secret in bits: a multiple of 8 in [8, 512]; default 128. */
  bits?: number;
  /** Number of shares, quorum..16; default 3. */
  shares?: number;
  /** Number of shares needed, 2..15; default 2. */
  quorum?: number;
}

/** Splits a given or fresh secret; returns the type-less secret presentation and the shares. */
export function shareSecret(options: ShareSecretOptions = {}): { secret: string; shares: string[] } {
  let secret = options.secret;
  if (secret === undefined) {
    const bits = options.bits ?? 128;
    if (!Number.isSafeInteger(bits) || bits % 8 !== 0 || bits < 8 || bits > 512) throw new RangeError(`bits must be a multiple of 8 in [8, 512], got ${bits}`);
    secret = randomBytes(bits / 8);
  }
  const shares = splitSecret(secret, options.shares ?? 3, options.quorum ?? 2);
  return { secret: formatPlainSecret(secret), shares };
}

/** Lagrange interpolation of the points at `at`, modulo p (Appendix B). */
export function lagrangeAt(points: readonly (readonly [bigint, bigint])[], at: bigint, p: bigint): bigint {
  let acc = 0n;
  for (let i = 0; i < points.length; i++) {
    const [xi, yi] = points[i] as readonly [bigint, bigint];
    let num = 1n;
    let den = 1n;
    for (let j = 0; j < points.length; j++) {
      if (j === i) continue;
      const xj = (points[j] as readonly [bigint, bigint])[0];
      num = (num * (((at - xj) % p) + p)) % p;
      den = (den * (((xi - xj) % p) + p)) % p;
    }
    acc = (acc + yi * num * invert(den, p)) % p;
  }
  return acc;
}

function quorum(message: string): DareError {
  return new DareError('QUORUM_NOT_MET', message);
}

/**
 * Recovers the secret octets from share UDFs. Throws UDF_INVALID for a share that does
 * not parse and QUORUM_NOT_MET for too few or inconsistent shares.
 */
export function recoverSecret(shares: readonly string[]): Uint8Array {
  if (!Array.isArray(shares)) throw new TypeError('"shares" expected an array of strings');
  if (shares.length === 0) throw quorum('no shares given');
  const parsed = shares.map(parseShare);
  const first = parsed[0] as Share;
  const byX = new Map<number, Share>();
  for (const s of parsed) {
    if (s.threshold !== first.threshold) throw quorum(`shares disagree on the quorum (${first.threshold} and ${s.threshold})`);
    if (s.value.length !== first.value.length) throw quorum(`shares disagree on the secret length (${first.value.length} and ${s.value.length} octets)`);
    const seen = byX.get(s.x);
    if (seen === undefined) byX.set(s.x, s);
    else if (seen.udf.text !== s.udf.text) throw quorum(`two different shares for x=${s.x}`);
  }
  const distinct = [...byX.values()];
  if (distinct.length < first.threshold) throw quorum(`${distinct.length} distinct share(s) given, quorum is ${first.threshold}`);
  const p = shamirPrime(first.value.length);
  const points = distinct.map((s) => [BigInt(s.x), bytesToBigInt(s.value)] as const);
  const basis = points.slice(0, first.threshold);
  for (const [x, y] of points.slice(first.threshold)) {
    if (lagrangeAt(basis, x, p) !== y) throw quorum(`share x=${x} does not lie on the polynomial of the others`);
  }
  const secret = lagrangeAt(basis, 0n, p);
  if (secret >= 1n << BigInt(8 * first.value.length)) throw quorum('shares are inconsistent: the recovered value does not fit the secret length');
  return bigIntToBytes(secret, first.value.length);
}
