/**
 * EdDSA signing with a raw scalar: the private key of a combined or co-generated
 * Ed25519/Ed448 key (draft-hallambaker-mesh-cryptography-08 §4.5.1), which has no
 * RFC 8032 seed and therefore no RFC 8032 nonce prefix.
 *
 * The reference implementation signs such keys with no secret prefix, so the nonce
 * r = H(dom ‖ M) is public and one signature reveals the key (conformance/multiparty.md
 * item 13). This module closes that gap (CONFORMANCE item 12): the prefix is always
 * secret — by default derived from the scalar as
 *   Ed25519: SHA-512("dare-mesh combined-key nonce prefix v1" ‖ LE32(a))[0:32]
 *   Ed448:   SHAKE256("dare-mesh combined-key nonce prefix v1" ‖ LE56(a), 57)
 * — and an all-zero prefix is refused. Everything else is RFC 8032 §5.1.6 / §5.2.6:
 * r = H(dom ‖ prefix ‖ M) mod L, R = r·B, k = H(dom ‖ R ‖ A ‖ M) mod L, S = r + k·a,
 * so the signatures verify with any RFC 8032 verifier under A = a·B.
 * @module
 */
import { sha512 } from '@noble/hashes/sha2.js';
import { shake256 } from '@noble/hashes/sha3.js';
import { bytesToNumberLE, numberToBytesLE } from '@noble/curves/utils.js';
import { aBytes, concatBytes, utf8 } from '../internal/bytes.js';
import { mod } from '@noble/curves/abstract/modular.js';
import { decodeScalar, edwardsGroup } from './edwards.js';
import type { EdwardsGroup } from './edwards.js';

/** Signature variants a combined scalar can sign with. */
export type ScalarSignatureAlgorithm = 'Ed25519' | 'Ed25519ctx' | 'Ed448';

const PREFIX_LABEL = utf8('dare-mesh combined-key nonce prefix v1');
const DOM2 = utf8('SigEd25519 no Ed25519 collisions');
const DOM4 = utf8('SigEd448');

function groupOf(alg: ScalarSignatureAlgorithm): EdwardsGroup {
  if (alg === 'Ed25519' || alg === 'Ed25519ctx') return edwardsGroup('Ed25519');
  if (alg === 'Ed448') return edwardsGroup('Ed448');
  throw new TypeError(`unknown signature algorithm ${String(alg)}`);
}

/** H of RFC 8032: SHA-512 for Ed25519 (64 bytes), SHAKE256 with 114 bytes for Ed448. */
function H(alg: ScalarSignatureAlgorithm, ...parts: Uint8Array[]): Uint8Array {
  const data = concatBytes(...parts);
  return alg === 'Ed448' ? shake256(data, { dkLen: 114 }) : sha512(data);
}

/** dom2 / dom4 (RFC 8032 §2) for a non-prehashed signature; empty for plain Ed25519. */
function dom(alg: ScalarSignatureAlgorithm, context: Uint8Array | undefined): Uint8Array {
  const ctx = context ?? new Uint8Array(0);
  aBytes(ctx, 'context');
  if (ctx.length > 255) throw new RangeError(`"context" expected at most 255 bytes, got length=${ctx.length}`);
  if (alg === 'Ed25519') {
    if (ctx.length > 0) throw new RangeError('plain Ed25519 takes no context: use Ed25519ctx');
    return new Uint8Array(0);
  }
  return concatBytes(alg === 'Ed448' ? DOM4 : DOM2, new Uint8Array([0, ctx.length]), ctx);
}

/** Length in bytes of the nonce prefix: 32 for Ed25519, 57 for Ed448. */
export function noncePrefixLength(alg: ScalarSignatureAlgorithm): number {
  return alg === 'Ed448' ? 57 : 32;
}

/** The default secret nonce prefix of a raw scalar (see the module comment). */
export function deriveNoncePrefix(alg: ScalarSignatureAlgorithm, scalar: Uint8Array): Uint8Array {
  const g = groupOf(alg);
  const a = decodeScalar(g, scalar);
  const input = concatBytes(PREFIX_LABEL, numberToBytesLE(a, g.scalarLength));
  const out = alg === 'Ed448' ? shake256(input, { dkLen: 57 }) : sha512(input).slice(0, 32);
  input.fill(0);
  return out;
}

/**
 * Signs `message` with the raw scalar `scalar` (LE bytes, 0 < a < L) under the
 * public key a·B. `options.prefix` overrides the derived secret prefix (it must be
 * secret, of {@link noncePrefixLength} bytes and not all zero); `options.context` is
 * the Ed25519ctx / Ed448 context (default empty).
 */
export function signWithScalar(
  alg: ScalarSignatureAlgorithm, scalar: Uint8Array, message: Uint8Array,
  options: { prefix?: Uint8Array; context?: Uint8Array } = {},
): Uint8Array {
  const g = groupOf(alg);
  const a = decodeScalar(g, scalar);
  aBytes(message, 'message');
  const d = dom(alg, options.context);
  let prefix = options.prefix;
  if (prefix === undefined) {
    prefix = deriveNoncePrefix(alg, scalar);
  } else {
    aBytes(prefix, 'prefix', noncePrefixLength(alg));
    if (prefix.every((b) => b === 0)) throw new RangeError('"prefix" must be secret, not all zero');
  }
  const A = g.Point.BASE.multiply(a).toBytes();
  const r = mod(bytesToNumberLE(H(alg, d, prefix, message)), g.L);
  if (options.prefix === undefined) prefix.fill(0);
  // RFC 8032 allows r = 0 (probability 2^-252); noble's multiply refuses it, so does this.
  const R = g.Point.BASE.multiply(r).toBytes();
  const k = mod(bytesToNumberLE(H(alg, d, R, A, message)), g.L);
  const S = mod(r + k * a, g.L);
  return concatBytes(R, numberToBytesLE(S, g.Point.Fn.BYTES));
}
