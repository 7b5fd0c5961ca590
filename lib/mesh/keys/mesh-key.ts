/**
 * Mesh public and private keys on the four curves of draft-hallambaker-mesh-cryptography-08
 * §3 (X25519, X448, Ed25519, Ed448), in the forms Mesh KeyData carries (docs/MESH.md §3):
 *
 * - Ed25519 / Ed448 public keys: the RFC 8032 encoding (32 / 57 bytes).
 * - X448 public keys: 57 bytes, the RFC 7748 u then 0x00 or 0x80 for the parity of v, as
 *   the drafts print them (schema §9.2); X25519 likewise in 33 bytes (threshold-06 §6.1.1).
 *   A bare u (56 / 32 bytes) is read, but such a key cannot be combined.
 * - Private keys reduce to a scalar mod L (and, for signing, a secret nonce prefix):
 *   standard keys (RFC 7748 private keys, RFC 8032 seeds, and the 56-byte Ed448 keys that
 *   Mesh seeds derive) are hashed or clamped once; combined keys are raw scalars, never
 *   clamped or hashed again (conformance/multiparty.md "Rules").
 *
 * The key combination law (§4): the public key of a sum of scalars is the sum of the public
 * keys, Edwards addition for Ed*, signed Montgomery addition for X*.
 * Bad key material is DareError('KEY_INVALID').
 * @module
 */
import { sha512 } from '@noble/hashes/sha2.js';
import { shake256 } from '@noble/hashes/sha3.js';
import { bytesToNumberLE } from '@noble/curves/utils.js';
import { DareError, keyFingerprint } from '../../index.js';
import {
  addPublicKeys, addScalars, decodePoint, decodeScalar, deriveNoncePrefix, edwardsGroup, encodeScalar, rfc7748Scalar,
} from '../../crypto/index.js';
import type { MeshCurve } from './seed.js';
import { addPoints, checkPrimeOrder, decodeSigned, encodeSigned, fromEdwards, signedLength, uLength } from './montgomery.js';

export type { MeshCurve } from './seed.js';

/** A public key as Mesh KeyData carries it. */
export interface MeshPublicKey {
  readonly crv: MeshCurve;
  readonly public: Uint8Array;
}

/** How a private key is written: its standard form, or as a raw scalar (`crv` + "z"). */
export type PrivateForm = 'standard' | 'scalar';

/** A private key: its scalar mod L, its secret nonce prefix (Ed*), and how it is written. */
export interface MeshPrivateKey {
  readonly crv: MeshCurve;
  /** The secret scalar mod L, little-endian (32 or 56 bytes). */
  readonly scalar: Uint8Array;
  /** Ed25519 / Ed448: the secret nonce prefix (32 / 57 bytes). */
  readonly prefix?: Uint8Array;
  readonly form: PrivateForm;
  /** The bytes of `form`: the private key as given, or the scalar. */
  readonly encoded: Uint8Array;
  readonly publicKey: MeshPublicKey;
}

function keyInvalid(message: string): DareError {
  return new DareError('KEY_INVALID', message);
}

export function isSignatureCurve(crv: MeshCurve): crv is 'Ed25519' | 'Ed448' {
  return crv === 'Ed25519' || crv === 'Ed448';
}

function checkCurve(crv: unknown): asserts crv is MeshCurve {
  if (crv !== 'X25519' && crv !== 'X448' && crv !== 'Ed25519' && crv !== 'Ed448') throw new TypeError(`unknown curve ${String(crv)}`);
}

/** The public key of scalar s: enc(s·B) for Ed*, the signed Montgomery form of s·G for X*. */
export function publicKeyOfScalar(crv: MeshCurve, scalar: Uint8Array): MeshPublicKey {
  checkCurve(crv);
  const g = edwardsGroup(crv);
  const P = g.Point.BASE.multiply(decodeScalar(g, scalar));
  if (isSignatureCurve(crv)) return { crv, public: P.toBytes() };
  return { crv, public: encodeSigned(crv, fromEdwards(crv, P)) };
}

/** RFC 8032 §5.1.5 / §5.2.5 expansion of a seed of any length: pruned scalar and prefix. */
function expandEdwards(crv: 'Ed25519' | 'Ed448', seed: Uint8Array): { scalar: bigint; prefix: Uint8Array } {
  const h = crv === 'Ed25519' ? sha512(seed) : shake256(seed, { dkLen: 114 });
  const half = crv === 'Ed25519' ? 32 : 57;
  const head = h.slice(0, half);
  if (crv === 'Ed25519') {
    head[0] = (head[0] as number) & 248;
    head[31] = ((head[31] as number) & 127) | 64;
  } else {
    head[0] = (head[0] as number) & 252;
    head[55] = (head[55] as number) | 128;
    head[56] = 0;
  }
  const scalar = bytesToNumberLE(head);
  head.fill(0);
  const prefix = h.slice(half);
  h.fill(0);
  return { scalar, prefix };
}

/** Lengths a standard private key of each curve may have (Ed448: 56 from Mesh seeds, 57 RFC 8032). */
const STANDARD_LENGTHS: Readonly<Record<MeshCurve, readonly number[]>> = {
  X25519: [32], X448: [56], Ed25519: [32], Ed448: [56, 57],
};

/** A private key from its standard form (RFC 7748 private key, RFC 8032 or Mesh Ed448 seed). */
export function privateKeyFromStandard(crv: MeshCurve, bytes: Uint8Array): MeshPrivateKey {
  checkCurve(crv);
  if (!(bytes instanceof Uint8Array) || !STANDARD_LENGTHS[crv].includes(bytes.length)) {
    throw keyInvalid(`${crv} private key must be ${STANDARD_LENGTHS[crv].join(' or ')} bytes`);
  }
  const { scalar, prefix } = expandStandard(crv, bytes);
  return { crv, scalar, prefix, form: 'standard', encoded: bytes.slice(), publicKey: publicKeyOfScalar(crv, scalar) };
}

