/**
 * The symmetric backend: the one interface behind which all bulk cryptography sits
 * (digests, HMAC, AES-CBC, AES-GCM, AES key wrap), so that the envelope codec runs
 * unchanged on `node:crypto` (OpenSSL, the fast path, `lib/platform/node.ts`) and on
 * noble (portable, `lib/crypto/noble-backend.ts`). Both backends pass the same vectors.
 *
 * Algorithms are those draft-hallambaker-mesh-cryptography-08 §3.1 requires of a Mesh
 * device (SHA-2-512, HMAC-SHA-2-512, AES-CBC-256, RFC 3394 key wrap) and recommends
 * (AES-GCM-256, SHA-3-512), plus the 256-bit digests the UDF and DARE drafts use.
 *
 * Error policy (shared by every backend):
 * - a wrong argument type is a TypeError, a wrong key, IV or nonce length a RangeError;
 * - bad data raises {@link DareError}: an AES-GCM tag or an RFC 3394 integrity check
 *   (RFC 3394 §2.2.3) that fails is `MAC_INVALID` (the integrity check value is an
 *   authenticator over the wrapped key; a caller trying several recipients maps it to
 *   `NO_MATCHING_KEY`); a CBC ciphertext whose length is not a positive multiple of 16
 *   or whose PKCS#7 padding is wrong is `MALFORMED`; a wrapped key of impossible length
 *   is `MALFORMED`.
 *
 * Outputs are plain `Uint8Array`s (never a Node `Buffer`, whose `slice` shares memory).
 * @module
 */
import { DareError } from '../errors.js';
import { aBytes } from '../internal/bytes.js';

/** Digest functions, named as `node:crypto` names them. */
export type HashAlgorithm = 'sha256' | 'sha512' | 'sha3-256' | 'sha3-512';

/** Digests usable with HMAC (RFC 2104, RFC 4231). */
export type HmacAlgorithm = 'sha256' | 'sha512';

/** Output length in bytes of each digest. */
export const HASH_LENGTH: Readonly<Record<HashAlgorithm, number>> = {
  sha256: 32,
  sha512: 64,
  'sha3-256': 32,
  'sha3-512': 64,
};

/** AES-256 key length in bytes. */
export const AES256_KEY_LENGTH = 32;
/** AES block length, and the CBC IV length, in bytes. */
export const AES_BLOCK_LENGTH = 16;
/** The AES-GCM nonce length this library accepts (NIST SP 800-38D §5.2.1.1 recommended length). */
export const GCM_NONCE_LENGTH = 12;
/** The AES-GCM tag length, appended to the ciphertext. */
export const GCM_TAG_LENGTH = 16;

/** An incremental digest or MAC: `update` any number of times, then `digest` once. */
export interface Hasher {
  /** Absorbs `data`; the bytes are not retained after the call returns. */
  update(data: Uint8Array): Hasher;
  /** Finishes and returns the digest. The hasher cannot be used afterwards. */
  digest(): Uint8Array;
}

/**
 * An incremental digest that may run off the calling thread (a worker), so that a stream can
 * hash on one core while it encrypts or decrypts on another. `update` copies `data` (the caller
 * may reuse it at once) and returns a promise when the caller must wait (back-pressure): await
 * it before the next call. `digest` resolves once; `close` releases the thread early (on an
 * error or an abandoned stream) and is idempotent. The digest is the same as {@link Hasher}'s.
 */
export interface ParallelHasher {
  update(data: Uint8Array): Promise<void> | undefined;
  digest(): Promise<Uint8Array>;
  close(): void;
}

/** A {@link ParallelHasher} over an in-thread {@link Hasher} (backends without threads). */
export function inThreadParallelHasher(h: Hasher): ParallelHasher {
  return {
    update(data: Uint8Array): undefined {
      h.update(data);
      return undefined;
    },
    digest: async () => h.digest(),
    close: () => undefined,
  };
}

/**
 * A streaming cipher: `update(chunk)` returns the output that is ready (possibly empty,
 * never retaining `chunk`), `final()` returns the rest. Decryption holds back the last
 * block until `final()`, which checks and removes the padding.
 */
export interface StreamCipher {
  update(chunk: Uint8Array): Uint8Array;
  final(): Uint8Array;
}

/** The bulk-cryptography operations an envelope codec needs. */
export interface SymmetricBackend {
  /** `'node'` or `'noble'`. */
  readonly name: string;

