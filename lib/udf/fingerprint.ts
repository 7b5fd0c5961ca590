/**
 * Public key fingerprints and OID identified sequences (draft-hallambaker-mesh-udf-13
 * §4.2, §5.3.1), as the §4.2 example computes them (conformance/udf.md item 7):
 *
 *   fingerprint = content digest (SHA-2-512) of the reference SPKI, content type
 *                 literally `PKIXKey` (not `application/pkix-keyinfo`)
 *   OID UDF     = 0x70 (112, 'O') || DER, presented in full
 *
 * The reference SPKI layout is not RFC 8410: it has NULL parameters and an OCTET STRING
 * inside the BIT STRING. For Ed25519 (proven by the §4.2 vector):
 *   30 2e 30 07 06 03 2b 65 70 05 00 03 23 00 04 20 || key
 * The other Edwards/Montgomery keys follow the same pattern with their RFC 8410 OIDs
 * (1.3.101.110-113) and lengths. Ed448 (57 bytes) is proven by the Mesh profile keys of
 * draft-hallambaker-mesh-schema-08 §3.1 and §9.2 (`MC44-…`, `MC6H-…`).
 *
 * The key bytes are the public key as carried. X448 keys in Mesh KeyData carry 57 bytes
 * (the RFC 7748 u, then 0x00 or 0x80 for the parity of v) and the reference fingerprints
 * those 57 bytes: the schema §9.2 Encryption key `MANW-…` reproduces only so. A bare
 * 56-byte u (what `dare` recipients carry) keeps its own fingerprint, so key ids written
 * before stay the same; likewise a 32-byte X25519 u and this project's 33-byte signed
 * X25519 form (docs/MESH.md §3) each fingerprint their own bytes. NIST and RSA keys are not
 * covered here.
 * @module
 */
import { aBytes, concatBytes } from '../internal/bytes.js';
import { UdfType } from './types.js';
import { formatUdf } from './presentation.js';
import { contentDigest, DEFAULT_UDF_BITS } from './digest.js';

/** The content type of key fingerprints, as the reference writes it. */
export const KEY_FINGERPRINT_CONTENT_TYPE = 'PKIXKey';

export type SpkiAlgorithm = 'X25519' | 'X448' | 'Ed25519' | 'Ed448';

/**
 * Per algorithm: the last OID octet under 1.3.101 and the public key lengths; the first
 * length is the default. Montgomery keys also have a signed form (u, then the parity of v).
 */
const SPKI: Readonly<Record<SpkiAlgorithm, { oid: number; keyLengths: readonly number[] }>> = {
  X25519: { oid: 0x6e, keyLengths: [32, 33] },
  X448: { oid: 0x6f, keyLengths: [56, 57] },
  Ed25519: { oid: 0x70, keyLengths: [32] },
  Ed448: { oid: 0x71, keyLengths: [57] },
};

/** The DER prefix placed before a key of `keyLength` bytes in the reference SPKI layout. */
export function referenceSpkiPrefix(alg: SpkiAlgorithm, keyLength?: number): Uint8Array {
  const entry = SPKI[alg];
  if (entry === undefined) throw new TypeError(`no spki layout for ${String(alg)}`);
  const n = keyLength ?? (entry.keyLengths[0] as number);
  if (!entry.keyLengths.includes(n)) throw new RangeError(`"publicKey" of ${alg} expected ${entry.keyLengths.join(' or ')} bytes, got length=${n}`);
  const algId = [0x30, 0x07, 0x06, 0x03, 0x2b, 0x65, entry.oid, 0x05, 0x00];
  const bitString = [0x03, n + 3, 0x00, 0x04, n];
  return Uint8Array.of(0x30, algId.length + bitString.length + n, ...algId, ...bitString);
}

/** The reference SPKI of a public key: prefix || key. */
export function referenceSpki(alg: SpkiAlgorithm, publicKey: Uint8Array): Uint8Array {
  aBytes(publicKey, 'publicKey');
  return concatBytes(referenceSpkiPrefix(alg, publicKey.length), publicKey);
}

/** The key fingerprint UDF (content type `PKIXKey`) of a public key, default 140 bits. */
export function keyFingerprint(alg: SpkiAlgorithm, publicKey: Uint8Array, bits: number = DEFAULT_UDF_BITS): string {
  return contentDigest(referenceSpki(alg, publicKey), KEY_FINGERPRINT_CONTENT_TYPE, { alg: 'sha2', bits });
}

/** The OID identified sequence UDF of a DER value (type 112, presented in full). */
export function oidUdf(der: Uint8Array): string {
  aBytes(der, 'der');
  if (der.length < 2) throw new RangeError('der value too short');
  return formatUdf(concatBytes(Uint8Array.of(UdfType.OID), der));
}
