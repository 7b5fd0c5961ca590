/**
 * Signature entries (draft-hallambaker-mesh-dare-12 §3.5, §5.3.1; docs/FORMAT.md §6):
 * making and checking them for envelopes and for sequence apexes.
 *
 * A signature written here names its purpose in the entry (`Purpose`) and is EdDSA with
 * that purpose as the RFC 8032 context over a statement (lib/crypto/purposes.ts). The
 * verifier checks it under the purpose it *expects*; the entry's label only tells it
 * which kind of entry it has. An entry without `Purpose` is a legacy signature (the C#
 * reference's, and this project's before purposes): Ed25519ctx or Ed448 with an empty
 * context over the 64-byte digest alone (conformance/dare.md item 27). It is checked as
 * such and reported as `legacy`: it covers the digest only, and since every legacy
 * signature signs a bare digest, one made for an envelope can pass for an apex and back.
 * Removing `Purpose` from a new signature does not make it a legacy one: it was made
 * with a non-empty context, so it fails as one. On encrypted envelopes the entry also
 * carries the witness of item 28.
 * @module
 */
import { sign, verify, type SignatureAlgorithm } from '../crypto/signature.js';
import { APEX_PURPOSE, ENVELOPE_PURPOSE, apexStatement, envelopeStatement, purposeContext, type ApexKind } from '../crypto/purposes.js';
import { keyFingerprint, udfMatches } from '../udf/index.js';
import { equalBytes } from '../internal/bytes.js';
import type { SignatureCurve, VerificationKey } from '../keys/types.js';
import { isSigner, type SigningKeyLike } from '../keys/identity.js';
import { witness } from './keyschedule.js';
import type { DareHeader, SignatureEntry } from './schema.js';

/** The digest identifier the reference writes as a signature's `alg`. */
export const SIGNATURE_DIGEST_ALG = 'S512';

function algorithmOf(crv: SignatureCurve): SignatureAlgorithm {
  return crv === 'Ed25519' ? 'Ed25519ctx' : 'Ed448';
}

function isSignatureCurve(crv: string): crv is SignatureCurve {
  return crv === 'Ed25519' || crv === 'Ed448';
}

/** Public key lengths (RFC 8032): a carried key of another length is not a key. */
const PUBLIC_KEY_LENGTH: Record<SignatureCurve, number> = { Ed25519: 32, Ed448: 57 };

/** The master key and Salt of an encrypted envelope: a signature on it carries a witness. */
export interface WitnessKeys {
  readonly master: Uint8Array;
  readonly salt: Uint8Array;
}

/** Signs `statement` for `purpose` (its context), naming the purpose in the entry. */
export function signStatement(statement: Uint8Array, purpose: string, signer: SigningKeyLike, encryption?: WitnessKeys): SignatureEntry {
  const context = purposeContext(purpose);
  const signature = isSigner(signer) ? signer.sign(statement, context) : sign(algorithmOf(signer.crv), signer.privateKey, statement, context);
  return {
    alg: SIGNATURE_DIGEST_ALG,
    kid: keyFingerprint(signer.crv, signer.publicKey),
    signature,
    witness: encryption === undefined ? undefined : witness(encryption.master, encryption.salt, signature),
    publicKey: { crv: signer.crv, public: signer.publicKey },
    purpose,
  };
}

/** What a signature on an envelope or an apex is checked against. */
export interface SignedClaim {
  /** The purpose the verifier expects (the RFC 8032 context). */
  readonly purpose: string;
  /** The statement a signature with that purpose signs. */
  readonly statement: Uint8Array;
  /** The digest a legacy signature (no purpose) signs. */
  readonly digest: Uint8Array;
}

/** What verification found out about one signature entry. */
export interface SignatureCheck {
  readonly kid?: string;
  readonly crv?: SignatureCurve;
  readonly publicKey?: Uint8Array;
  /** 'valid': the signature verifies; 'invalid': it does not (tampering); 'unknown-key': no key to check it with. */
  readonly status: 'valid' | 'invalid' | 'unknown-key';
  /** True when valid and made by one of the trusted keys. */
  readonly trusted: boolean;
  /**
   * True for a legacy signature (the entry names no purpose): an empty context over the
   * digest alone. It covers the payload digest (envelopes) or the apex value (sequences)
   * and nothing else, and may have been made for another purpose.
   */
  readonly legacy: boolean;
  /** The purpose the entry names, as written (a hint; it was checked against the expected one). */
  readonly purpose?: string;
}

