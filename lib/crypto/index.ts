/**
 * The door of the cryptographic primitives for the layers above the DARE core (lib/mesh):
 * RFC 7748 agreement, RFC 8032 signatures, HKDF, and the key combination law of
 * draft-hallambaker-mesh-cryptography-08 §4-6 on Edwards points (conformance/multiparty.md).
 * @module
 */
export { agree, agreementPublicKey, edwardsAgreement, generateAgreementKeyPair } from './agreement.js';
export type { KeyPair } from './agreement.js';
export { sign, verify, signaturePublicKey, generateSignatureKeyPair } from './signature.js';
export type { SignatureAlgorithm } from './signature.js';
export { hkdf, hkdfExtract, hkdfExpand } from './kdf.js';
export type { HkdfHash } from './kdf.js';
export {
  edwardsGroup, decodeScalar, encodeScalar, decodePoint, decodePublicPoint, multiply,
  rfc7748Scalar, rfc8032Scalar, montgomeryU, liftU,
} from './edwards.js';
export type { CurveName, EdwardsCurveName, MontgomeryCurveName, EdwardsGroup } from './edwards.js';
export {
  privateKeyScalar, randomScalar, scalarPublicKey, montgomeryPublicKey, addScalars, addPublicKeys, splitScalar,
  coGenerate, acceptCoGeneration, partialAgreement, combineAgreements,
} from './combine.js';
export type { CoGeneration } from './combine.js';
export { signWithScalar, deriveNoncePrefix, noncePrefixLength } from './combine-sign.js';
export type { ScalarSignatureAlgorithm } from './combine-sign.js';
