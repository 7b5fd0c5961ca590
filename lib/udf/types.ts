/**
 * UDF type identifier codes (draft-hallambaker-mesh-udf-13 §3.2 and the registry of
 * §9.5.5), the key specifier of seed UDFs (§4.4) and the length rules each type
 * imposes on a presentation.
 *
 * The code of the OID identified sequence is 112 ('O'), as in §3.2, §9.5.5 and the
 * §4.2 example; the "octet 108" of the §4.2 prose is wrong (conformance/udf.md item 7).
 * Codes 32 and 33 are both named HKDF_AES_512 in the draft; the reference library
 * calls 33 EncryptionSignature (item 18). Both are accepted as 'secret'.
 * @module
 */

/** The type identifier octets of §3.2. */
export const UdfType = {
  /** Authenticator, HMAC-SHA-2-512 (§5.2). */
  AUTHENTICATOR_SHA2: 0,
  /** Authenticator, HMAC-SHA-3-512 (§5.2). */
  AUTHENTICATOR_SHA3: 1,
  /** Encryption/authentication secret, HKDF_AES_512 (§4.3). */
  ENCRYPTION: 32,
  /** Encryption/signature secret (second HKDF_AES_512 code of §3.2). */
  ENCRYPTION_SIGNATURE: 33,
  /** SHA-3-512 content digest; 81-84 are the compressed forms (§5.1). */
  DIGEST_SHA3: 80,
  /** SHA-2-512 content digest; 97-100 are the compressed forms (§5.1). */
  DIGEST_SHA2: 96,
  /** Nonce (§4.1). */
  NONCE: 104,
  /** OID identified sequence, DER (§4.2). */
  OID: 112,
  /** Shamir secret share (§4.5). */
  SHARE: 144,
  /** Key pair derivation seed (§4.4). */
  SEED: 200,
} as const;

/** The digest algorithms of content digest and authenticator UDFs. */
export type DigestAlgorithm = 'sha2' | 'sha3';

/** What a type code stands for. */
export type UdfKind = 'authenticator' | 'secret' | 'digest' | 'nonce' | 'oid' | 'share' | 'seed';

export interface UdfTypeInfo {
  readonly code: number;
  readonly kind: UdfKind;
  /** The algorithm name of the §3.2 table. */
  readonly name: string;
  /** Digest algorithm, for digests and authenticators. */
  readonly alg?: DigestAlgorithm;
  /** Compression level 0..4 (0, 20, 30, 40, 50 trailing zero bits), for digests. */
  readonly compression?: number;
  /**
   * 'fixed': the presentation carries whole octets and nothing else (§4: fixed length
   * values are never truncated). 'variable': a digest or MAC cut to a precision (§5).
   * 'secret': any number of characters (the reference presents EARL keys truncated,
   * conformance/udf.md item 9).
   */
  readonly length: 'fixed' | 'variable' | 'secret';
}

const TABLE = new Map<number, UdfTypeInfo>();
function add(info: UdfTypeInfo): void {
  TABLE.set(info.code, info);
}
add({ code: 0, kind: 'authenticator', name: 'HMAC_SHA_2_512', alg: 'sha2', length: 'variable' });
add({ code: 1, kind: 'authenticator', name: 'HMAC_SHA_3_512', alg: 'sha3', length: 'variable' });
add({ code: 32, kind: 'secret', name: 'HKDF_AES_512', length: 'secret' });
add({ code: 33, kind: 'secret', name: 'HKDF_AES_512 (EncryptionSignature)', length: 'secret' });
for (let c = 0; c <= 4; c++) {
  const suffix = c === 0 ? '' : ` (${[0, 20, 30, 40, 50][c]} compressed)`;
  add({ code: 80 + c, kind: 'digest', name: `SHA_3_512${suffix}`, alg: 'sha3', compression: c, length: 'variable' });
  add({ code: 96 + c, kind: 'digest', name: `SHA_2_512${suffix}`, alg: 'sha2', compression: c, length: 'variable' });
}
add({ code: 104, kind: 'nonce', name: 'Nonce Data', length: 'fixed' });
add({ code: 112, kind: 'oid', name: 'OID distinguished sequence (DER encoded)', length: 'fixed' });
add({ code: 144, kind: 'share', name: 'Shamir Secret Share', length: 'fixed' });
add({ code: 200, kind: 'seed', name: 'Secret seed', length: 'fixed' });

/** The type information of a code, or undefined when the code is not assigned. */
export function udfTypeInfo(code: number): UdfTypeInfo | undefined {
  return TABLE.get(code);
}

/** Every assigned type code, ascending. */
export function udfTypeCodes(): number[] {
  return [...TABLE.keys()].sort((a, b) => a - b);
}

/** The type code of a content digest of `alg` with compression level `level` (0..4). */
export function digestTypeCode(alg: DigestAlgorithm, level = 0): number {
  if (!Number.isInteger(level) || level < 0 || level > 4) throw new RangeError(`compression level must be 0..4, got ${level}`);
  return (alg === 'sha2' ? UdfType.DIGEST_SHA2 : UdfType.DIGEST_SHA3) + level;
}

/** Key algorithm codes of the §4.4 key specifier (bits 0-13). */
export const KeyAlgorithm = {
  Any: 0,
  X25519: 1,
  X448: 2,
  Ed25519: 3,
  Ed448: 4,
  P256: 5,
  P384: 6,
  P521: 7,
  RSA2048: 8,
  RSA3072: 9,
  RSA4096: 10,
  MeshProfileDevice: 256,
  MeshActivationDevice: 257,
  MeshProfileAccount: 258,
  MeshActivationAccount: 259,
  MeshProfileService: 260,
  MeshActivationService: 261,
} as const;

export type KeyAlgorithmName = keyof typeof KeyAlgorithm;

/** Key use codes of the §4.4 key specifier (bits 6-7 of the first octet). */
export const KeyUse = { Any: 0, Encryption: 1, Signature: 2, Authentication: 3 } as const;

export type KeyUseName = keyof typeof KeyUse;

/** The name of a key algorithm code, or undefined. */
export function keyAlgorithmName(code: number): KeyAlgorithmName | undefined {
  for (const [name, c] of Object.entries(KeyAlgorithm)) if (c === code) return name as KeyAlgorithmName;
  return undefined;
}

/** The 2-byte key specifier: use in bits 14-15, algorithm in bits 0-13, big-endian. */
export function keySpecifier(algorithm: number, use = 0): Uint8Array {
  if (!Number.isInteger(algorithm) || algorithm < 0 || algorithm > 0x3fff) throw new RangeError(`key algorithm must be 0..16383, got ${algorithm}`);
  if (!Number.isInteger(use) || use < 0 || use > 3) throw new RangeError(`key use must be 0..3, got ${use}`);
  const v = (use << 14) | algorithm;
  return Uint8Array.of(v >>> 8, v & 0xff);
}
