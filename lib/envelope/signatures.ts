/**
 * Envelope signatures (draft-hallambaker-mesh-dare-12 §3.5, §5.3.1): a signature
 * over the 64-byte PayloadDigest, Ed25519ctx with an empty context as the
 * reference signs (conformance/dare.md item 27), Ed448 with an empty context, and
 * on encrypted envelopes the witness of item 28. docs/FORMAT.md §6.
 * @module
 */
import { sign, verify, type SignatureAlgorithm } from '../crypto/signature.js';
import { keyFingerprint, udfMatches } from '../udf/index.js';
import { equalBytes } from '../internal/bytes.js';
import type { SignatureCurve, SigningKey, VerificationKey } from '../keys/types.js';
import { witness } from './keyschedule.js';
import type { SignatureEntry } from './schema.js';

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

/** Signs a payload digest; with `encryption` (master key and Salt) adds the witness. */
export function signPayloadDigest(digest: Uint8Array, signer: SigningKey, encryption?: { master: Uint8Array; salt: Uint8Array }): SignatureEntry {
  const signature = sign(algorithmOf(signer.crv), signer.privateKey, digest);
  return {
    alg: SIGNATURE_DIGEST_ALG,
    kid: keyFingerprint(signer.crv, signer.publicKey),
    signature,
    witness: encryption === undefined ? undefined : witness(encryption.master, encryption.salt, signature),
    publicKey: { crv: signer.crv, public: signer.publicKey },
  };
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
}

function keyFor(entry: SignatureEntry, trusted: readonly VerificationKey[]): VerificationKey | undefined | 'mismatch' {
  if (entry.publicKey !== undefined) {
    const { crv, public: pub } = entry.publicKey;
    if (!isSignatureCurve(crv) || pub.length !== PUBLIC_KEY_LENGTH[crv]) return 'mismatch';
    if (entry.kid !== undefined && !safeMatches(entry.kid, keyFingerprint(crv, pub))) return 'mismatch';
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
 * Checks every signature entry against the payload digest. `trusted` keys both supply
 * keys for entries that carry only a kid and decide `trusted`. With `encryption`, a
 * witness that does not match makes the signature invalid.
 */
export function checkSignatures(
  entries: readonly SignatureEntry[], digest: Uint8Array, trusted: readonly VerificationKey[],
  encryption?: { master: Uint8Array; salt: Uint8Array },
): SignatureCheck[] {
  return entries.map((entry) => {
    const key = keyFor(entry, trusted);
    if (entry.alg !== undefined && entry.alg !== SIGNATURE_DIGEST_ALG) return { kid: entry.kid, status: 'invalid', trusted: false };
    if (key === 'mismatch') return { kid: entry.kid, status: 'invalid', trusted: false };
    if (key === undefined || entry.signature === undefined) return { kid: entry.kid, status: 'unknown-key', trusted: false };
    let ok = verify(algorithmOf(key.crv), key.publicKey, digest, entry.signature);
    if (ok && encryption !== undefined && entry.witness !== undefined) {
      ok = equalBytes(entry.witness, witness(encryption.master, encryption.salt, entry.signature));
    }
    const isTrusted = ok && trusted.some((t) => t.crv === key.crv && equalBytes(t.publicKey, key.publicKey));
    return { kid: entry.kid ?? keyFingerprint(key.crv, key.publicKey), crv: key.crv, publicKey: key.publicKey, status: ok ? 'valid' : 'invalid', trusted: isTrusted };
  });
}
