/**
 * Edwards-curve arithmetic shared by key agreement, key combination and signing with
 * a combined scalar: curve constants, scalar and point encodings, the RFC 8032 and
 * RFC 7748 private-key-to-scalar rules, and the maps between Edwards points and RFC 7748
 * Montgomery u-coordinates (RFC 7748 §4.1, §4.2).
 *
 * Following `conformance/multiparty.md` ("Recommended construction"), all point
 * arithmetic of draft-hallambaker-mesh-cryptography-08 §4.5 is done on noble's audited
 * constant-time Edwards points; a Montgomery u appears only at the RFC 7748 boundary,
 * because a bare u cannot be added (u(P+Q) and u(P−Q) are both candidates).
 * Key material that fails to decode raises DareError('KEY_INVALID').
 * @module
 */
import { ed25519 } from '@noble/curves/ed25519.js';
import { ed448 } from '@noble/curves/ed448.js';
import type { EdwardsPoint, EdwardsPointCons } from '@noble/curves/abstract/edwards.js';
import { bytesToNumberLE, numberToBytesLE } from '@noble/curves/utils.js';
import { DareError } from '../errors.js';
import { aBytes } from '../internal/bytes.js';
import { invert, invertCt, mod, pow } from '@noble/curves/abstract/modular.js';

/** The curves of RFC 7748 and RFC 8032 that the Mesh uses (mesh-cryptography-08 §3.1). */
export type CurveName = 'Ed25519' | 'Ed448' | 'X25519' | 'X448';
export type EdwardsCurveName = 'Ed25519' | 'Ed448';
export type MontgomeryCurveName = 'X25519' | 'X448';

/** The Edwards group behind a curve name, with the lengths of its encodings. */
export interface EdwardsGroup {
  readonly curve: CurveName;
  readonly Point: EdwardsPointCons;
  /** Prime order L of the base point. */
  readonly L: bigint;
  /** Field prime p. */
  readonly p: bigint;
  /** Cofactor: 8 for Curve25519, 4 for Curve448. */
  readonly cofactor: bigint;
  /** Bytes of a raw scalar mod L (32 or 56), little-endian. */
  readonly scalarLength: number;
  /** Bytes of an RFC 8032 point encoding (32 or 57). */
  readonly pointLength: number;
  /** Bytes of an RFC 7748 u-coordinate and private key (32 or 56). */
  readonly montgomeryLength: number;
}

function group(curve: CurveName, Point: EdwardsPointCons, scalarLength: number, pointLength: number): EdwardsGroup {
  const c = Point.CURVE();
  return Object.freeze({
    curve, Point, L: c.n, p: c.p, cofactor: c.h, scalarLength, pointLength, montgomeryLength: scalarLength,
  });
}

const G25519 = { Ed25519: group('Ed25519', ed25519.Point, 32, 32), X25519: group('X25519', ed25519.Point, 32, 32) };
const G448 = { Ed448: group('Ed448', ed448.Point, 56, 57), X448: group('X448', ed448.Point, 56, 57) };

/** The group of `curve` (TypeError for an unknown name). */
export function edwardsGroup(curve: CurveName): EdwardsGroup {
  switch (curve) {
    case 'Ed25519': return G25519.Ed25519;
    case 'X25519': return G25519.X25519;
    case 'Ed448': return G448.Ed448;
    case 'X448': return G448.X448;
    default: throw new TypeError(`unknown curve ${String(curve)}`);
  }
}

function keyInvalid(message: string, cause?: unknown): DareError {
  return new DareError('KEY_INVALID', message, cause === undefined ? undefined : { cause });
}

/** Checks the type and length of key material; a wrong length is KEY_INVALID (it is data). */
export function checkKeyBytes(x: unknown, name: string, length: number): asserts x is Uint8Array {
  aBytes(x, name);
  if (x.length !== length) throw keyInvalid(`${name} must be ${length} bytes, got ${x.length}`);
}

/** A raw scalar: `scalarLength` LE bytes, 0 < s < L, else KEY_INVALID. */
export function decodeScalar(g: EdwardsGroup, bytes: Uint8Array): bigint {
  checkKeyBytes(bytes, 'scalar', g.scalarLength);
  const s = bytesToNumberLE(bytes);
  if (s === 0n || s >= g.L) throw keyInvalid('scalar is not in [1, L)');
  return s;
}

/** `s mod L` as `scalarLength` LE bytes (never clamped or hashed: multiparty.md rules). */
export function encodeScalar(g: EdwardsGroup, s: bigint): Uint8Array {
  return numberToBytesLE(mod(s, g.L), g.scalarLength);
}

/** Decodes an RFC 8032 point strictly; KEY_INVALID unless on the curve. */
export function decodePoint(g: EdwardsGroup, bytes: Uint8Array): EdwardsPoint {
  checkKeyBytes(bytes, 'point', g.pointLength);
  try {
    return g.Point.fromBytes(bytes, false);
  } catch (e) {
    throw keyInvalid('point is not a valid curve point encoding', e);
  }
}

/** Decodes a public key that is to be combined: a valid point of order L. */
export function decodePublicPoint(g: EdwardsGroup, bytes: Uint8Array): EdwardsPoint {
  const P = decodePoint(g, bytes);
  if (P.is0() || !P.isTorsionFree()) throw keyInvalid('public key is not a point of prime order');
  return P;
}

