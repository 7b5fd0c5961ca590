/**
 * The connection witness (draft-hallambaker-mesh-protocol-09 §9.1.2; docs/MESH.md §5): the
 * value the device and the administrator compare to know they hold each other's profile.
 *
 *   U(P)    = the first 64 bytes of the binary fingerprint (type byte ‖ 64-byte TCDV) of
 *             the profile's ProfileSignature key, content type `PKIXKey`
 *   Witness = base32, first 140 bits, of
 *             SHA-512( SHA-512(U(account) ‖ ServerNonce) ‖ SHA-512(U(device) ‖ ClientNonce) )
 *
 * The witness is a raw hash presented like a UDF: its first character is whatever the hash
 * gives (`KB3G…` in the example, which reproduces: fixtures/mesh/vectors/witness.json).
 * Compare witnesses whole, in constant time ({@link witnessMatches}).
 * @module
 */
import { sha512 } from '@noble/hashes/sha2.js';
import { DareError, bareUdf, contentDigestBinary, formatUdf, referenceSpki, KEY_FINGERPRINT_CONTENT_TYPE } from '../../index.js';
import type { MeshPublicKey } from '../keys/mesh-key.js';

/** U(P): the first 64 bytes of the binary fingerprint of a profile's signature key. */
export function profileKeyBinary(key: MeshPublicKey): Uint8Array {
  const b = contentDigestBinary(referenceSpki(key.crv, key.public), KEY_FINGERPRINT_CONTENT_TYPE, 'sha2');
  return b.slice(0, 64);
}

function cat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

/** The witness of a connection request (see the module comment). */
export function connectionWitness(
  accountProfileKey: MeshPublicKey, serverNonce: Uint8Array, deviceProfileKey: MeshPublicKey, clientNonce: Uint8Array,
): string {
  const a = sha512(cat(profileKeyBinary(accountProfileKey), serverNonce));
  const d = sha512(cat(profileKeyBinary(deviceProfileKey), clientNonce));
  return formatUdf(sha512(cat(a, d)), 140);
}

/** True when two witnesses are the same whole value (constant time over the presentation). */
export function witnessMatches(a: string, b: string): boolean {
  let x: string;
  let y: string;
  try {
    x = bareUdf(a);
    y = bareUdf(b);
  } catch (e) {
    if (e instanceof DareError) return false;
    throw e;
  }
  if (x.length !== 28 || y.length !== 28) return false;
  let d = 0;
  for (let i = 0; i < 28; i++) d |= x.charCodeAt(i) ^ y.charCodeAt(i);
  return d === 0;
}