  /** One-shot digest (FIPS 180-4, FIPS 202). */
  hash(alg: HashAlgorithm, data: Uint8Array): Uint8Array;
  /** Incremental digest. */
  createHash(alg: HashAlgorithm): Hasher;
  /**
   * Incremental digest of a long stream, computed on another thread when the backend can
   * (optional; callers fall back to {@link inThreadParallelHasher}). `sizeHint`: the bytes
   * expected, when known; a backend may stay in-thread for small inputs.
   */
  createParallelHash?(alg: HashAlgorithm, sizeHint?: number): ParallelHasher;

  /** One-shot HMAC (RFC 2104). */
  hmac(alg: HmacAlgorithm, key: Uint8Array, data: Uint8Array): Uint8Array;
  /** Incremental HMAC; `digest()` returns the tag. */
  createHmac(alg: HmacAlgorithm, key: Uint8Array): Hasher;

  /** AES-256-CBC with PKCS#7 padding (NIST SP 800-38A §6.2); output is always 16..n+16 bytes. */
  aesCbcEncrypt(key: Uint8Array, iv: Uint8Array, plaintext: Uint8Array): Uint8Array;
  /** Inverse of {@link aesCbcEncrypt}; bad length or padding is DareError('MALFORMED'). */
  aesCbcDecrypt(key: Uint8Array, iv: Uint8Array, ciphertext: Uint8Array): Uint8Array;
  /** Streaming AES-256-CBC/PKCS#7 encryption, byte-identical to the one-shot form. */
  createAesCbcEncryptor(key: Uint8Array, iv: Uint8Array): StreamCipher;
  /** Streaming AES-256-CBC/PKCS#7 decryption; `final()` checks the padding. */
  createAesCbcDecryptor(key: Uint8Array, iv: Uint8Array): StreamCipher;

  /** AES-256-GCM (NIST SP 800-38D), 12-byte nonce; returns ciphertext ‖ 16-byte tag. */
  aesGcmEncrypt(key: Uint8Array, nonce: Uint8Array, plaintext: Uint8Array, aad?: Uint8Array): Uint8Array;
  /** Opens ciphertext ‖ tag; a wrong tag is DareError('MAC_INVALID'). */
  aesGcmDecrypt(key: Uint8Array, nonce: Uint8Array, sealed: Uint8Array, aad?: Uint8Array): Uint8Array;

  /** RFC 3394 AES key wrap with a 256-bit KEK; `keyData` is 16 or more bytes, a multiple of 8. */
  aesKeyWrap(kek: Uint8Array, keyData: Uint8Array): Uint8Array;
  /** RFC 3394 unwrap; a failed integrity check is DareError('MAC_INVALID'). */
  aesKeyUnwrap(kek: Uint8Array, wrapped: Uint8Array): Uint8Array;

  /**
   * scrypt (RFC 7914), `dkLen` bytes. Callers bound N, r and p before calling (a hostile
   * file must not choose the memory); `maxmem` is the ceiling the backend enforces.
   */
  scrypt(password: Uint8Array, salt: Uint8Array, params: ScryptInput): Promise<Uint8Array>;

  /**
   * Optional: RFC 7748 X25519 public key of a 32-byte private key, natively. Without it
   * (the noble backend) lib/crypto/agreement.ts uses noble's curve code, whose first call in a
   * process builds its tables (~30 ms of a CLI start, issue 20). Same inputs, same outputs.
   */
  x25519PublicKey?(privateKey: Uint8Array): Uint8Array;
  /** Optional: RFC 8032 §5.1.5 Ed25519 public key of a 32-byte seed, natively (as x25519PublicKey). */
  ed25519PublicKey?(seed: Uint8Array): Uint8Array;
  /** Optional: RFC 7748 §6.1 X25519(k, u); throws (any error) on a low-order u or an all-zero result. */
  x25519?(privateKey: Uint8Array, peerPublicKey: Uint8Array): Uint8Array;
}

/** Parameters of {@link SymmetricBackend.scrypt}: cost N (a power of two), block size r, parallelism p. */
export interface ScryptInput {
  readonly N: number;
  readonly r: number;
  readonly p: number;
  readonly dkLen: number;
  /** Largest memory in bytes the derivation may use (about 128·N·r). */
  readonly maxmem: number;
}

// ---------------------------------------------------------------------------
// Argument checks shared by the backends (called once per entry, never per block).

const HASHES: ReadonlySet<string> = new Set(['sha256', 'sha512', 'sha3-256', 'sha3-512']);
const HMACS: ReadonlySet<string> = new Set(['sha256', 'sha512']);

