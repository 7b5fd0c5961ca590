/**
 * Key sets: one person's or device's encryption key pair (X25519 or X448) and
 * signature key pair (Ed25519 or Ed448), and the one-line public form that
 * `--encrypt` and `--signer` accept (docs/FORMAT.md §7):
 *
 *   dare1 + base32-lower(0x01 || spec(enc) || enc public || spec(sig) || sig public || check)
 *
 * where spec is the udf-13 §4.4 key specifier (1 X25519, 2 X448, 3 Ed25519,
 * 4 Ed448) and check is the first 4 bytes of SHA-256 of what precedes it, so a
 * mistyped key is rejected instead of encrypting to a key nobody holds.
 * @module
 */
import { DareError } from '../errors.js';
import { generateAgreementKeyPair } from '../crypto/agreement.js';
import { generateSignatureKeyPair, type SignatureAlgorithm } from '../crypto/signature.js';
import { getBackend } from '../crypto/backend-select.js';
import { base32Decode, base32Encode } from '../encoding/base32.js';
import { concatBytes, equalBytes } from '../internal/bytes.js';
import { keyFingerprint } from '../udf/index.js';
import type { AgreementCurve, RecipientKey, SignatureCurve, SigningKey, VerificationKey } from './types.js';

export interface KeySet {
  readonly encryption: { readonly crv: AgreementCurve; readonly privateKey: Uint8Array; readonly publicKey: Uint8Array };
  readonly signature: SigningKey;
}

export interface PublicKeySet {
  readonly encryption: RecipientKey;
  readonly signature: VerificationKey;
}

export const PUBLIC_KEY_PREFIX = 'dare1';
const VERSION = 1;
const SPEC: Record<AgreementCurve | SignatureCurve, number> = { X25519: 1, X448: 2, Ed25519: 3, Ed448: 4 };
const LENGTH: Record<AgreementCurve | SignatureCurve, number> = { X25519: 32, X448: 56, Ed25519: 32, Ed448: 57 };

export function generateKeySet(options: { encryption?: AgreementCurve; signature?: SignatureCurve } = {}): KeySet {
  const encCrv = options.encryption ?? 'X25519';
  const sigCrv = options.signature ?? 'Ed25519';
  const enc = generateAgreementKeyPair(encCrv);
  const sig = generateSignatureKeyPair(sigCrv as SignatureAlgorithm);
  return {
    encryption: { crv: encCrv, privateKey: enc.privateKey, publicKey: enc.publicKey },
    signature: { crv: sigCrv, privateKey: sig.privateKey, publicKey: sig.publicKey },
  };
}

export function publicKeySet(k: KeySet): PublicKeySet {
  return {
    encryption: { crv: k.encryption.crv, publicKey: k.encryption.publicKey },
    signature: { crv: k.signature.crv, publicKey: k.signature.publicKey },
  };
}

function checksum(body: Uint8Array): Uint8Array {
  return getBackend().hash('sha256', body).subarray(0, 4);
}

/** The one-line public form of a key set. */
export function formatPublicKeySet(p: PublicKeySet): string {
  const body = concatBytes(
    Uint8Array.of(VERSION, SPEC[p.encryption.crv]), p.encryption.publicKey,
    Uint8Array.of(SPEC[p.signature.crv]), p.signature.publicKey,
  );
  return PUBLIC_KEY_PREFIX + base32Encode(concatBytes(body, checksum(body))).toLowerCase();
}

function curveOf(spec: number | undefined): AgreementCurve | SignatureCurve | undefined {
  return (Object.keys(SPEC) as (keyof typeof SPEC)[]).find((k) => SPEC[k] === spec);
}

/** Parses the one-line public form; KEY_INVALID for anything else. */
export function parsePublicKeySet(text: string): PublicKeySet {
  const t = text.trim();
  const bad = (why: string): never => {
    throw new DareError('KEY_INVALID', `not a dare public key (${why})`);
  };
  if (!t.toLowerCase().startsWith(PUBLIC_KEY_PREFIX)) bad(`expected it to start with ${PUBLIC_KEY_PREFIX}`);
  let bytes: Uint8Array;
  try {
    bytes = base32Decode(t.slice(PUBLIC_KEY_PREFIX.length));
  } catch {
    return bad('bad character');
  }
  if (bytes.length < 6) bad('too short');
  const body = bytes.subarray(0, bytes.length - 4);
  if (!equalBytes(checksum(body), bytes.subarray(bytes.length - 4))) bad('checksum does not match: mistyped or cut');
  if (body[0] !== VERSION) bad(`unknown version ${body[0]}`);
  const encCrv = curveOf(body[1]);
  if (encCrv !== 'X25519' && encCrv !== 'X448') return bad('first key is not an agreement key');
  const encEnd = 2 + LENGTH[encCrv];
  const sigCrv = curveOf(body[encEnd]);
  if (sigCrv !== 'Ed25519' && sigCrv !== 'Ed448') return bad('second key is not a signature key');
  if (body.length !== encEnd + 1 + LENGTH[sigCrv]) bad('wrong length');
  return {
    encryption: { crv: encCrv, publicKey: body.slice(2, encEnd) },
    signature: { crv: sigCrv, publicKey: body.slice(encEnd + 1) },
  };
}

/** The identity of a key set: the UDF fingerprint of its signature key (as envelope signatures name it). */
export function keySetFingerprint(p: PublicKeySet): string {
  return keyFingerprint(p.signature.crv, p.signature.publicKey);
}
