/**
 * The public API of the UDF module (draft-hallambaker-mesh-udf-13): presentation and
 * parsing of every type, content digests, authenticators, nonces and secrets, Shamir
 * shares, key pair derivation from seeds, EARLs and UDF URIs, Strong Internet Names
 * and key fingerprints.
 * @module
 */
export {
  UdfType, KeyAlgorithm, KeyUse, udfTypeInfo, udfTypeCodes, digestTypeCode, keyAlgorithmName, keySpecifier,
} from './types.js';
export type { DigestAlgorithm, UdfKind, UdfTypeInfo, KeyAlgorithmName, KeyUseName } from './types.js';
export { formatUdf, parseUdf, normalizeUdf, udfMatches, bareUdf, decodePresentedBits, MAX_UDF_CHARS } from './presentation.js';
export type { Udf } from './presentation.js';
export {
  contentDigest, contentDigestBinary, contentDigestMatches, typedContentDigest, compressionLevel,
  contentDigestOfHash, contentDigestBinaryOfHash, typedContentDigestOfHash,
  DEFAULT_UDF_BITS, MIN_UDF_BITS, MAX_UDF_BITS,
} from './digest.js';
export type { ContentDigestOptions } from './digest.js';
export { authenticator, authenticatorBinary, authenticatorMatches } from './authenticator.js';
export type { AuthenticatorOptions } from './authenticator.js';
export { generateNonce, nonceUdf, parseNonce, DEFAULT_NONCE_BITS } from './nonce.js';
export {
  generateSecret, secretUdf, parseSecret, formatPlainSecret, parsePlainSecret, DEFAULT_SECRET_BITS,
} from './secret.js';
export type { ParsedSecret } from './secret.js';
export { splitSecret, shareSecret, recoverSecret, formatShare, parseShare } from './shamir.js';
export type { Share, ShareSecretOptions } from './shamir.js';
export { shamirPrime } from './primes.js';
export { formatSeed, generateSeed, parseSeed, deriveKeyPair, DERIVABLE_ALGORITHMS } from './keyderive.js';
export type { Seed, DerivedKeyPair, DerivableAlgorithm } from './keyderive.js';
export {
  parseUdfUri, contentIdentifier, formatEarl, parseEarl, generateEarl, locatorTarget, EARL_CONTENT_TYPE,
} from './earl.js';
export type { UdfUri, Earl } from './earl.js';
export { sinLabel, parseSinLabel, isSinLabel, parseStrongName, strongDomain, SIN_PREFIX } from './sin.js';
export type { StrongName } from './sin.js';
export {
  keyFingerprint, referenceSpki, referenceSpkiPrefix, oidUdf, KEY_FINGERPRINT_CONTENT_TYPE,
} from './fingerprint.js';
export type { SpkiAlgorithm } from './fingerprint.js';
