/**
 * Decryption identities: anything that can perform the key agreement of a recipient entry
 * (draft-hallambaker-mesh-dare-12 §3.4.1), possibly asynchronously. A private key held in
 * memory is one; so are a combined device key (a raw scalar), a key held in a key store,
 * and a group share whose other half a service holds (mesh-cryptography-08 §6: the service
 * computes its partial agreement, the member adds its own). Envelope and sequence readers
 * take identities wherever they take private keys, and treat them all the same way.
 *
 * The agreement value an identity returns is the HKDF input keying material of the entry:
 * the RFC 7748 u for X25519/X448, the RFC 8032 point encoding for the reference's Edwards
 * entries (CONFORMANCE item 6). Ephemeral keys arrive as the entry carries them; X448 and
 * X25519 ephemerals may carry the reference's sign byte (57 / 33 bytes), which the
 * agreement does not use.
 * @module
 */
import { DareError } from '../errors.js';
import { agree, edwardsAgreement } from '../crypto/agreement.js';
import type { DecryptionKey, SignatureCurve, SigningKey } from './types.js';

/** Curves a recipient entry's ephemeral key can be on. */
export type IdentityCurve = 'X25519' | 'X448' | 'Ed25519' | 'Ed448';

export interface AgreementIdentity {
  /** The curve of the key: only entries whose ephemeral key is on it are tried. */
  readonly crv: IdentityCurve;
  /**
   * Key ids (UDF fingerprints) of the key. When given, only entries whose `kid` names one of
   * them are tried: an identity that costs a round trip to a service is asked only about
   * its own entries. Without it, every entry of the curve is tried (the kid is a hint).
   */
  readonly kids?: readonly string[];
  /**
   * The public key, when the identity knows it: a writer that holds this identity then counts
   * a policy encrypting to it as its own (lib/sequence/trust.ts).
   */
  readonly publicKey?: Uint8Array;
  /**
   * The agreement value with `ephemeral` (the entry's epk Public bytes). Rejects with
   * KEY_INVALID for an ephemeral key it cannot use; any other rejection (a service refused,
   * a key store is locked) is passed on to the caller of the reader.
   */
  agree(ephemeral: Uint8Array): Promise<Uint8Array>;
}

/** What readers accept as a decryption key: a private key or an identity. */
export type DecryptionKeyLike = DecryptionKey | AgreementIdentity;

export function isAgreementIdentity(k: DecryptionKeyLike): k is AgreementIdentity {
  return typeof (k as Partial<AgreementIdentity>).agree === 'function';
}

const U_LENGTH: Readonly<Record<'X25519' | 'X448', number>> = { X25519: 32, X448: 56 };

/**
 * The RFC 7748 u of an ephemeral X25519/X448 key: as is, or without the reference's sign
 * byte (0x00 or 0x80) when it carries one. Other lengths are returned unchanged (the
 * agreement then rejects them).
 */
export function ephemeralU(crv: 'X25519' | 'X448', ephemeral: Uint8Array): Uint8Array {
  const n = U_LENGTH[crv];
  if (ephemeral.length === n + 1) {
    const flag = ephemeral[n];
    if (flag !== 0x00 && flag !== 0x80) throw new DareError('KEY_INVALID', `${crv} ephemeral key: last byte must be 0x00 or 0x80`);
    return ephemeral.subarray(0, n);
  }
  return ephemeral;
}

/** The identity of a private key held in memory. */
export function localIdentity(key: DecryptionKey): AgreementIdentity {
  const { crv, privateKey } = key;
  return {
    crv,
    agree: async (ephemeral) => (crv === 'Ed25519' ? edwardsAgreement('Ed25519', privateKey, ephemeral) : agree(crv, privateKey, ephemeralU(crv, ephemeral))),
  };
}

/** An identity for any accepted decryption key. */
export function toIdentity(k: DecryptionKeyLike): AgreementIdentity {
  return isAgreementIdentity(k) ? k : localIdentity(k);
}

/**
 * A key that signs behind an interface: a combined key (a raw scalar, which has no RFC 8032
 * seed and signs with a secret nonce prefix, crypto/combine-sign.ts), or a key held in a key
 * store. Writers take signers wherever they take signing keys. `sign` returns an RFC 8032
 * signature over `message` with `context` (the signing purpose), verifiable under `publicKey`.
 */
export interface Signer {
  readonly crv: SignatureCurve;
  readonly publicKey: Uint8Array;
  sign(message: Uint8Array, context: Uint8Array): Uint8Array;
}

/** What writers accept as a signing key: a private key or a signer. */
export type SigningKeyLike = SigningKey | Signer;

export function isSigner(k: SigningKeyLike): k is Signer {
  return typeof (k as Partial<Signer>).sign === 'function';
}
