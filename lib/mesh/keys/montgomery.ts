/**
 * Montgomery points with their sign, for X25519 and X448 keys that are combined
 * (draft-hallambaker-mesh-cryptography-08 §4.5; draft-hallambaker-threshold-06 §5.2;
 * conformance/multiparty.md items 2, 3 and 11).
 *
 * A bare RFC 7748 u cannot be added (u(P+Q) and u(P−Q) are both candidates), so a key that
 * is combined travels in the signed form the reference writes: LE(u) then one byte, 0x80
 * when v is odd and 0x00 when even (33 bytes for X25519, 57 for X448). Here:
 * - the signed form of k·G for the RFC 7748 base point G = (9, v_B) / (5, v_B), computed
 *   from the Edwards point k·B (RFC 7748 §4.1 birational map, §4.2 4-isogeny), with v's sign
 *   fixed so that B maps to G;
 * - affine addition of two signed points (threshold-06 §5.2.4), which is all the key
 *   combination law needs on public keys;
 * - a subgroup check (an x-only ladder by L), so that a combined key has no small-order part.
 * This is arithmetic on public values only: nothing here touches a secret.
 * Bad encodings, points off the curve and the identity are DareError('KEY_INVALID').
 * @module
 */
import { ed25519 } from '@noble/curves/ed25519.js';
import { ed448 } from '@noble/curves/ed448.js';
import type { EdwardsPoint } from '@noble/curves/abstract/edwards.js';
import { bytesToNumberLE, numberToBytesLE } from '@noble/curves/utils.js';
import { DareError } from '../../index.js';

export type MontgomeryCurve = 'X25519' | 'X448';

/** An affine point (u, v) on a Montgomery curve v² = u³ + A·u² + u. */
export interface MontgomeryPoint {
  readonly u: bigint;
  readonly v: bigint;
}

interface Params {
  readonly p: bigint;
  readonly L: bigint;
  readonly A: bigint;
  readonly a24: bigint;
  /** Bytes of u. */
  readonly n: number;
  readonly base: MontgomeryPoint;
  readonly sqrt: (w: bigint) => bigint;
  /** Edwards point -> (u, v), with the sign of v chosen so that the Edwards base maps to `base`. */
  readonly fromEdwards: (P: EdwardsPoint) => MontgomeryPoint;
}

function keyInvalid(message: string): DareError {
  return new DareError('KEY_INVALID', message);
}

const mod = (a: bigint, m: bigint): bigint => {
  const r = a % m;
  return r < 0n ? r + m : r;
};

function params(curve: MontgomeryCurve): Params {
  return curve === 'X25519' ? X25519_PARAMS : X448_PARAMS;
}

function makeX25519(): Params {
  const Fp = ed25519.Point.Fp;
  const p = Fp.ORDER;
  const base = { u: 9n, v: 14781619447589544791020593568409986887264606134616475288964881837755586237401n };
  // RFC 7748 §4.1: (u, v) = ((1+y)/(1−y), sqrt(−486664)·u/x); the root is the one that maps B to (9, v_B).
  const B = ed25519.Point.BASE.toAffine();
  const c = mod(base.v * B.x * Fp.inv(9n), p);
  if (mod(c * c + 486664n, p) !== 0n) throw new TypeError('internal error: sqrt(-486664)');
  return {
    p, L: ed25519.Point.Fn.ORDER, A: 486662n, a24: 121665n, n: 32, base,
    sqrt: (w) => Fp.sqrt(w),
    fromEdwards: (P) => {
      const { x, y } = P.toAffine();
      if (x === 0n) throw keyInvalid('point has no montgomery image');
      const u = mod((1n + y) * Fp.inv(mod(1n - y, p)), p);
      return { u, v: mod(c * u * Fp.inv(x), p) };
    },
  };
}

function makeX448(): Params {
  const Fp = ed448.Point.Fp;
  const p = Fp.ORDER;
  const base = {
    u: 5n,
    v: 355293926785568175264127502063783334808976399387714271831880898435169088786967410002932673765864550910142774147268105838985595290606362n,
  };
  // RFC 7748 §4.2 4-isogeny: (u, v) = (y²/x², (2 − x² − y²)·y/x³); u(s·B) = X448(s, 5).
  const phi = (P: EdwardsPoint): MontgomeryPoint => {
    const { x, y } = P.toAffine();
    if (x === 0n) throw keyInvalid('point has no montgomery image');
    const xi = Fp.inv(x);
    const u = mod(y * y * xi * xi, p);
    return { u, v: mod((2n - x * x - y * y) * y * xi * xi * xi, p) };
  };
  const g = phi(ed448.Point.BASE);
  if (g.u !== base.u) throw new TypeError('internal error: edwards448 base does not map to u = 5');
  const sign = g.v === base.v ? 1n : -1n;
  if (sign === -1n && mod(g.v + base.v, p) !== 0n) throw new TypeError('internal error: edwards448 base v');
  return {
    p, L: ed448.Point.Fn.ORDER, A: 156326n, a24: 39081n, n: 56, base,
    sqrt: (w) => Fp.sqrt(w),
    fromEdwards: (P) => {
      const r = phi(P);
      return { u: r.u, v: mod(sign * r.v, p) };
    },
  };
}

