/**
 * Elliptic-curve key agreement:
 * - X25519 and X448 (RFC 7748 §5, §6), which this project writes
 *   (CONFORMANCE "What this project does": recipients use the RFC 7748 u-coordinate);
 * - the reference implementation's Edwards agreement on `"crv":"Ed25519"` (and Ed448)
 *   recipients, which readers must accept (CONFORMANCE item 6, conformance/dare.md
 *   item 26): a = the RFC 8032 secret scalar of the private key, and the agreement value
 *   is the RFC 8032 encoding of a·EPK, not a u-coordinate.
 *
 * An all-zero shared secret, a low-order or undecodable peer key, or key material of the
 * wrong length raises DareError('KEY_INVALID') (RFC 7748 §6.1 "check for the all-zero value").
 * @module
 */
import { x25519 } from '@noble/curves/ed25519.js';
import { x448 } from '@noble/curves/ed448.js';
import { DareError } from '../errors.js';
import { getBackend } from './backend-select.js';
import {
  checkKeyBytes, decodePoint, edwardsGroup, multiply, rfc8032Scalar,
} from './edwards.js';
import type { EdwardsCurveName, MontgomeryCurveName } from './edwards.js';

export type { EdwardsCurveName, MontgomeryCurveName } from './edwards.js';

/** A private key and its public key. */
export interface KeyPair {
  readonly privateKey: Uint8Array;
  readonly publicKey: Uint8Array;
}

const MONTGOMERY = { X25519: x25519, X448: x448 } as const;
const KEY_LENGTH = { X25519: 32, X448: 56 } as const;

function lib(curve: MontgomeryCurveName): (typeof MONTGOMERY)[MontgomeryCurveName] {
  if (curve !== 'X25519' && curve !== 'X448') throw new TypeError(`unknown agreement curve ${String(curve)}`);
  return MONTGOMERY[curve];
}

function isZero(b: Uint8Array): boolean {
  let acc = 0;
  for (const x of b) acc |= x;
  return acc === 0;
}

/** A fresh RFC 7748 key pair (32 bytes for X25519, 56 for X448). */
export function generateAgreementKeyPair(curve: MontgomeryCurveName): KeyPair {
  const { secretKey, publicKey } = lib(curve).keygen();
  return { privateKey: secretKey, publicKey };
}

/** The RFC 7748 public key X(k, base point) of a private key. */
export function agreementPublicKey(curve: MontgomeryCurveName, privateKey: Uint8Array): Uint8Array {
  const m = lib(curve);
  checkKeyBytes(privateKey, 'private key', KEY_LENGTH[curve]);
  const native = curve === 'X25519' ? getBackend().x25519PublicKey : undefined;
  return native ? native(privateKey) : m.getPublicKey(privateKey);
}

/**
 * RFC 7748 §6 Diffie-Hellman: X25519(k, u) or X448(k, u). Rejects an all-zero
 * result (a low-order peer key) with KEY_INVALID.
 */
export function agree(curve: MontgomeryCurveName, privateKey: Uint8Array, peerPublicKey: Uint8Array): Uint8Array {
  const m = lib(curve);
  checkKeyBytes(privateKey, 'private key', KEY_LENGTH[curve]);
  checkKeyBytes(peerPublicKey, 'public key', KEY_LENGTH[curve]);
  let shared: Uint8Array;
  const native = curve === 'X25519' ? getBackend().x25519 : undefined;
  try {
    shared = native ? native(privateKey, peerPublicKey) : m.getSharedSecret(privateKey, peerPublicKey);
  } catch (e) {
    throw new DareError('KEY_INVALID', `${curve} agreement failed: low-order or invalid public key`, { cause: e });
  }
  if (isZero(shared)) throw new DareError('KEY_INVALID', `${curve} agreement gave the all-zero value`);
  return shared;
}

/**
 * The reference's Edwards key agreement (CONFORMANCE item 6): a·EPK where a is the
 * RFC 8032 scalar of `privateKey` (a seed of 32 or 57 bytes), returned as the RFC 8032
 * point encoding (32 or 57 bytes). This is the HKDF input keying material of
 * `"crv":"Ed25519"` recipients. a is a multiple of the cofactor, so a·EPK =
 * (a/h)·(h·EPK) and small-order components of EPK vanish; an identity result is KEY_INVALID.
 */
export function edwardsAgreement(curve: EdwardsCurveName, privateKey: Uint8Array, peerPublicKey: Uint8Array): Uint8Array {
  if (curve !== 'Ed25519' && curve !== 'Ed448') throw new TypeError(`unknown edwards curve ${String(curve)}`);
  const g = edwardsGroup(curve);
  const a = rfc8032Scalar(curve, privateKey);
  const E = decodePoint(g, peerPublicKey);
  const R = multiply(g, E.clearCofactor(), a / g.cofactor);
  if (R.is0()) throw new DareError('KEY_INVALID', `${curve} agreement gave the identity point`);
  return R.toBytes();
}