/** TypeError unless `alg` is a {@link HashAlgorithm}. */
export function checkHashAlgorithm(alg: unknown): asserts alg is HashAlgorithm {
  if (typeof alg !== 'string' || !HASHES.has(alg)) throw new TypeError(`unknown hash algorithm ${String(alg)}`);
}

/** TypeError unless `alg` is an {@link HmacAlgorithm}. */
export function checkHmacAlgorithm(alg: unknown): asserts alg is HmacAlgorithm {
  if (typeof alg !== 'string' || !HMACS.has(alg)) throw new TypeError(`unknown hmac algorithm ${String(alg)}`);
}

/** Checks an AES-256 key and a CBC IV. */
export function checkCbcArgs(key: unknown, iv: unknown): void {
  aBytes(key, 'key', AES256_KEY_LENGTH);
  aBytes(iv, 'iv', AES_BLOCK_LENGTH);
}

/** Checks an AES-256 key, a GCM nonce and optional AAD. */
export function checkGcmArgs(key: unknown, nonce: unknown, aad: unknown): void {
  aBytes(key, 'key', AES256_KEY_LENGTH);
  aBytes(nonce, 'nonce', GCM_NONCE_LENGTH);
  if (aad !== undefined) aBytes(aad, 'aad');
}

/** Raises MALFORMED unless a CBC ciphertext is a positive multiple of the block length. */
export function checkCbcCiphertextLength(length: number): void {
  if (length === 0 || length % AES_BLOCK_LENGTH !== 0) {
    throw new DareError('MALFORMED', `aes-cbc ciphertext length ${length} is not a positive multiple of 16`);
  }
}

/** Raises MALFORMED when sealed GCM input is shorter than its tag. */
export function checkGcmSealedLength(length: number): void {
  if (length < GCM_TAG_LENGTH) throw new DareError('MALFORMED', `aes-gcm input of ${length} bytes is shorter than its tag`);
}

/** RFC 3394 §2: the key data is n ≥ 2 64-bit blocks (misuse: RangeError). */
export function checkWrapArgs(kek: unknown, keyData: unknown): void {
  aBytes(kek, 'kek', AES256_KEY_LENGTH);
  aBytes(keyData, 'keyData');
  if (keyData.length < 16 || keyData.length % 8 !== 0) {
    throw new RangeError(`"keyData" expected a multiple of 8 bytes, at least 16, got length=${keyData.length}`);
  }
}

/** RFC 3394 §2.2.2: wrapped data is n+1 ≥ 3 64-bit blocks (bad data: MALFORMED). */
export function checkUnwrapArgs(kek: unknown, wrapped: unknown): void {
  aBytes(kek, 'kek', AES256_KEY_LENGTH);
  aBytes(wrapped, 'wrapped');
  if (wrapped.length < 24 || wrapped.length % 8 !== 0) {
    throw new DareError('MALFORMED', `wrapped key of ${wrapped.length} bytes is not a multiple of 8 of at least 24`);
  }
}

/** Checks scrypt arguments (misuse: TypeError/RangeError); N must be a power of two above 1. */
export function checkScryptArgs(password: unknown, salt: unknown, params: ScryptInput): void {
  aBytes(password, 'password');
  aBytes(salt, 'salt');
  const { N, r, p, dkLen, maxmem } = params;
  for (const [name, v] of [['N', N], ['r', r], ['p', p], ['dkLen', dkLen], ['maxmem', maxmem]] as const) {
    if (!Number.isSafeInteger(v) || v < 1) throw new RangeError(`scrypt "${name}" expected a positive integer, got ${String(v)}`);
  }
  if (N < 2 || (N & (N - 1)) !== 0) throw new RangeError(`scrypt "N" expected a power of two above 1, got ${N}`);
}

/** The error every backend raises when an RFC 3394 integrity check fails. */
export function unwrapFailed(cause?: unknown): DareError {
  return new DareError('MAC_INVALID', 'aes key unwrap integrity check failed', { cause });
}

/** The error every backend raises when a GCM tag does not verify. */
export function gcmTagFailed(cause?: unknown): DareError {
  return new DareError('MAC_INVALID', 'aes-gcm tag does not verify', { cause });
}

/** The error every backend raises when PKCS#7 padding is wrong. */
export function paddingFailed(cause?: unknown): DareError {
  return new DareError('MALFORMED', 'aes-cbc padding is invalid', { cause });
}
