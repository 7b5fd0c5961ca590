/**
 * EdDSA signatures (RFC 8032): Ed25519 (§5.1), Ed25519ctx (§5.1 with dom2, context
 * 0..255 bytes) and Ed448 (§5.2, dom4, context 0..255 bytes), on noble.
 *
 * DARE signatures are Ed25519ctx with an EMPTY context over the 64-byte PayloadDigest
 * (CONFORMANCE item 9, conformance/dare.md item 27): dom2 = "SigEd25519 no Ed25519
 * collisions" ‖ 00 ‖ 00. RFC 8032 §8.3 advises against an empty context with Ed25519ctx;
 * the reference does it anyway, so this module allows it, and plain Ed25519 is kept
 * distinct (it has no dom2 at all and gives a different signature).
 *
 * Verification is strict RFC 8032 (canonical encodings, not ZIP-215) and returns false
 * for any malformed signature or key; callers turn false into SIGNATURE_INVALID.
 * Keys and combined scalars of draft-hallambaker-mesh-cryptography-08 §4.5.1 sign with
 * `signWithScalar` in `combine-sign.ts`; their signatures verify here.
 * @module
 */
import { ed25519, ed25519ctx } from '@noble/curves/ed25519.js';
import { ed448 } from '@noble/curves/ed448.js';
import { aBytes } from '../internal/bytes.js';
import { checkKeyBytes } from './edwards.js';
import { getBackend } from './backend-select.js';
import type { KeyPair } from './agreement.js';

/** The EdDSA variants of RFC 8032 this library signs and verifies with. */
export type SignatureAlgorithm = 'Ed25519' | 'Ed25519ctx' | 'Ed448';

const IMPL = { Ed25519: ed25519, Ed25519ctx: ed25519ctx, Ed448: ed448 } as const;
const EMPTY = new Uint8Array(0);

function impl(alg: SignatureAlgorithm): (typeof IMPL)[SignatureAlgorithm] {
  if (alg !== 'Ed25519' && alg !== 'Ed25519ctx' && alg !== 'Ed448') {
    throw new TypeError(`unknown signature algorithm ${String(alg)}`);
  }
  return IMPL[alg];
}

/** noble options for a context: none for plain Ed25519, which has no context at all. */
function contextOption(alg: SignatureAlgorithm, context: Uint8Array | undefined): { context?: Uint8Array } {
  if (context !== undefined) {
    aBytes(context, 'context');
    if (context.length > 255) throw new RangeError(`"context" expected at most 255 bytes, got length=${context.length}`);
  }
  if (alg === 'Ed25519') {
    if (context !== undefined && context.length > 0) throw new RangeError('plain Ed25519 takes no context: use Ed25519ctx');
    return {};
  }
  return { context: context ?? EMPTY };
}

/** A fresh key pair: a 32-byte (Ed25519) or 57-byte (Ed448) RFC 8032 seed and its public key. */
export function generateSignatureKeyPair(alg: SignatureAlgorithm): KeyPair {
  const { secretKey, publicKey } = impl(alg).keygen();
  return { privateKey: secretKey, publicKey };
}

/** The RFC 8032 public key of a seed (§5.1.5, §5.2.5). */
export function signaturePublicKey(alg: SignatureAlgorithm, privateKey: Uint8Array): Uint8Array {
  const m = impl(alg);
  checkKeyBytes(privateKey, 'private key', m.lengths.secretKey ?? 0);
  // Ed25519 and Ed25519ctx share their keys; natively, a CLI start skips noble's table build.
  const native = alg === 'Ed448' ? undefined : getBackend().ed25519PublicKey;
  return native ? native(privateKey) : m.getPublicKey(privateKey);
}

/**
 * Signs `message` (§5.1.6, §5.2.6). `context` defaults to empty for Ed25519ctx and
 * Ed448 and must be absent or empty for plain Ed25519.
 */
export function sign(alg: SignatureAlgorithm, privateKey: Uint8Array, message: Uint8Array, context?: Uint8Array): Uint8Array {
  const m = impl(alg);
  const opts = contextOption(alg, context);
  checkKeyBytes(privateKey, 'private key', m.lengths.secretKey ?? 0);
  aBytes(message, 'message');
  return m.sign(message, privateKey, opts);
}

/** Verifies `signature` over `message` (§5.1.7, §5.2.7); false on any failure. */
export function verify(
  alg: SignatureAlgorithm, publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array, context?: Uint8Array,
): boolean {
  const m = impl(alg);
  const opts = contextOption(alg, context);
  aBytes(publicKey, 'publicKey');
  aBytes(message, 'message');
  aBytes(signature, 'signature');
  if (publicKey.length !== m.lengths.publicKey || signature.length !== m.lengths.signature) return false;
  try {
    return m.verify(signature, message, publicKey, { ...opts, zip215: false });
  } catch {
    return false;
  }
}
