/**
 * HKDF, the HMAC-based extract-and-expand key derivation function of RFC 5869, with
 * SHA-2-256 and SHA-2-512 (draft-hallambaker-mesh-cryptography-08 §3.1 requires it;
 * draft-hallambaker-mesh-dare-12 §3.4 derives the key-encryption key with
 * HKDF-SHA-512 and §3.5 the payload keys). Built on noble's audited `hkdf`: the inputs
 * are a few dozen bytes, so there is no backend split.
 * @module
 */
import { extract, expand } from '@noble/hashes/hkdf.js';
import { sha256, sha512 } from '@noble/hashes/sha2.js';
import { aBytes, aInteger } from '../internal/bytes.js';

/** The digests HKDF is defined with here. */
export type HkdfHash = 'sha256' | 'sha512';

const HASHES = { sha256, sha512 } as const;
const HASH_LENGTH = { sha256: 32, sha512: 64 } as const;
const EMPTY = new Uint8Array(0);

function hashOf(hash: unknown): (typeof HASHES)[HkdfHash] {
  if (hash !== 'sha256' && hash !== 'sha512') throw new TypeError(`unknown hkdf hash ${String(hash)}`);
  return HASHES[hash];
}

/**
 * HKDF (RFC 5869 §2): `length` bytes of output keying material. An absent or empty
 * `salt` is HashLen zero bytes (§2.2); `info` defaults to empty. `length` is at most
 * 255 × HashLen (§2.3), else RangeError.
 */
export function hkdf(
  hash: HkdfHash, ikm: Uint8Array, salt: Uint8Array | undefined, info: Uint8Array | undefined, length: number,
): Uint8Array {
  const h = hashOf(hash);
  aBytes(ikm, 'ikm');
  if (salt !== undefined) aBytes(salt, 'salt');
  if (info !== undefined) aBytes(info, 'info');
  aInteger(length, 'length', 1, 255 * HASH_LENGTH[hash]);
  return expand(h, extract(h, ikm, salt ?? EMPTY), info ?? EMPTY, length);
}

/** HKDF-Extract (RFC 5869 §2.2): the pseudorandom key PRK. */
export function hkdfExtract(hash: HkdfHash, ikm: Uint8Array, salt?: Uint8Array): Uint8Array {
  const h = hashOf(hash);
  aBytes(ikm, 'ikm');
  if (salt !== undefined) aBytes(salt, 'salt');
  return extract(h, ikm, salt ?? EMPTY);
}

/** HKDF-Expand (RFC 5869 §2.3) of a PRK of at least HashLen bytes. */
export function hkdfExpand(hash: HkdfHash, prk: Uint8Array, info: Uint8Array | undefined, length: number): Uint8Array {
  const h = hashOf(hash);
  aBytes(prk, 'prk');
  if (prk.length < HASH_LENGTH[hash]) {
    throw new RangeError(`"prk" expected at least ${HASH_LENGTH[hash]} bytes, got length=${prk.length}`);
  }
  if (info !== undefined) aBytes(info, 'info');
  aInteger(length, 'length', 1, 255 * HASH_LENGTH[hash]);
  return expand(h, prk, info ?? EMPTY, length);
}
