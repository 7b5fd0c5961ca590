/**
 * Key types shared by envelopes, sequences and key files: which curve a key is on
 * and whether it is for key agreement (RFC 7748) or signatures (RFC 8032).
 * @module
 */

/** Curves for key agreement. 'Ed25519' is read only: the reference's Edwards agreement (CONFORMANCE item 6). */
export type AgreementCurve = 'X25519' | 'X448';
export type SignatureCurve = 'Ed25519' | 'Ed448';

/** A public key someone encrypts to. */
export interface RecipientKey {
  readonly crv: AgreementCurve;
  readonly publicKey: Uint8Array;
}

/** A private key that can open recipient entries; Ed25519 keys open the reference's Edwards entries. */
export interface DecryptionKey {
  readonly crv: AgreementCurve | 'Ed25519';
  readonly privateKey: Uint8Array;
}

/** A private key that signs. */
export interface SigningKey {
  readonly crv: SignatureCurve;
  readonly privateKey: Uint8Array;
  readonly publicKey: Uint8Array;
}

/** A public key that verifies. */
export interface VerificationKey {
  readonly crv: SignatureCurve;
  readonly publicKey: Uint8Array;
}
