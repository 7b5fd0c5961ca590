/**
 * The key combination law of draft-hallambaker-mesh-cryptography-08 §4 and its uses:
 * key co-generation (§4.2, §4.5.1, §5) and split keys for multi-party decryption
 * (§4.3, §6.1). For {X, x}, {Y, y}: Z = X + Y (point addition) has private key
 * z = (x + y) mod L, and x·E + y·E = z·E (the result combination law).
 *
 * Construction (conformance/multiparty.md, "Recommended construction"):
 * - Scalars are integers mod L, carried as raw little-endian bytes (32 bytes for
 *   Curve25519, 56 for Curve448). Only the inputs come from standard keys (the RFC 8032
 *   scalar of a seed, or clamp() of an RFC 7748 private key); combined and split
 *   values are never clamped or hashed again, and are not RFC 7748 private keys.
 * - Public keys that are combined travel as RFC 8032 Edwards encodings, for every curve
 *   name; `montgomeryPublicKey` gives the RFC 7748 u of an X25519/X448 key.
 * - A partial agreement is R_i = (s_i · h⁻¹)·(h·E) with the cofactor h cleared, so it leaks
 *   nothing about s_i mod h, and the sum of the partials reproduces X25519/X448 (and the
 *   reference's Edwards agreement) bit for bit.
 * Bad key material raises DareError('KEY_INVALID').
 * @module
 */
import { randomBytes } from '@noble/hashes/utils.js';
import { bytesToNumberLE } from '@noble/curves/utils.js';
import type { EdwardsPoint } from '@noble/curves/abstract/edwards.js';
import { DareError } from '../errors.js';
import { aBytes, aInteger } from '../internal/bytes.js';
import {
  decodePoint, decodePublicPoint, decodeScalar, edwardsGroup, encodeScalar, liftU,
  montgomeryU, multiply, rfc7748Scalar, rfc8032Scalar,
} from './edwards.js';
import type { CurveName, EdwardsGroup } from './edwards.js';
import { invert, mod } from '@noble/curves/abstract/modular.js';

export type { CurveName } from './edwards.js';

function keyInvalid(message: string): DareError {
  return new DareError('KEY_INVALID', message);
}

/**
 * The secret scalar of a standard private key, as raw scalar bytes mod L: the RFC 8032
 * scalar of an Ed25519/Ed448 seed, or clamp() of an X25519/X448 private key.
 */
export function privateKeyScalar(curve: CurveName, privateKey: Uint8Array): Uint8Array {
  const g = edwardsGroup(curve);
  const s = curve === 'Ed25519' || curve === 'Ed448' ? rfc8032Scalar(curve, privateKey) : rfc7748Scalar(curve, privateKey);
  return encodeScalar(g, s);
}

/** A uniformly random scalar in [1, L) (reduced from 64 extra bits of randomness). */
export function randomScalar(curve: CurveName): Uint8Array {
  const g = edwardsGroup(curve);
  for (;;) {
    const r = randomBytes(g.scalarLength + 16);
    const s = mod(bytesToNumberLE(r), g.L);
    r.fill(0);
    if (s !== 0n) return encodeScalar(g, s);
  }
}

/** The Edwards public key enc(s·B) of a raw scalar (§4.5.1 "the corresponding public key"). */
export function scalarPublicKey(curve: CurveName, scalar: Uint8Array): Uint8Array {
  const g = edwardsGroup(curve);
  return g.Point.BASE.multiply(decodeScalar(g, scalar)).toBytes();
}

/**
 * The RFC 7748 public key (u-coordinate) of an Edwards-encoded X25519/X448 public key:
 * u(enc(d·B)) equals X25519(d, 9) / X448(d, 5) for a standard private key d.
 */
export function montgomeryPublicKey(curve: 'X25519' | 'X448', edwardsPublicKey: Uint8Array): Uint8Array {
  const g = edwardsGroup(curve);
  return montgomeryU(g, decodePublicPoint(g, edwardsPublicKey));
}

/** z = Σ scalars mod L (key combination law, §4). KEY_INVALID if the sum is 0. */
export function addScalars(curve: CurveName, scalars: readonly Uint8Array[]): Uint8Array {
  const g = edwardsGroup(curve);
  if (!Array.isArray(scalars) || scalars.length === 0) throw new TypeError('"scalars" expected a non-empty array');
  let z = 0n;
  for (const s of scalars) z += decodeScalar(g, s);
  if (mod(z, g.L) === 0n) throw keyInvalid('combined scalar is zero');
  return encodeScalar(g, z);
}

/**
 * Z = Σ public keys by Edwards point addition (§4.5: "the operators are point
 * addition"). Every input must be a point of prime order; an identity sum is KEY_INVALID.
 */
export function addPublicKeys(curve: CurveName, publicKeys: readonly Uint8Array[]): Uint8Array {
  const g = edwardsGroup(curve);
  if (!Array.isArray(publicKeys) || publicKeys.length === 0) throw new TypeError('"publicKeys" expected a non-empty array');
  let Z = g.Point.ZERO;
  for (const P of publicKeys) Z = Z.add(decodePublicPoint(g, P));
  if (Z.is0()) throw keyInvalid('combined public key is the identity');
  return Z.toBytes();
}

