/**
 * The portable implementation of {@link SymmetricBackend} on the audited noble
 * libraries (`@noble/hashes`, `@noble/ciphers`): FIPS 180-4 and FIPS 202 digests,
 * RFC 2104 HMAC, NIST SP 800-38A AES-256-CBC with PKCS#7, NIST SP 800-38D AES-256-GCM
 * and RFC 3394 key wrap. It runs wherever JavaScript runs and is byte-identical to the
 * `node:crypto` backend on every vector (see `fixtures/crypto/`).
 *
 * noble's CBC is one-shot, so the streaming CBC here chains one-shot calls: CBC
 * encryption of a message equals CBC of its first whole blocks followed by CBC of the
 * rest with the last ciphertext block as IV (SP 800-38A §6.2). Each `update` encrypts
 * the aligned part of the chunk in place into one output buffer; only a partial block
 * (at most 16 bytes) is ever copied between calls.
 * @module
 */
import { sha256, sha512 } from '@noble/hashes/sha2.js';
import { sha3_256, sha3_512 } from '@noble/hashes/sha3.js';
import { hmac as nobleHmac } from '@noble/hashes/hmac.js';
import { scryptAsync } from '@noble/hashes/scrypt.js';
import { aeskw, cbc, gcm } from '@noble/ciphers/aes.js';
import {
  AES_BLOCK_LENGTH, checkCbcArgs, checkCbcCiphertextLength, checkGcmArgs, checkGcmSealedLength,
  checkHashAlgorithm, checkHmacAlgorithm, checkScryptArgs, checkUnwrapArgs, checkWrapArgs, gcmTagFailed, paddingFailed,
  unwrapFailed,
} from '../platform/backend.js';
import type { HashAlgorithm, Hasher, HmacAlgorithm, ScryptInput, StreamCipher, SymmetricBackend } from '../platform/backend.js';
import { aBytes } from '../internal/bytes.js';

const HASH_FNS = { sha256, sha512, 'sha3-256': sha3_256, 'sha3-512': sha3_512 } as const;
const EMPTY = new Uint8Array(0);
const RAW = { disablePadding: true } as const;

/** The minimal shape of a noble incremental hash or HMAC object. */
interface NobleHash {
  update(data: Uint8Array): unknown;
  digest(): Uint8Array;
}

class NobleHasher implements Hasher {
  readonly #h: NobleHash;
  constructor(h: NobleHash) {
    this.#h = h;
  }
  update(data: Uint8Array): Hasher {
    aBytes(data, 'data');
    this.#h.update(data);
    return this;
  }
  digest(): Uint8Array {
    return this.#h.digest();
  }
}

/**
 * Streaming AES-256-CBC/PKCS#7. Encryption emits every whole block at once; decryption
 * holds back the last block (1..16 bytes pending) because it may carry the padding.
 */
class NobleCbcStream implements StreamCipher {
  readonly #key: Uint8Array;
  readonly #decrypt: boolean;
  readonly #pending = new Uint8Array(AES_BLOCK_LENGTH);
  #iv: Uint8Array;
  #pendingLen = 0;
  #total = 0;
  #done = false;

  constructor(key: Uint8Array, iv: Uint8Array, decrypt: boolean) {
    this.#key = key.slice();
    this.#iv = iv.slice();
    this.#decrypt = decrypt;
  }

