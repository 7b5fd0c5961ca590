/**
 * Signing with Mesh keys (RFC 8032 with a context; docs/MESH.md §4). Every Mesh private key
 * is a scalar and a secret nonce prefix (mesh-key.ts), so one signing routine serves
 * standard keys, the 56-byte Ed448 keys Mesh seeds derive, and combined keys, whose
 * prefix is derived secretly from the scalar (CONFORMANCE item 12: the reference's combined
 * keys sign with no secret prefix and leak the key from one signature).
 *
 * Ed25519 signs as Ed25519ctx and Ed448 as Ed448, each with the context given (the signing
 * purpose, e.g. `mesh/ProfileUser/v1`); the empty context is the reference's. The results
 * verify with any RFC 8032 verifier under the key's public key.
 * @module
 */
import type { Signer } from '../../index.js';
import { signWithScalar, verify } from '../../crypto/index.js';
import { isSignatureCurve, type MeshPrivateKey, type MeshPublicKey } from './mesh-key.js';

/** A key that signs (in memory, or in a key store unlocked beforehand). */
export interface MeshSigner {
  readonly publicKey: MeshPublicKey;
  /** An RFC 8032 signature over `message` with the context `context` (0..255 bytes). */
  sign(message: Uint8Array, context: Uint8Array): Uint8Array;
}

function algorithm(crv: 'Ed25519' | 'Ed448'): 'Ed25519ctx' | 'Ed448' {
  return crv === 'Ed25519' ? 'Ed25519ctx' : 'Ed448';
}

/** Signs synchronously with a private key held in memory. */
export function signWithKey(key: MeshPrivateKey, message: Uint8Array, context: Uint8Array): Uint8Array {
  if (!isSignatureCurve(key.crv)) throw new TypeError(`${key.crv} keys do not sign`);
  if (key.prefix === undefined) throw new TypeError('signing key has no nonce prefix');
  return signWithScalar(algorithm(key.crv), key.scalar, message, { prefix: key.prefix, context });
}

/** The signer of a private key held in memory. */
export function localSigner(key: MeshPrivateKey): MeshSigner {
  if (!isSignatureCurve(key.crv)) throw new TypeError(`${key.crv} keys do not sign`);
  return { publicKey: key.publicKey, sign: (message, context) => signWithKey(key, message, context) };
}

/** The core's view of a Mesh signer (keys/identity.ts `Signer`), for the envelope writer. */
export function coreSigner(s: MeshSigner): Signer {
  const crv = s.publicKey.crv;
  if (!isSignatureCurve(crv)) throw new TypeError(`${crv} keys do not sign`);
  return { crv, publicKey: s.publicKey.public, sign: (message, context) => s.sign(message, context) };
}

/** Verifies an RFC 8032 signature made with `context` (false on any failure). */
export function verifyWithKey(key: MeshPublicKey, message: Uint8Array, signature: Uint8Array, context: Uint8Array): boolean {
  if (!isSignatureCurve(key.crv)) return false;
  return verify(algorithm(key.crv), key.public, message, signature, context);
}