const X25519_PARAMS = makeX25519();
const X448_PARAMS = makeX448();

/** Bytes of the signed form: 33 (X25519) or 57 (X448). */
export function signedLength(curve: MontgomeryCurve): number {
  return params(curve).n + 1;
}

/** Bytes of the bare RFC 7748 u: 32 or 56. */
export function uLength(curve: MontgomeryCurve): number {
  return params(curve).n;
}

/** The signed encoding of a point: LE(u) ‖ (0x80 if v is odd else 0x00). */
export function encodeSigned(curve: MontgomeryCurve, P: MontgomeryPoint): Uint8Array {
  const { n } = params(curve);
  const out = new Uint8Array(n + 1);
  out.set(numberToBytesLE(P.u, n));
  out[n] = (P.v & 1n) === 1n ? 0x80 : 0x00;
  return out;
}

/** The v of u with the given parity; KEY_INVALID when u is not on the curve. */
function recoverV(c: Params, u: bigint, odd: boolean): bigint {
  const w = mod(u * u * u + c.A * u * u + u, c.p);
  let v: bigint;
  try {
    v = c.sqrt(w);
  } catch {
    throw keyInvalid('u is not the coordinate of a curve point');
  }
  if (mod(v * v - w, c.p) !== 0n) throw keyInvalid('u is not the coordinate of a curve point');
  if (v === 0n) throw keyInvalid('point of order two');
  return ((v & 1n) === 1n) === odd ? v : c.p - v;
}

/** Decodes a signed form (canonical u below p, last byte 0x00 or 0x80). */
export function decodeSigned(curve: MontgomeryCurve, bytes: Uint8Array): MontgomeryPoint {
  const c = params(curve);
  if (!(bytes instanceof Uint8Array) || bytes.length !== c.n + 1) throw keyInvalid(`${curve} signed public key must be ${c.n + 1} bytes`);
  const flag = bytes[c.n] as number;
  if (flag !== 0x00 && flag !== 0x80) throw keyInvalid(`${curve} signed public key: last byte must be 0x00 or 0x80`);
  const u = bytesToNumberLE(bytes.subarray(0, c.n));
  if (u >= c.p) throw keyInvalid(`${curve} public key: u is not reduced`);
  return { u, v: recoverV(c, u, flag === 0x80) };
}

/** The Montgomery image (with v) of an Edwards point k·B: the public key of scalar k. */
export function fromEdwards(curve: MontgomeryCurve, P: EdwardsPoint): MontgomeryPoint {
  if (P.is0()) throw keyInvalid('identity point');
  return params(curve).fromEdwards(P);
}

/** P + Q in affine coordinates (threshold-06 §5.2.4); KEY_INVALID for the identity. */
export function addPoints(curve: MontgomeryCurve, P: MontgomeryPoint, Q: MontgomeryPoint): MontgomeryPoint {
  const { p, A } = params(curve);
  const Fp = curve === 'X25519' ? ed25519.Point.Fp : ed448.Point.Fp;
  const inv = (x: bigint): bigint => Fp.inv(x);
  let lambda: bigint;
  if (P.u === Q.u) {
    if (mod(P.v + Q.v, p) === 0n) throw keyInvalid('the sum of the keys is the identity');
    lambda = mod((3n * P.u * P.u + 2n * A * P.u + 1n) * inv(mod(2n * P.v, p)), p);
  } else {
    lambda = mod((Q.v - P.v) * inv(mod(Q.u - P.u, p)), p);
  }
  const u = mod(lambda * lambda - A - P.u - Q.u, p);
  const v = mod(lambda * (P.u - u) - P.v, p);
  return { u, v };
}

/** True when L·P is the identity (an x-only RFC 7748 ladder on public values). */
export function inPrimeSubgroup(curve: MontgomeryCurve, P: MontgomeryPoint): boolean {
  const { p, L, a24 } = params(curve);
  const x1 = P.u;
  let x2 = 1n, z2 = 0n, x3 = x1, z3 = 1n;
  for (let t = BigInt(L.toString(2).length - 1); t >= 0n; t--) {
    const bit = (L >> t) & 1n;
    if (bit === 1n) [x2, x3, z2, z3] = [x3, x2, z3, z2];
    const a = mod(x2 + z2, p), aa = mod(a * a, p), b = mod(x2 - z2, p), bb = mod(b * b, p), e = mod(aa - bb, p);
    const c = mod(x3 + z3, p), d = mod(x3 - z3, p), da = mod(d * a, p), cb = mod(c * b, p);
    x3 = mod((da + cb) * (da + cb), p);
    z3 = mod(x1 * (da - cb) * (da - cb), p);
    x2 = mod(aa * bb, p);
    z2 = mod(e * (aa + a24 * e), p);
    if (bit === 1n) [x2, x3, z2, z3] = [x3, x2, z3, z2];
  }
  return z2 === 0n;
}

/** The signed form of a point of prime order; KEY_INVALID otherwise. */
export function checkPrimeOrder(curve: MontgomeryCurve, P: MontgomeryPoint): MontgomeryPoint {
  if (!inPrimeSubgroup(curve, P)) throw keyInvalid(`${curve} public key is not a point of prime order`);
  return P;
}