/**
 * Splits a scalar into `n` ≥ 2 raw scalars that sum to it mod L (§6.1: y = g − x):
 * n−1 random parts, the last is `scalar − Σ others`. A part that would be zero is redrawn.
 */
export function splitScalar(curve: CurveName, scalar: Uint8Array, n: number): Uint8Array[] {
  const g = edwardsGroup(curve);
  aInteger(n, 'n', 2, 1024);
  const s = decodeScalar(g, scalar);
  for (;;) {
    const parts: Uint8Array[] = [];
    let sum = 0n;
    for (let i = 0; i < n - 1; i++) {
      const p = randomScalar(curve);
      sum += bytesToNumberLE(p);
      parts.push(p);
    }
    const last = mod(s - sum, g.L);
    if (last !== 0n) {
      parts.push(encodeScalar(g, last));
      return parts;
    }
  }
}

/** What the administration device makes in key co-generation (§4.5.1). */
export interface CoGeneration {
  /** m: the administrator's contribution, sent to the device over a secure channel. */
  readonly contribution: Uint8Array;
  /** A = D + M: the combined public key (Edwards encoding) the administrator certifies. */
  readonly publicKey: Uint8Array;
}

/**
 * Administrator side of co-generation (§4.5.1): given the device public key D (an
 * authenticated Edwards encoding, seen before m is chosen: threshold-06 §7.2), picks m,
 * M = m·B, and returns m and A = D + M.
 */
export function coGenerate(curve: CurveName, devicePublicKey: Uint8Array): CoGeneration {
  const contribution = randomScalar(curve);
  const publicKey = addPublicKeys(curve, [devicePublicKey, scalarPublicKey(curve, contribution)]);
  return { contribution, publicKey };
}

/**
 * Device side of co-generation: a = (d + m) mod L from the device scalar d (see
 * {@link privateKeyScalar}) and the contribution m, checked against the certified A.
 * KEY_INVALID when a·B ≠ A.
 */
export function acceptCoGeneration(
  curve: CurveName, deviceScalar: Uint8Array, contribution: Uint8Array, publicKey: Uint8Array,
): Uint8Array {
  const g = edwardsGroup(curve);
  const a = addScalars(curve, [deviceScalar, contribution]);
  const A = decodePublicPoint(g, publicKey);
  if (!g.Point.BASE.multiply(decodeScalar(g, a)).equals(A)) throw keyInvalid('co-generated key does not match its public key');
  return a;
}

/**
 * The point every partial agreement multiplies, with the cofactor cleared, and the
 * factor f such that Σ (s_i·f)·base gives the full agreement:
 * - Ed25519/Ed448: E = the EPK point; base = h·E, f = h⁻¹ (a = clamped ≡ 0 mod h).
 * - X25519: E = lift(u); base = 8·E, f = 8⁻¹.
 * - X448: Q = lift(u) with φ(Q) = 4·E; base = 4·Q, f = 16⁻¹.
 */
function agreementBase(g: EdwardsGroup, ephemeral: Uint8Array): { base: EdwardsPoint; f: bigint } {
  const isEdwards = g.curve === 'Ed25519' || g.curve === 'Ed448';
  const E = isEdwards ? decodePoint(g, ephemeral) : liftU(g, ephemeral);
  const base = E.clearCofactor();
  if (base.is0()) throw keyInvalid('ephemeral key has small order');
  const extra = g.curve === 'X448' ? 4n : 1n;
  return { base, f: invert(g.cofactor * extra, g.L) };
}

/**
 * One holder's share of a split-key agreement (§6.1, §6.2.3 "performs the key
 * agreement operation using the recryption key"): R_i = (s_i·f)·base, returned as an
 * Edwards encoding. `ephemeral` is an RFC 7748 u for X25519/X448, an RFC 8032 point for
 * Ed25519/Ed448. Every holder lifts u with the same sign, so the partials add up.
 */
export function partialAgreement(curve: CurveName, share: Uint8Array, ephemeral: Uint8Array): Uint8Array {
  const g = edwardsGroup(curve);
  const s = decodeScalar(g, share);
  aBytes(ephemeral, 'ephemeral');
  const { base, f } = agreementBase(g, ephemeral);
  return multiply(g, base, s * f).toBytes();
}

/**
 * Adds partial agreements (the result combination law) into the agreement value the
 * whole key gives: X25519(g, u) / X448(g, u) for Montgomery curves, the reference's
 * Edwards agreement encoding for Ed25519/Ed448. KEY_INVALID for an all-zero result.
 */
export function combineAgreements(curve: CurveName, partials: readonly Uint8Array[]): Uint8Array {
  const g = edwardsGroup(curve);
  if (!Array.isArray(partials) || partials.length === 0) throw new TypeError('"partials" expected a non-empty array');
  let R = g.Point.ZERO;
  for (const p of partials) R = R.add(decodePoint(g, p));
  if (R.is0()) throw keyInvalid('combined agreement is the identity');
  if (curve === 'Ed25519' || curve === 'Ed448') return R.toBytes();
  const u = montgomeryU(g, R);
  if (u.every((b) => b === 0)) throw keyInvalid('combined agreement is all zero');
  return u;
}