  update(chunk: Uint8Array): Uint8Array {
    aBytes(chunk, 'chunk');
    if (this.#done) throw new TypeError('cipher already finalized');
    this.#total += chunk.length;
    const total = this.#pendingLen + chunk.length;
    const ready = this.#decrypt
      ? (total === 0 ? 0 : Math.floor((total - 1) / AES_BLOCK_LENGTH) * AES_BLOCK_LENGTH)
      : Math.floor(total / AES_BLOCK_LENGTH) * AES_BLOCK_LENGTH;
    if (ready === 0) {
      this.#pending.set(chunk, this.#pendingLen);
      this.#pendingLen += chunk.length;
      return EMPTY;
    }
    const out = new Uint8Array(ready);
    let used = 0;
    let o = 0;
    if (this.#pendingLen > 0) {
      // ready > 0 implies the chunk completes the pending block.
      used = AES_BLOCK_LENGTH - this.#pendingLen;
      this.#pending.set(chunk.subarray(0, used), this.#pendingLen);
      this.#blocks(this.#pending, out.subarray(0, AES_BLOCK_LENGTH));
      o = AES_BLOCK_LENGTH;
    }
    if (ready > o) {
      this.#blocks(chunk.subarray(used, used + ready - o), out.subarray(o));
      used += ready - o;
    }
    this.#pendingLen = chunk.length - used;
    this.#pending.set(chunk.subarray(used), 0);
    return out;
  }

  final(): Uint8Array {
    if (this.#done) throw new TypeError('cipher already finalized');
    this.#done = true;
    const block = this.#pending;
    if (this.#decrypt) {
      if (this.#pendingLen !== AES_BLOCK_LENGTH) checkCbcCiphertextLength(this.#total);
      try {
        return cbc(this.#key, this.#iv).decrypt(block);
      } catch (e) {
        throw paddingFailed(e);
      } finally {
        block.fill(0);
      }
    }
    // PKCS#7 (RFC 5652 §6.3): always 1..16 bytes of value (16 - pendingLen).
    block.fill(AES_BLOCK_LENGTH - this.#pendingLen, this.#pendingLen);
    const out = cbc(this.#key, this.#iv, RAW).encrypt(block);
    block.fill(0);
    return out;
  }

  /** CBC over whole blocks `input` into `out`, chaining the IV. */
  #blocks(input: Uint8Array, out: Uint8Array): void {
    if (this.#decrypt) {
      const nextIv = input.slice(input.length - AES_BLOCK_LENGTH);
      cbc(this.#key, this.#iv, RAW).decrypt(input, out);
      this.#iv = nextIv;
    } else {
      cbc(this.#key, this.#iv, RAW).encrypt(input, out);
      this.#iv = out.slice(out.length - AES_BLOCK_LENGTH);
    }
  }
}

function hash(alg: HashAlgorithm, data: Uint8Array): Uint8Array {
  checkHashAlgorithm(alg);
  aBytes(data, 'data');
  return HASH_FNS[alg](data);
}

function hmac(alg: HmacAlgorithm, key: Uint8Array, data: Uint8Array): Uint8Array {
  checkHmacAlgorithm(alg);
  aBytes(key, 'key');
  aBytes(data, 'data');
  return nobleHmac(HASH_FNS[alg], key, data);
}

function aesCbcEncrypt(key: Uint8Array, iv: Uint8Array, plaintext: Uint8Array): Uint8Array {
  checkCbcArgs(key, iv);
  aBytes(plaintext, 'plaintext');
  return cbc(key, iv).encrypt(plaintext);
}

function aesCbcDecrypt(key: Uint8Array, iv: Uint8Array, ciphertext: Uint8Array): Uint8Array {
  checkCbcArgs(key, iv);
  aBytes(ciphertext, 'ciphertext');
  checkCbcCiphertextLength(ciphertext.length);
  try {
    return cbc(key, iv).decrypt(ciphertext);
  } catch (e) {
    throw paddingFailed(e);
  }
}

function aesGcmEncrypt(key: Uint8Array, nonce: Uint8Array, plaintext: Uint8Array, aad?: Uint8Array): Uint8Array {
  checkGcmArgs(key, nonce, aad);
  aBytes(plaintext, 'plaintext');
  return gcm(key, nonce, aad).encrypt(plaintext);
}

function aesGcmDecrypt(key: Uint8Array, nonce: Uint8Array, sealed: Uint8Array, aad?: Uint8Array): Uint8Array {
  checkGcmArgs(key, nonce, aad);
  aBytes(sealed, 'sealed');
  checkGcmSealedLength(sealed.length);
  try {
    return gcm(key, nonce, aad).decrypt(sealed);
  } catch (e) {
    throw gcmTagFailed(e);
  }
}

function aesKeyWrap(kek: Uint8Array, keyData: Uint8Array): Uint8Array {
  checkWrapArgs(kek, keyData);
  return aeskw(kek).encrypt(keyData);
}

function aesKeyUnwrap(kek: Uint8Array, wrapped: Uint8Array): Uint8Array {
  checkUnwrapArgs(kek, wrapped);
  try {
    return aeskw(kek).decrypt(wrapped);
  } catch (e) {
    throw unwrapFailed(e);
  }
}

/** The portable noble backend. */
function scrypt(password: Uint8Array, salt: Uint8Array, params: ScryptInput): Promise<Uint8Array> {
  checkScryptArgs(password, salt, params);
  return scryptAsync(password, salt, params);
}

export const nobleBackend: SymmetricBackend = Object.freeze({
  name: 'noble',
  hash,
  createHash(alg: HashAlgorithm): Hasher {
    checkHashAlgorithm(alg);
    return new NobleHasher(HASH_FNS[alg].create());
  },
  hmac,
  createHmac(alg: HmacAlgorithm, key: Uint8Array): Hasher {
    checkHmacAlgorithm(alg);
    aBytes(key, 'key');
    return new NobleHasher(nobleHmac.create(HASH_FNS[alg], key));
  },
  aesCbcEncrypt,
  aesCbcDecrypt,
  createAesCbcEncryptor(key: Uint8Array, iv: Uint8Array): StreamCipher {
    checkCbcArgs(key, iv);
    return new NobleCbcStream(key, iv, false);
  },
  createAesCbcDecryptor(key: Uint8Array, iv: Uint8Array): StreamCipher {
    checkCbcArgs(key, iv);
    return new NobleCbcStream(key, iv, true);
  },
  aesGcmEncrypt,
  aesGcmDecrypt,
  aesKeyWrap,
  aesKeyUnwrap,
  scrypt,
});