function expandStandard(crv: MeshCurve, bytes: Uint8Array): { scalar: Uint8Array; prefix?: Uint8Array } {
  const g = edwardsGroup(crv);
  let s: bigint;
  let prefix: Uint8Array | undefined;
  if (isSignatureCurve(crv)) ({ scalar: s, prefix } = expandEdwards(crv, bytes));
  else s = rfc7748Scalar(crv, bytes);
  return { scalar: encodeScalar(g, s), prefix };
}

/**
 * The secret scalar of a private key in its standard form, without computing its public key
 * (a point multiplication): for a key read from storage whose integrity is protected
 * otherwise (the home's key store), where only the scalar is used.
 */
export function scalarOfStandard(crv: MeshCurve, bytes: Uint8Array): Uint8Array {
  checkCurve(crv);
  if (!(bytes instanceof Uint8Array) || !STANDARD_LENGTHS[crv].includes(bytes.length)) {
    throw keyInvalid(`${crv} private key must be ${STANDARD_LENGTHS[crv].join(' or ')} bytes`);
  }
  return expandStandard(crv, bytes).scalar;
}

/** A private key that is a raw scalar mod L (combined or split keys; never clamped or hashed). */
export function privateKeyFromScalar(crv: MeshCurve, scalar: Uint8Array): MeshPrivateKey {
  checkCurve(crv);
  decodeScalar(edwardsGroup(crv), scalar);
  const prefix = crv === 'Ed25519' ? deriveNoncePrefix('Ed25519ctx', scalar) : crv === 'Ed448' ? deriveNoncePrefix('Ed448', scalar) : undefined;
  return { crv, scalar: scalar.slice(), prefix, form: 'scalar', encoded: scalar.slice(), publicKey: publicKeyOfScalar(crv, scalar) };
}

/**
 * Checks a public key's encoding: an Edwards point (Ed*), a signed Montgomery point on the
 * curve, or a bare u of the right length (X*). Returns the key.
 */
export function checkPublicKey(key: MeshPublicKey): MeshPublicKey {
  const { crv } = key;
  checkCurve(crv);
  const b = key.public;
  if (!(b instanceof Uint8Array)) throw new TypeError('"public" expected Uint8Array');
  if (isSignatureCurve(crv)) {
    decodePoint(edwardsGroup(crv), b);
  } else if (b.length === signedLength(crv)) {
    decodeSigned(crv, b);
  } else if (b.length !== uLength(crv)) {
    throw keyInvalid(`${crv} public key must be ${signedLength(crv)} bytes (or ${uLength(crv)} without its sign)`);
  }
  return key;
}

/** The key's UDF: the reference fingerprint (`PKIXKey`) of its public bytes as carried. */
export function keyUdf(key: MeshPublicKey): string {
  return keyFingerprint(key.crv, key.public);
}

/** The RFC 7748 u of an X25519/X448 public key (what senders agree with). */
export function montgomeryU(key: MeshPublicKey): Uint8Array {
  if (isSignatureCurve(key.crv)) throw new TypeError(`${key.crv} keys have no montgomery u`);
  return key.public.slice(0, uLength(key.crv));
}

/** True when the two keys are the same key (same curve and bytes; a bare u matches its signed form). */
export function samePublicKey(a: MeshPublicKey, b: MeshPublicKey): boolean {
  if (a.crv !== b.crv) return false;
  let x = a.public;
  let y = b.public;
  if (!isSignatureCurve(a.crv) && x.length !== y.length) {
    x = montgomeryU(a);
    y = montgomeryU(b);
  }
  if (x.length !== y.length) return false;
  let d = 0;
  for (let i = 0; i < x.length; i++) d |= (x[i] as number) ^ (y[i] as number);
  return d === 0;
}

/**
 * The key combination law on public keys: Σ keys, each of prime order. KEY_INVALID for a
 * key without its sign (a bare u), a key of small order or an identity sum.
 */
export function combinePublicKeys(crv: MeshCurve, keys: readonly MeshPublicKey[]): MeshPublicKey {
  checkCurve(crv);
  if (keys.length === 0) throw new TypeError('"keys" expected a non-empty array');
  for (const k of keys) if (k.crv !== crv) throw keyInvalid(`cannot combine a ${k.crv} key with ${crv} keys`);
  if (isSignatureCurve(crv)) return { crv, public: addPublicKeys(crv, keys.map((k) => k.public)) };
  const points = keys.map((k) => {
    if (k.public.length !== signedLength(crv)) throw keyInvalid(`a ${crv} key without its sign byte cannot be combined`);
    return checkPrimeOrder(crv, decodeSigned(crv, k.public));
  });
  let sum = points[0] as (typeof points)[number];
  for (const P of points.slice(1)) sum = addPoints(crv, sum, P);
  return { crv, public: encodeSigned(crv, sum) };
}

/** The key combination law on private keys: the raw scalar Σ scalars mod L. */
export function combinePrivateKeys(crv: MeshCurve, keys: readonly MeshPrivateKey[]): MeshPrivateKey {
  checkCurve(crv);
  for (const k of keys) if (k.crv !== crv) throw keyInvalid(`cannot combine a ${k.crv} key with ${crv} keys`);
  return privateKeyFromScalar(crv, addScalars(crv, keys.map((k) => k.scalar)));
}

/** Zeroes the secret bytes of a private key (best effort: JavaScript may hold copies). */
export function wipePrivateKey(k: MeshPrivateKey): void {
  k.scalar.fill(0);
  k.prefix?.fill(0);
  k.encoded.fill(0);
}