function keyFor(entry: SignatureEntry, trusted: readonly VerificationKey[]): VerificationKey | undefined | 'mismatch' {
  if (entry.publicKey !== undefined) {
    const { crv, public: pub } = entry.publicKey;
    if (!isSignatureCurve(crv) || pub.length !== PUBLIC_KEY_LENGTH[crv]) return 'mismatch';
    // The kid beside a carried key is this project's, written in the canonical form: exactly
    // that form is accepted, so that no byte of a signed entry can change unnoticed.
    if (entry.kid !== undefined && entry.kid !== keyFingerprint(crv, pub)) return 'mismatch';
    return { crv, publicKey: pub };
  }
  if (entry.kid === undefined) return undefined;
  return trusted.find((k) => safeMatches(entry.kid as string, keyFingerprint(k.crv, k.publicKey)));
}

function safeMatches(a: string, b: string): boolean {
  try {
    return udfMatches(a, b);
  } catch {
    return false;
  }
}

/**
 * Checks every signature entry against `claim`. `trusted` keys both supply keys for
 * entries that carry only a kid and decide `trusted`. An entry naming another purpose
 * than the expected one is invalid. With `encryption`, a witness that does not match
 * makes the signature invalid.
 */
export function checkSignatures(
  entries: readonly SignatureEntry[], claim: SignedClaim, trusted: readonly VerificationKey[], encryption?: WitnessKeys,
): SignatureCheck[] {
  const context = purposeContext(claim.purpose);
  return entries.map((entry) => {
    const legacy = entry.purpose === undefined;
    const base = { kid: entry.kid, trusted: false, legacy, purpose: entry.purpose };
    const key = keyFor(entry, trusted);
    if (entry.alg !== undefined && entry.alg !== SIGNATURE_DIGEST_ALG) return { ...base, status: 'invalid' };
    if (key === 'mismatch' || (!legacy && entry.purpose !== claim.purpose)) return { ...base, status: 'invalid' };
    if (key === undefined || entry.signature === undefined) return { ...base, status: 'unknown-key' };
    let ok = legacy
      ? verify(algorithmOf(key.crv), key.publicKey, claim.digest, entry.signature)
      : verify(algorithmOf(key.crv), key.publicKey, claim.statement, entry.signature, context);
    if (ok && encryption !== undefined && entry.witness !== undefined) {
      ok = equalBytes(entry.witness, witness(encryption.master, encryption.salt, entry.signature));
    }
    const isTrusted = ok && trusted.some((t) => t.crv === key.crv && equalBytes(t.publicKey, key.publicKey));
    return { ...base, kid: entry.kid ?? keyFingerprint(key.crv, key.publicKey), crv: key.crv, publicKey: key.publicKey, status: ok ? 'valid' : 'invalid', trusted: isTrusted };
  });
}

/** The envelope fields a signature covers: from the header as read, the PayloadDigest and PayloadMac in effect. */
export function envelopeClaim(header: DareHeader, payloadDigest: Uint8Array, payloadMac: Uint8Array | undefined, purpose = ENVELOPE_PURPOSE): SignedClaim {
  return {
    purpose,
    statement: envelopeStatement({
      enc: header.enc, dig: header.dig, salt: header.salt, cloaked: header.cloaked, annotations: header.annotations,
      contentMetaData: header.contentMetaData, payloadDigest, payloadMac,
    }),
    digest: payloadDigest,
  };
}

/** What a sequence signature over the value `digest` after frame `size - 1` claims. */
export function apexClaim(kind: ApexKind, size: number, digest: Uint8Array, purpose = APEX_PURPOSE): SignedClaim {
  return { purpose, statement: apexStatement(kind, size, digest), digest };
}

/** Signs an envelope: its header fields, PayloadDigest and PayloadMac (with the witness when encrypted). */
export function signEnvelope(claim: SignedClaim, signer: SigningKeyLike, encryption?: WitnessKeys): SignatureEntry {
  return signStatement(claim.statement, claim.purpose, signer, encryption);
}

/** Signs a sequence apex claim. */
export function signApex(claim: SignedClaim, signer: SigningKeyLike): SignatureEntry {
  return signStatement(claim.statement, claim.purpose, signer);
}

/**
 * Checks the signatures on an apex (verifiers of a single frame: archive readers, proofs,
 * checkpoints). Same as {@link checkSignatures} with {@link apexClaim}.
 */
export function checkApexSignatures(
  entries: readonly SignatureEntry[], apex: { kind?: ApexKind; size: number; digest: Uint8Array; purpose?: string }, trusted: readonly VerificationKey[],
): SignatureCheck[] {
  return checkSignatures(entries, apexClaim(apex.kind ?? 'tree', apex.size, apex.digest, apex.purpose), trusted);
}

/** Whether a check counts as a trusted signature: valid, by a trusted key, and not legacy unless legacy ones are accepted. */
export function isTrustedCheck(s: SignatureCheck, acceptLegacy: boolean): boolean {
  return s.status === 'valid' && s.trusted && (acceptLegacy || !s.legacy);
}