/** `k·P` for any integer k, constant time in k (noble `multiply` needs 1 ≤ k < L). */
export function multiply(g: EdwardsGroup, P: EdwardsPoint, k: bigint): EdwardsPoint {
  const r = mod(k, g.L);
  return r === 0n ? g.Point.ZERO : P.multiply(r);
}

/**
 * The RFC 8032 secret scalar of a seed (§5.1.5 / §5.2.5): the pruned first half of
 * H(seed), as an integer NOT reduced mod L (the reference multiplies with it as is).
 */
export function rfc8032Scalar(curve: EdwardsCurveName, seed: Uint8Array): bigint {
  const lib = curve === 'Ed25519' ? ed25519 : ed448;
  checkKeyBytes(seed, 'private key', lib.lengths.secretKey ?? 0);
  return bytesToNumberLE(lib.utils.getExtendedPublicKey(seed).head);
}

/** The RFC 7748 §5 decodeScalar (clamping) of an X25519 or X448 private key. */
export function rfc7748Scalar(curve: MontgomeryCurveName, privateKey: Uint8Array): bigint {
  const n = curve === 'X25519' ? 32 : 56;
  checkKeyBytes(privateKey, 'private key', n);
  const k = privateKey.slice();
  if (curve === 'X25519') {
    k[0] = (k[0] as number) & 248;
    k[31] = ((k[31] as number) & 127) | 64;
  } else {
    k[0] = (k[0] as number) & 252;
    k[55] = (k[55] as number) | 128;
  }
  const s = bytesToNumberLE(k);
  k.fill(0);
  return s;
}

/** The u-coordinate of an RFC 7748 public key, masked and reduced as RFC 7748 §5 says. */
function decodeU(g: EdwardsGroup, u: Uint8Array): bigint {
  checkKeyBytes(u, 'public key', g.montgomeryLength);
  const b = u.slice();
  if (g.curve === 'X25519') b[31] = (b[31] as number) & 127;
  return mod(bytesToNumberLE(b), g.p);
}

/**
 * Lifts an RFC 7748 u-coordinate to an Edwards point, with the fixed sign choice every
 * holder must share (multiparty.md, "Boundary maps"):
 * - X25519: y = (u−1)/(u+1) with x even (RFC 7748 §4.1); returns E with u(E) = u.
 * - X448: v even, then the RFC 7748 §4.2 map to edwards448, which is the dual 4-isogeny:
 *   returns Q with φ(Q) = 4·(u, v).
 * KEY_INVALID when u is not on the curve (a twist point) or maps to no affine point.
 */
export function liftU(g: EdwardsGroup, uBytes: Uint8Array): EdwardsPoint {
  const u = decodeU(g, uBytes);
  const { p } = g;
  if (g.curve === 'X25519') {
    if (mod(u + 1n, p) === 0n) throw keyInvalid('u = -1 has no edwards25519 image');
    const y = mod((u - 1n) * invert(u + 1n, p), p);
    return decodePoint(g, numberToBytesLE(y, 32));
  }
  // Curve448: v^2 = u^3 + 156326 u^2 + u; p ≡ 3 (mod 4) so sqrt(w) = w^((p+1)/4).
  const w = mod(u * u * u + 156326n * u * u + u, p);
  let v = pow(w, (p + 1n) / 4n, p);
  if (mod(v * v - w, p) !== 0n) throw keyInvalid('u is not on curve448');
  if (v & 1n) v = p - v;
  const u2 = mod(u * u, p);
  const u3 = mod(u2 * u, p);
  const v2 = mod(v * v, p);
  const xd = mod(u2 * u2 - 2n * u2 + 4n * v2 + 1n, p);
  const yd = mod(u3 * u2 - 2n * u2 * v2 - 2n * u3 - 2n * v2 + u, p);
  if (xd === 0n || yd === 0n) throw keyInvalid('u maps to no affine edwards448 point');
  const x = mod(4n * v * (u2 - 1n) * invert(xd, p), p);
  const y = mod(-(u3 * u2 - 2n * u3 - 4n * u * v2 + u) * invert(yd, p), p);
  let Q: EdwardsPoint;
  try {
    Q = g.Point.fromAffine({ x, y });
    Q.assertValidity();
  } catch (e) {
    throw keyInvalid('u maps to no edwards448 point', e);
  }
  return Q;
}

/**
 * The RFC 7748 u-coordinate of an Edwards point, as `montgomeryLength` LE bytes:
 * u = (1+y)/(1−y) on Curve25519 (RFC 7748 §4.1), u = y²/x² on Curve448 (the
 * 4-isogeny φ of RFC 7748 §4.2, with u(s·B_Ed448) = X448(s, 5)). The identity (and
 * on Curve25519 any point with y = 1) maps to the all-zero u. P may be a shared secret, so
 * the inversion is Fermat's (noble's invertCt: no loop whose length depends on the value).
 */
export function montgomeryU(g: EdwardsGroup, P: EdwardsPoint): Uint8Array {
  if (P.is0()) return new Uint8Array(g.montgomeryLength);
  const { x, y } = P.toAffine();
  const { p } = g;
  let u: bigint;
  if (g.curve === 'X25519' || g.curve === 'Ed25519') {
    u = y === 1n ? 0n : mod((1n + y) * invertCt(mod(1n - y, p), p), p);
  } else {
    u = x === 0n ? 0n : mod(y * y * invertCt(mod(x * x, p), p), p);
  }
  return numberToBytesLE(u, g.montgomeryLength);
}
