/**
 * Decryption identities for Mesh keys (the core's AgreementIdentity, keys/identity.ts):
 * a private key of any form held in memory, and a split key whose parts are held apart —
 * a device key kept as base + activation, or a group key whose other share a service holds
 * (mesh-cryptography-08 §6.1-6.2; conformance/multiparty.md (b)). Each part returns its
 * partial agreement R_i (an Edwards encoding, cofactor cleared); the identity adds them, so
 * the result is bit for bit the X25519/X448 value the sender computed.
 * @module
 */
import { ephemeralU, type AgreementIdentity } from '../../index.js';
import { combineAgreements, partialAgreement } from '../../crypto/index.js';
import { isSignatureCurve, keyUdf, montgomeryU, type MeshCurve, type MeshPrivateKey, type MeshPublicKey } from './mesh-key.js';
import { signedLength } from './montgomery.js';

/** One holder's part of a split key: its partial agreement with an ephemeral key. */
export type PartialAgreement = (ephemeral: Uint8Array) => Promise<Uint8Array>;

/** The ephemeral key as the partial agreement takes it: u for X*, the point for Ed*. */
function ephemeralFor(crv: MeshCurve, ephemeral: Uint8Array): Uint8Array {
  return isSignatureCurve(crv) ? ephemeral : ephemeralU(crv, ephemeral);
}

/** The partial agreement of a key held in memory (its scalar). */
export function localPart(key: MeshPrivateKey): PartialAgreement {
  return async (ephemeral) => partialAgreement(key.crv, key.scalar, ephemeralFor(key.crv, ephemeral));
}

/** The identity of a private key held in memory, whatever its form (standard or raw scalar). */
export function keyIdentity(key: MeshPrivateKey): AgreementIdentity {
  const part = localPart(key);
  return { crv: key.crv, agree: async (e) => combineAgreements(key.crv, [await part(e)]) };
}

/**
 * The identity of a key split into parts (Σ parts = the private key of `publicKey`). It
 * names its key id, so readers ask it only about entries for that key: a part held by a
 * service costs a round trip.
 */
export function splitIdentity(publicKey: MeshPublicKey, parts: readonly PartialAgreement[]): AgreementIdentity {
  if (parts.length === 0) throw new TypeError('"parts" expected a non-empty array');
  const { crv } = publicKey;
  // Senders name the key by the fingerprint of its signed form or of its bare u.
  const kids = [keyUdf(publicKey)];
  if (!isSignatureCurve(crv) && publicKey.public.length === signedLength(crv)) kids.push(keyUdf({ crv, public: montgomeryU(publicKey) }));
  return {
    crv,
    kids,
    agree: async (e) => combineAgreements(crv, await Promise.all(parts.map((p) => p(e)))),
  };
}
